import { tf } from '../../src/backend/tf.js';
import { useBackend } from '../../src/backend/backends.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsEntry, SafetensorsError } from '../../src/io/safetensors.js';
import { tensorsFromSafetensors, tensorsToSafetensors } from '../../src/io/safetensors_tensors.js';

/** A safetensors file assembled by hand from a header object and data bytes, as the format describes it. */
function handMade(header: unknown, data: Uint8Array, headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function le32(values: number[], kind: 'f32' | 'i32'): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => (kind === 'f32' ? view.setFloat32(i * 4, v, true) : view.setInt32(i * 4, v, true)));
  return out;
}

function expectRefused(bytes: Uint8Array, message: RegExp): void {
  let error: unknown;
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SafetensorsError);
  expect((error as Error).message).toMatch(message);
}

describe('safetensors bytes', () => {
  test('reads a file assembled by hand from the format description', () => {
    const data = new Uint8Array([...le32([1.5, -2, 0.25, 8], 'f32'), ...le32([7, -3], 'i32'), 1, 0, 1]);
    const bytes = handMade(
      {
        b: { dtype: 'I32', shape: [2], data_offsets: [16, 24] },
        __metadata__: { format: 'pt', note: 'hand made' },
        a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
        c: { dtype: 'BOOL', shape: [3], data_offsets: [24, 27] },
      },
      data,
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'hand made' });
    expect([...tensors.keys()]).toEqual(['b', 'a', 'c']);
    const a = tensors.get('a')!;
    expect(a.dtype).toBe('F32');
    expect(a.shape).toEqual([2, 2]);
    const view = new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    expect([0, 1, 2, 3].map((i) => view.getFloat32(i * 4, true))).toEqual([1.5, -2, 0.25, 8]);
    expect(Array.from(tensors.get('c')!.data)).toEqual([1, 0, 1]);
  });

  test('writes the layout the format prescribes: u64 LE header length, JSON header padded to 8 bytes, data in order', () => {
    const entries = new Map<string, SafetensorsEntry>([
      ['flag', { dtype: 'BOOL', shape: [1], data: new Uint8Array([1]) }],
      ['w', { dtype: 'F32', shape: [3], data: le32([1, 2, 3], 'f32') }],
      ['scalar', { dtype: 'I32', shape: [], data: le32([42], 'i32') }],
      ['empty', { dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) }],
    ]);
    const bytes = encodeSafetensors(entries, { format: 'pt' });
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(headerText.startsWith('{')).toBe(true);
    expect(headerText.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(headerText.slice(headerText.lastIndexOf('}') + 1))).toBe(true);
    const header = JSON.parse(headerText) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    // 4-byte elements first (in the given order), then the 1-byte ones.
    expect(header.w).toEqual({ dtype: 'F32', shape: [3], data_offsets: [0, 12] });
    expect(header.scalar).toEqual({ dtype: 'I32', shape: [], data_offsets: [12, 16] });
    expect(header.empty).toEqual({ dtype: 'F32', shape: [0, 4], data_offsets: [16, 16] });
    expect(header.flag).toEqual({ dtype: 'BOOL', shape: [1], data_offsets: [16, 17] });
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect(bytes.length).toBe(8 + n + 17);
    const back = decodeSafetensors(bytes);
    for (const [name, entry] of entries) {
      expect(back.tensors.get(name)!.dtype).toBe(entry.dtype);
      expect(back.tensors.get(name)!.shape).toEqual(entry.shape);
      expect(Array.from(back.tensors.get(name)!.data)).toEqual(Array.from(entry.data));
    }
  });

  test('refuses malformed files, naming the problem', () => {
    const f32 = le32([1, 2], 'f32');
    const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    expect(() => decodeSafetensors(handMade(ok, f32))).not.toThrow();
    expectRefused(new Uint8Array(5), /fewer than the 8/);
    expectRefused(handMade(ok, f32, 1000), /header length is 1000 bytes, beyond the end/);
    expectRefused(handMade('{"a": ', f32), /not UTF-8 JSON/);
    expectRefused(handMade('[1, 2]', f32), /must be a JSON object/);
    expectRefused(handMade({ a: { dtype: 'F17', shape: [2], data_offsets: [0, 8] } }, f32), /tensor 'a': unknown dtype "F17"/);
    expectRefused(
      handMade({ a: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 8] } }, f32),
      /tensor 'a': shape must be a list of non-negative integers/,
    );
    expectRefused(handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0] } }, f32), /tensor 'a': data_offsets must be two/);
    expectRefused(
      handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 12] } }, f32),
      /tensor 'a': data_offsets \[0, 12\] are out of range \(the data has 8 bytes\)/,
    );
    expectRefused(
      handMade({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32),
      /tensor 'a': F32\[3\] needs 12 bytes, data_offsets \[0, 8\] hold 8/,
    );
    expectRefused(
      handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32),
      /tensors 'a' \[0, 8\] and 'b' \[4, 8\] overlap/,
    );
    expectRefused(handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32), /data bytes \[0, 4\) belong to no tensor/);
    expectRefused(handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32), /data bytes \[4, 8\) belong to no tensor/);
    expectRefused(handMade({ ...ok, __metadata__: { epoch: 3 } }, f32), /__metadata__ 'epoch' must be a string/);
  });

  test('refuses to write what the format cannot hold', () => {
    const write =
      (entry: SafetensorsEntry, metadata: Record<string, string> = {}) =>
      () =>
        encodeSafetensors(new Map([['x', entry]]), metadata);
    expect(write({ dtype: 'F32', shape: [3], data: new Uint8Array(8) })).toThrow(/'x': F32\[3\] needs 12 bytes of data, got 8/);
    expect(write({ dtype: 'X' as 'F32', shape: [1], data: new Uint8Array(4) })).toThrow(/'x': unknown dtype "X"/);
    expect(write({ dtype: 'F32', shape: [1.5], data: new Uint8Array(4) })).toThrow(/shape must be a list of non-negative integers/);
    expect(write({ dtype: 'F32', shape: [1], data: new Uint8Array(4) }, { n: 3 as unknown as string })).toThrow(
      /metadata 'n' must be a string/,
    );
    expect(() => encodeSafetensors(new Map([['__metadata__', { dtype: 'F32', shape: [1], data: new Uint8Array(4) }]]))).toThrow(/reserved/);
  });
});

describe('safetensors tensors', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  test('float32, int32 and bool tensors round-trip bit for bit (NaN payloads, -0, subnormals, extremes)', async () => {
    const bits = new Uint32Array([0x7fc00001, 0xffc12345, 0x80000000, 0x00000001, 0x007fffff, 0x7f7fffff, 0xff800000, 0x3f800000]);
    const floats = tf.tensor(new Float32Array(bits.buffer), [2, 4], 'float32');
    const ints = tf.tensor1d(Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0, -1]), 'int32');
    const flags = tf.tensor([true, false, true], [3, 1], 'bool');
    const scalar = tf.scalar(3.25);
    const bytes = await tensorsToSafetensors(
      new Map([
        ['f', floats],
        ['i', ints],
        ['b', flags],
        ['s', scalar],
      ]),
      { what: 'test' },
    );
    const { tensors, metadata } = tensorsFromSafetensors(bytes);
    expect(metadata).toEqual({ what: 'test' });
    expect(tensors.get('f')!.dtype).toBe('float32');
    expect(Array.from(new Uint32Array((tensors.get('f')!.dataSync() as Float32Array).slice().buffer))).toEqual(Array.from(bits));
    expect(tensors.get('i')!.dtype).toBe('int32');
    expect(Array.from(tensors.get('i')!.dataSync())).toEqual([-(2 ** 31), 2 ** 31 - 1, 0, -1]);
    expect(tensors.get('b')!.dtype).toBe('bool');
    expect(tensors.get('b')!.shape).toEqual([3, 1]);
    expect(Array.from(tensors.get('b')!.dataSync())).toEqual([1, 0, 1]);
    expect(tensors.get('s')!.shape).toEqual([]);
    expect(tensors.get('s')!.dataSync()[0]).toBe(3.25);
    tf.dispose([floats, ints, flags, scalar, ...tensors.values()]);
  });

  test('refuses dtypes tfjs lacks, naming the tensor and the remedy', async () => {
    const half = encodeSafetensors(new Map([['h', { dtype: 'F16', shape: [2], data: new Uint8Array(4) }]]));
    expect(() => tensorsFromSafetensors(half)).toThrow(/'h': dtype F16 has no tfjs equivalent.*\.float\(\)/);
    const before = tf.memory().numTensors;
    const badBool = encodeSafetensors(
      new Map([
        ['ok', { dtype: 'F32', shape: [1], data: new Uint8Array(4) }],
        ['b', { dtype: 'BOOL', shape: [1], data: new Uint8Array([2]) }],
      ]),
    );
    expect(() => tensorsFromSafetensors(badBool)).toThrow(/'b': BOOL bytes must be 0 or 1/);
    const complex = tf.complex([1], [2]);
    await expect(tensorsToSafetensors(new Map([['c', complex]]))).rejects.toThrow(
      /'c': tfjs dtype complex64 has no safetensors equivalent/,
    );
    complex.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
