import { MASKED_BIAS, SELF_BIAS } from './dot_product_attention.js';

/**
 * The keys an LSH decoding query attends to (mode `predict`), computed on the host.
 *
 * Query `p` of a hashing round sees the positions `0..p` sorted by (bucket, position), as the sequence `0..p` run in
 * `eval` mode sorts them; `p` is the last position of its bucket, so its sorted slot is its bucket's last, and it
 * attends to the positions whose slots fall in its chunk and the chunk's `nChunksBefore` / `nChunksAfter`
 * neighbours (at most `chunkLen · (nChunksBefore + 1 + nChunksAfter)` positions). A counting sort finds the slots.
 */

/** The buckets of cached positions for one bucket count: row `r`'s position `j` at `data[r * stride + j]`. */
export interface BucketTable {
  /** The buckets, rows of `stride` entries (only the first `t` of a row are read, `t` the positions cached). */
  readonly data: Int32Array;
  /** The distance between rows in `data`. */
  readonly stride: number;
  /** The number of buckets (values lie in `[0, count)`). */
  readonly count: number;
}

/** How the sorted sequence is chunked: the LSH layer's `chunkLen`, `nChunksBefore`, `nChunksAfter`. */
export interface ChunkWindow {
  /** The length of the sorted chunks. */
  readonly chunkLen: number;
  /** How many preceding chunks a chunk also attends to. */
  readonly nChunksBefore: number;
  /** How many following chunks a chunk also attends to. */
  readonly nChunksAfter: number;
}

/**
 * The windows of queries `start .. start + n - 1` in each of `rows` rows: `positions[(r * n + i) * width + w]` is
 * the `w`-th key position (ascending) in the window of query `start + i` in row `r`, and `bias` the same entry's
 * attention bias: 0, {@link SELF_BIAS} for the query itself, {@link MASKED_BIAS} for the padding that fills a
 * window with fewer than `width` keys (padded with the query's own position, a valid index).
 */
export interface CachedWindows {
  /** Key positions, int32 `[rows, n, width]`. */
  readonly positions: Int32Array;
  /** Their biases, float32 `[rows, n, width]`. */
  readonly bias: Float32Array;
  /** The most keys a window holds: `chunkLen · (nChunksBefore + 1 + nChunksAfter)`, at most `start + n`. */
  readonly width: number;
}

/**
 * The {@link CachedWindows} of queries `start .. start + n - 1`; `tableFor(p)` gives the buckets under the bucket
 * count that the sequence `0..p` uses (covering at least positions `0..p` of each of the `rows` rows).
 */
export function cachedWindows(
  tableFor: (p: number) => BucketTable,
  rows: number,
  start: number,
  n: number,
  chunks: ChunkWindow,
): CachedWindows {
  const { chunkLen: c, nChunksBefore, nChunksAfter } = chunks;
  const width = Math.min(c * (nChunksBefore + 1 + nChunksAfter), start + n);
  const positions = new Int32Array(rows * n * width);
  const bias = new Float32Array(rows * n * width).fill(MASKED_BIAS);
  for (let i = 0; i < n; i++) {
    const p = start + i;
    const { data, stride, count } = tableFor(p);
    const nextSlot = new Int32Array(count + 1);
    for (let r = 0; r < rows; r++) {
      const base = r * stride;
      firstSlots(data, base, p + 1, nextSlot);
      const chunk = Math.floor((nextSlot[data[base + p]! + 1]! - 1) / c); // p: its bucket's last slot
      const lo = (chunk - nChunksBefore) * c;
      const hi = (chunk + nChunksAfter + 1) * c;
      const out = (r * n + i) * width;
      let w = 0;
      for (let j = 0; j <= p; j++) {
        const slot = nextSlot[data[base + j]!]!++;
        if (slot < lo || slot >= hi) continue;
        positions[out + w] = j;
        bias[out + w] = j === p ? SELF_BIAS : 0;
        w++;
      }
      positions.fill(p, out + w, out + width);
    }
  }
  return { positions, bias, width };
}

/**
 * Counting sort's first pass: `nextSlot[b]` becomes the first sorted slot of bucket `b` among the `length`
 * positions `data[base ..]` (and `nextSlot[count]` the length).
 */
function firstSlots(data: Int32Array, base: number, length: number, nextSlot: Int32Array): void {
  nextSlot.fill(0);
  for (let j = 0; j < length; j++) nextSlot[data[base + j]! + 1]!++;
  for (let b = 1; b < nextSlot.length; b++) nextSlot[b]! += nextSlot[b - 1]!;
}
