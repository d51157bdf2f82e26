import { HostBuckets } from '../../src/attention/host_buckets.js';
import { type BucketTable, type ChunkWindow, cachedWindows } from '../../src/attention/lsh_windows.js';
import { MASKED_BIAS, SELF_BIAS } from '../../src/attention/dot_product_attention.js';
import { makeKey, randomBits } from '../../src/rng/key.js';

/** Brute force: sort positions 0..p by (bucket, position), find p's chunk, list the positions in its window. */
function windowByBruteForce(buckets: number[], p: number, chunks: ChunkWindow): number[] {
  const sorted = buckets
    .slice(0, p + 1)
    .map((b, j) => ({ b, j }))
    .sort((x, y) => x.b - y.b || x.j - y.j);
  const chunk = Math.floor(sorted.findIndex((e) => e.j === p) / chunks.chunkLen);
  const lo = (chunk - chunks.nChunksBefore) * chunks.chunkLen;
  const hi = (chunk + chunks.nChunksAfter + 1) * chunks.chunkLen;
  return sorted
    .filter((_, slot) => slot >= lo && slot < hi)
    .map((e) => e.j)
    .sort((x, y) => x - y);
}

describe('cachedWindows', () => {
  test('hand-computed: buckets [1, 0, 1, 0], chunkLen 1, one chunk before', () => {
    // Query 3 sorts 0..3 as (bucket 0: 1, 3), (bucket 1: 0, 2): slot of 3 is 1, its window slots 0..1 -> keys 1, 3.
    const table: BucketTable = { data: Int32Array.from([1, 0, 1, 0]), stride: 4, count: 2 };
    const w = cachedWindows(() => table, 1, 3, 1, { chunkLen: 1, nChunksBefore: 1, nChunksAfter: 0 });
    expect(w.width).toBe(2);
    expect(Array.from(w.positions)).toEqual([1, 3]);
    expect(Array.from(w.bias)).toEqual([0, SELF_BIAS]);
  });

  test.each([
    [{ chunkLen: 2, nChunksBefore: 1, nChunksAfter: 0 }, 4],
    [{ chunkLen: 3, nChunksBefore: 0, nChunksAfter: 1 }, 6],
    [{ chunkLen: 4, nChunksBefore: 2, nChunksAfter: 1 }, 8],
  ])('equals a brute-force sort on random buckets (%o, %i buckets)', (chunks, count) => {
    const rows = 3;
    const t = 40;
    const stride = 45;
    const bits = randomBits(makeKey(count), rows * stride);
    const data = Int32Array.from(bits, (x) => x % count);
    const start = 5;
    const n = t - start;
    const w = cachedWindows(() => ({ data, stride, count }), rows, start, n, chunks);
    for (let r = 0; r < rows; r++) {
      const buckets = Array.from(data.subarray(r * stride, r * stride + t));
      for (let i = 0; i < n; i++) {
        const p = start + i;
        const out = (r * n + i) * w.width;
        const positions = Array.from(w.positions.subarray(out, out + w.width));
        const bias = Array.from(w.bias.subarray(out, out + w.width));
        const expected = windowByBruteForce(buckets, p, chunks);
        const real = positions.filter((_, k) => bias[k] !== MASKED_BIAS);
        expect(real).toEqual(expected);
        expect(bias.filter((b) => b === SELF_BIAS)).toHaveLength(1);
        positions.forEach((j, k) => {
          if (bias[k] === MASKED_BIAS)
            expect(j).toBe(p); // padding points at the query itself (a valid row)
          else expect(bias[k]).toBe(j === p ? SELF_BIAS : 0);
        });
      }
    }
  });

  test('uses the table of each query position (bucket counts that change with the length)', () => {
    // Query 2 reads a table where all share a bucket; query 3 one where position 3 is alone in its bucket.
    const same: BucketTable = { data: Int32Array.from([0, 0, 0, 0]), stride: 4, count: 2 };
    const split: BucketTable = { data: Int32Array.from([0, 0, 0, 1]), stride: 4, count: 2 };
    const w = cachedWindows((p) => (p === 2 ? same : split), 1, 2, 2, { chunkLen: 1, nChunksBefore: 1, nChunksAfter: 0 });
    // Query 2: slots 0, 1, 2 -> its window slots 1..2: keys 1, 2. Query 3: slots 0..3, own slot 3 -> keys 2, 3.
    expect(Array.from(w.positions)).toEqual([1, 2, 2, 3]);
    expect(Array.from(w.bias)).toEqual([0, SELF_BIAS, 0, SELF_BIAS]);
  });
});

describe('HostBuckets', () => {
  const rowsOf = (h: HostBuckets): number[][] =>
    Array.from({ length: h.rows }, (_, r) => Array.from(h.data.subarray(r * h.stride, r * h.stride + h.length)));

  test('appends positions per row, in place for the newest version and by copy otherwise', () => {
    const a = HostBuckets.of(Int32Array.from([1, 2, 3, 4]), 2, 2, 3, 8, 'k');
    expect(rowsOf(a)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const b = a.appended(Int32Array.from([5, 6]), 1);
    expect(b.data).toBe(a.data); // shared storage
    expect(rowsOf(b)).toEqual([
      [1, 2, 5],
      [3, 4, 6],
    ]);
    // a again (as a state decoded twice): a copy, leaving b as it was.
    const c = a.appended(Int32Array.from([7, 8]), 1);
    expect(c.data).not.toBe(a.data);
    expect(rowsOf(c)).toEqual([
      [1, 2, 7],
      [3, 4, 8],
    ]);
    expect(rowsOf(b)).toEqual([
      [1, 2, 5],
      [3, 4, 6],
    ]);
    expect(rowsOf(a)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    // Past the capacity: grows.
    const d = b.appended(Int32Array.from([9, 10, 11, 12]), 2);
    expect(rowsOf(d)).toEqual([
      [1, 2, 5, 9, 10],
      [3, 4, 6, 11, 12],
    ]);
    expect([d.count, d.tag, d.length]).toEqual([8, 'k', 5]);
  });
});
