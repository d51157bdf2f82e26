/**
 * tfjs tensors to and from safetensors files (browser-safe). tfjs's dtypes map one to one: `float32` is `F32`,
 * `int32` is `I32`, `bool` is `BOOL`; values are copied bit for bit.
 */
import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsDtype, type SafetensorsEntry, SafetensorsError } from './safetensors.js';

/** The safetensors dtype of each tfjs dtype that has one. @public */
export const SAFETENSORS_DTYPE_OF: Readonly<Record<'float32' | 'int32' | 'bool', SafetensorsDtype>> = Object.freeze({
  float32: 'F32',
  int32: 'I32',
  bool: 'BOOL',
});

const TFJS_DTYPE_OF: Partial<Record<SafetensorsDtype, 'float32' | 'int32' | 'bool'>> = { F32: 'float32', I32: 'int32', BOOL: 'bool' };

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The little-endian bytes of a typed array (a copy). */
function toLittleEndian(values: Float32Array | Int32Array | Uint8Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  if (littleEndian || values.BYTES_PER_ELEMENT === 1) return bytes;
  for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  return bytes;
}

/** A typed array of the values stored little-endian in `data`. */
function fromLittleEndian(data: Uint8Array, dtype: 'float32' | 'int32' | 'bool'): Float32Array | Int32Array | Uint8Array {
  const copy = new Uint8Array(data); // a copy (a Buffer's slice would be a view), aligned for the typed array
  if (dtype === 'bool') return copy;
  if (!littleEndian) for (let i = 0; i < copy.length; i += 4) copy.subarray(i, i + 4).reverse();
  return dtype === 'float32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
}

/**
 * A safetensors file of tensors by name, with string metadata. The tensors are read, not disposed. Refuses a
 * tensor whose dtype has no safetensors equivalent (`complex64`, `string`), naming it.
 * @public
 */
export async function tensorsToSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<Uint8Array> {
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, t] of tensors) {
    const dtype = SAFETENSORS_DTYPE_OF[t.dtype as keyof typeof SAFETENSORS_DTYPE_OF];
    if (dtype === undefined)
      throw new SafetensorsError(
        `safetensors tensor '${name}': tfjs dtype ${t.dtype} has no safetensors equivalent (float32, int32 and bool do)`,
      );
    const values = await t.data();
    entries.set(name, { dtype, shape: [...t.shape], data: toLittleEndian(values) });
  }
  return encodeSafetensors(entries, metadata);
}

/**
 * The tensors (by name, in file order) and metadata of a safetensors file; the caller owns the tensors. Refuses
 * a malformed file (see {@link decodeSafetensors}) and a tensor of a dtype tfjs lacks (F16, BF16, F64, I64, ...),
 * naming it: convert it before saving (in PyTorch, `tensor.float()` or `tensor.int()`).
 * @public
 */
export function tensorsFromSafetensors(bytes: Uint8Array): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const { tensors: entries, metadata } = decodeSafetensors(bytes);
  for (const [name, entry] of entries) {
    if (TFJS_DTYPE_OF[entry.dtype] === undefined) {
      throw new SafetensorsError(
        `safetensors tensor '${name}': dtype ${entry.dtype} has no tfjs equivalent (F32, I32 and BOOL do); convert it before saving (in PyTorch: .float() or .int())`,
      );
    }
    if (entry.dtype === 'BOOL' && entry.data.some((b) => b > 1))
      throw new SafetensorsError(`safetensors tensor '${name}': BOOL bytes must be 0 or 1`);
  }
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of entries) {
    const dtype = TFJS_DTYPE_OF[entry.dtype]!;
    tensors.set(name, tf.tensor(fromLittleEndian(entry.data, dtype), [...entry.shape], dtype));
  }
  return { tensors, metadata: { ...metadata } };
}
