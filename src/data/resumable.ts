import type { Stream } from './stream.js';

/**
 * Where a resumable stream's items come from: best a function that builds the stream from its start (a
 * pipeline made with `data.Serial`, called with no input); a plain async iterable is accepted too, but can only
 * be resumed while nothing has been read from it.
 * @public
 */
export type DataSource<T> = (() => Stream<T>) | Stream<T>;

/** Options of {@link ResumableStream}. @public */
export interface ResumableStreamOptions {
  /** Start the source over when it ends (for finite evaluation sets); the position keeps counting. */
  repeat?: boolean;
  /** Names the stream in errors (`TrainTask 0`). */
  name?: string;
}

function isIterable<T>(source: DataSource<T>): source is Stream<T> {
  return typeof (source as Stream<T>)[Symbol.asyncIterator] === 'function';
}

/**
 * A stream that knows how many items it has handed out, so that its position can be saved in a checkpoint and
 * restored later.
 *
 * How resuming works: every stage of a trax-ts pipeline is deterministic given its keys (sources, `Shuffle`,
 * `BucketByLength`, ... hold no hidden randomness), so the n-th item of a freshly built pipeline is always the
 * same. `restore(n)` therefore rebuilds the pipeline from its source and skips `n` items, which puts every
 * buffer (the shuffle queue, half-filled buckets) exactly where it was. Skipping replays the data processing but
 * not the model, so it is cheap next to training; a source that can seek (such as `Generate`) makes it cheaper.
 * @public
 */
export class ResumableStream<T> {
  private readonly factory: (() => Stream<T>) | undefined;
  private readonly iterable: Stream<T> | undefined;
  private iterator: AsyncIterator<T> | undefined;
  private readonly buffered: T[] = [];
  private _position = 0;
  private pulledFromIterable = 0;
  private readonly repeat: boolean;
  private readonly name: string;

  constructor(source: DataSource<T>, options: ResumableStreamOptions = {}) {
    if (isIterable(source)) this.iterable = source;
    else if (typeof source === 'function') this.factory = source;
    else throw new TypeError(`${options.name ?? 'ResumableStream'}: the data must be an async iterable or a function that makes one`);
    this.repeat = options.repeat ?? false;
    this.name = options.name ?? 'data stream';
  }

  /** How many items `next()` has handed out since the start of the stream. */
  get position(): number {
    return this._position;
  }

  /** The next item, without consuming it. */
  async peek(): Promise<T> {
    if (this.buffered.length === 0) this.buffered.push(await this.pull());
    return this.buffered[0]!;
  }

  /** The next item. Throws when the stream has ended (and does not repeat). */
  async next(): Promise<T> {
    const item = this.buffered.length > 0 ? this.buffered.shift()! : await this.pull();
    this._position++;
    return item;
  }

  /**
   * Rewinds to the start and skips `position` items, so that the next item is the one that followed them when
   * the position was saved.
   */
  async restore(position: number): Promise<void> {
    if (!Number.isInteger(position) || position < 0) throw new RangeError(`${this.name}: cannot restore to position ${position}`);
    this.buffered.length = 0;
    if (this.factory) {
      await this.iterator?.return?.();
      this.iterator = undefined;
    } else if (this.pulledFromIterable > 0) {
      throw new Error(
        `${this.name}: cannot restore position ${position} of a plain async iterable that has already been read; ` +
          'pass a function that builds the stream (such as a data.Serial pipeline) instead',
      );
    }
    this._position = 0;
    for (let i = 0; i < position; i++) await this.pull();
    this._position = position;
  }

  private async pull(): Promise<T> {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!this.iterator) this.iterator = this.start();
      const result = await this.iterator.next();
      if (!result.done) {
        if (this.iterable) this.pulledFromIterable++;
        return result.value;
      }
      this.iterator = undefined;
      if (!this.repeat || !this.factory) break;
    }
    throw new Error(`${this.name}: the data ran out after ${this._position} items`);
  }

  private start(): AsyncIterator<T> {
    if (this.factory) return this.factory()[Symbol.asyncIterator]();
    if (this.pulledFromIterable > 0 && this.repeat) throw new Error(`${this.name}: a plain async iterable cannot repeat`);
    return this.iterable![Symbol.asyncIterator]();
  }
}
