import type { BucketTable } from './lsh_windows.js';

/** The storage that successive {@link HostBuckets} share; `filled` is how many positions per row are written. */
interface Store {
  readonly data: Int32Array;
  filled: number;
}

/**
 * The buckets of an LSH layer's cached positions under one bucket count, kept on the host in mode `predict` so
 * that a decoding step hashes only its new positions and reads no bucket back from the device.
 *
 * Rows (one per example, head and hashing round) have room for `capacity` positions; {@link appended} gives a new
 * value sharing the storage when this one is its newest version (the usual decoding step) and copies otherwise
 * (a state decoded twice, as a beam search or a test does), so every value stays what it was.
 */
export class HostBuckets implements BucketTable {
  private constructor(
    private readonly store: Store,
    /** The number of rows. */
    readonly rows: number,
    /** The positions cached per row. */
    readonly length: number,
    /** The number of buckets. */
    readonly count: number,
    /** A tag of what the buckets were hashed with (the hash key), to tell whether they still apply. */
    readonly tag: string,
  ) {}

  /** Buckets `[rows, length]` (row-major, as a hashed `[B, H, nHashes, length]` tensor reads) with room for `capacity` per row. */
  static of(buckets: Int32Array, rows: number, length: number, capacity: number, count: number, tag: string): HostBuckets {
    const data = new Int32Array(rows * Math.max(capacity, length));
    const stride = data.length / rows;
    for (let r = 0; r < rows; r++) data.set(buckets.subarray(r * length, (r + 1) * length), r * stride);
    return new HostBuckets({ data, filled: length }, rows, length, count, tag);
  }

  /** The table's buckets: row `r`'s position `j` at `data[r * stride + j]`. */
  get data(): Int32Array {
    return this.store.data;
  }

  /** The distance between rows in {@link data}. */
  get stride(): number {
    return this.store.data.length / this.rows;
  }

  /** These buckets followed by `fresh` (`[rows, n]`, row-major): `n` more positions per row. */
  appended(fresh: Int32Array, n: number): HostBuckets {
    const t = this.length + n;
    if (this.store.filled !== this.length || t > this.stride) {
      const copy = HostBuckets.of(this.compact(), this.rows, this.length, Math.max(this.stride, t), this.count, this.tag);
      return copy.appended(fresh, n);
    }
    const stride = this.stride;
    for (let r = 0; r < this.rows; r++) this.store.data.set(fresh.subarray(r * n, (r + 1) * n), r * stride + this.length);
    this.store.filled = t;
    return new HostBuckets(this.store, this.rows, t, this.count, this.tag);
  }

  /** The buckets as `[rows, length]`, row-major. */
  private compact(): Int32Array {
    const out = new Int32Array(this.rows * this.length);
    for (let r = 0; r < this.rows; r++) out.set(this.store.data.subarray(r * this.stride, r * this.stride + this.length), r * this.length);
    return out;
  }
}
