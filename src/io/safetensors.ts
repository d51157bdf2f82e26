/**
 * The safetensors file format (Hugging Face's; what PyTorch, JAX and the Hugging Face tools read and write), on
 * bytes only: no tensors, no file system, so it runs in the browser as in Node.
 *
 * A file is an 8-byte little-endian unsigned length `N`, then `N` bytes of UTF-8 JSON (the header), then the data.
 * The header maps each tensor's name to `{ dtype, shape, data_offsets: [begin, end] }`, the offsets counted in bytes
 * from the start of the data, and may hold `"__metadata__"`, an object of string values. Tensors are stored
 * row-major (C order), little-endian; together they cover the data exactly, with no overlaps and no gaps.
 *
 * The writer pads the header with spaces so that the data starts at a multiple of 8 bytes (as the reference
 * writer does), and orders tensors by decreasing element size, then as given. The reader checks every number of
 * the header before it uses it and refuses a malformed file with a {@link SafetensorsError} naming the problem.
 */

/** The element types of the safetensors format. @public */
export type SafetensorsDtype =
  'BOOL' | 'U8' | 'I8' | 'F8_E5M2' | 'F8_E4M3' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

/** Bytes per element of each safetensors dtype. @public */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
});

/** One tensor of a safetensors file: its dtype, shape (`[]` for a scalar) and raw little-endian bytes. @public */
export interface SafetensorsEntry {
  /** The element type. */
  readonly dtype: SafetensorsDtype;
  /** Dimensions, outermost first (`[]` for a scalar). */
  readonly shape: readonly number[];
  /** The elements, row-major, little-endian: element count times the dtype's size in bytes. */
  readonly data: Uint8Array;
}

/** The contents of a safetensors file: tensors by name, in header order, and the string metadata. @public */
export interface SafetensorsContents {
  /** The tensors by name, in the order of the header. */
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
  /** The header's `__metadata__` (empty when it has none). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** A safetensors file that is malformed, or tensors that cannot be written as one. @public */
export class SafetensorsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SafetensorsError';
  }
}

/** The largest header read (as the reference reader's limit): 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_BYTES, value);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function checkShape(where: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Number.isSafeInteger(elementCount(shape))) throw new SafetensorsError(`${where}: shape [${shape.join(',')}] has too many elements`);
  return shape as number[];
}

/**
 * Encodes tensors (by name, each with its dtype, shape and little-endian bytes) and string metadata as a
 * safetensors file. Refuses an empty or `__metadata__` name, an unknown dtype, a shape that is not a list of
 * non-negative integers, data whose length is not the shape's element count times the dtype's size, and metadata
 * values that are not strings.
 * @public
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsEntry>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string')
      throw new SafetensorsError(`safetensors metadata '${key}' must be a string (the format allows only strings), got ${typeof value}`);
  }
  const entries = [...tensors].map(([name, entry], index) => {
    const where = `safetensors tensor '${name}'`;
    if (name === '' || name === METADATA_KEY) throw new SafetensorsError(`${where}: the name is reserved or empty`);
    if (!isDtype(entry.dtype))
      throw new SafetensorsError(
        `${where}: unknown dtype ${JSON.stringify(entry.dtype)}; known: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')}`,
      );
    const shape = checkShape(where, entry.shape);
    const bytes = elementCount(shape) * SAFETENSORS_DTYPE_BYTES[entry.dtype];
    if (!(entry.data instanceof Uint8Array) || entry.data.byteLength !== bytes) {
      throw new SafetensorsError(
        `${where}: ${entry.dtype}[${shape.join(',')}] needs ${bytes} bytes of data, got ${entry.data?.byteLength ?? 'none'}`,
      );
    }
    return { name, entry, shape, index };
  });
  // Larger elements first, so that every tensor starts at a multiple of its element size.
  entries.sort((a, b) => SAFETENSORS_DTYPE_BYTES[b.entry.dtype] - SAFETENSORS_DTYPE_BYTES[a.entry.dtype] || a.index - b.index);

  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  let offset = 0;
  for (const { name, entry, shape } of entries) {
    header[name] = { dtype: entry.dtype, shape, data_offsets: [offset, offset + entry.data.byteLength] };
    offset += entry.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil((8 + json.byteLength) / 8) * 8 - 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength);
  let at = 8 + headerLength;
  for (const { entry } of entries) {
    out.set(entry.data, at);
    at += entry.data.byteLength;
  }
  return out;
}

/**
 * Decodes a safetensors file. The returned entries' `data` are views into `bytes` (copy them to keep them past
 * `bytes`). Refused with a {@link SafetensorsError}: a file shorter than its header length says, a header that is
 * not a JSON object, an entry without a known dtype, a valid shape or two integer offsets, offsets outside the
 * data, a byte range that is not the shape's element count times the dtype's size, tensors that overlap, bytes
 * no tensor covers, and metadata that is not an object of strings.
 * @public
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError('safetensors: expected the file as a Uint8Array');
  if (bytes.byteLength < 8)
    throw new SafetensorsError(`safetensors: the file has ${bytes.byteLength} bytes, fewer than the 8 of its header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low;
  if (headerLength > bytes.byteLength - 8) {
    throw new SafetensorsError(
      `safetensors: the header length is ${headerLength} bytes, beyond the end of the ${bytes.byteLength}-byte file (truncated, or not a safetensors file)`,
    );
  }
  if (headerLength > MAX_HEADER_BYTES)
    throw new SafetensorsError(`safetensors: the header length ${headerLength} is above the ${MAX_HEADER_BYTES}-byte limit`);

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new SafetensorsError(`safetensors: the ${headerLength}-byte header is not UTF-8 JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw new SafetensorsError('safetensors: the header must be a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsEntry>();
  const ranges: Array<{ name: string; begin: number; end: number }> = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw new SafetensorsError('safetensors: __metadata__ must be an object of strings');
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string')
          throw new SafetensorsError(`safetensors: __metadata__ '${key}' must be a string, got ${JSON.stringify(v)}`);
        metadata[key] = v;
      }
      continue;
    }
    const where = `safetensors tensor '${name}'`;
    if (value === null || typeof value !== 'object')
      throw new SafetensorsError(`${where}: expected {dtype, shape, data_offsets}, got ${JSON.stringify(value)}`);
    const { dtype, shape, data_offsets: offsets } = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(dtype))
      throw new SafetensorsError(
        `${where}: unknown dtype ${JSON.stringify(dtype)}; known: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')}`,
      );
    const dims = checkShape(where, shape);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
    ) {
      throw new SafetensorsError(`${where}: data_offsets must be two non-negative integers [begin, end], got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) {
      throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] are out of range (the data has ${dataLength} bytes)`);
    }
    const want = elementCount(dims) * SAFETENSORS_DTYPE_BYTES[dtype];
    if (end - begin !== want) {
      throw new SafetensorsError(
        `${where}: ${dtype}[${dims.join(',')}] needs ${want} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
    ranges.push({ name, begin, end });
    tensors.set(name, { dtype, shape: dims, data: bytes.subarray(dataStart + begin, dataStart + end) });
  }

  const sorted = [...ranges].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: (typeof sorted)[number] | undefined;
  for (const range of sorted) {
    if (range.begin < covered) {
      throw new SafetensorsError(
        `safetensors: tensors '${previous!.name}' [${previous!.begin}, ${previous!.end}] and '${range.name}' [${range.begin}, ${range.end}] overlap`,
      );
    }
    if (range.begin > covered) throw new SafetensorsError(`safetensors: data bytes [${covered}, ${range.begin}) belong to no tensor`);
    covered = range.end;
    previous = range;
  }
  if (covered !== dataLength) throw new SafetensorsError(`safetensors: data bytes [${covered}, ${dataLength}) belong to no tensor`);
  return { tensors, metadata };
}
