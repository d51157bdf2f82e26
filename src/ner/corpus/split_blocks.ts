/**
 * A deterministic, seeded train/dev/test split by contiguous blocks of sentences (documents), so that no test
 * sentence's neighbours were training sentences.
 */

import { type CorpusSplit, splitCorpus, type SplitCorpusOptions } from './split_corpus.js';

/** Options of {@link splitCorpusByBlocks}. @public */
export interface SplitByBlocksOptions<T> extends SplitCorpusOptions {
  /** The block an item belongs to (for sentences: their `document`); a block is a run of consecutive items with one key. */
  readonly blockOf: (item: T, index: number) => string;
}

/**
 * The maximal runs of consecutive items that share a block key, in corpus order.
 * @public
 */
export function contiguousBlocks<T>(items: readonly T[], blockOf: (item: T, index: number) => string): T[][] {
  const blocks: T[][] = [];
  let key: string | undefined;
  items.forEach((item, index) => {
    const k = blockOf(item, index);
    if (blocks.length === 0 || k !== key) blocks.push([]);
    key = k;
    blocks[blocks.length - 1]!.push(item);
  });
  return blocks;
}

/**
 * Splits `items` into train, dev and test by whole blocks: the items are cut into {@link contiguousBlocks} (for
 * sentences, their documents), the blocks are split exactly as `splitCorpus` splits items (`permutation(makeKey(seed),
 * nBlocks)`, cuts at `round(nBlocks * f0)` and `round(nBlocks * (f0 + f1))`: 80/10/10 of the blocks by default), and
 * each part is the concatenation of its blocks in corpus order. Every block lands whole in one part, so a
 * sentence's context (its document) is never in another part; the parts' sentence counts follow the block sizes.
 * @public
 */
export function splitCorpusByBlocks<T>(items: readonly T[], options: SplitByBlocksOptions<T>): CorpusSplit<T> {
  const { blockOf, ...split } = options;
  const parts = splitCorpus(contiguousBlocks(items, blockOf), split);
  return { train: parts.train.flat(), dev: parts.dev.flat(), test: parts.test.flat() };
}
