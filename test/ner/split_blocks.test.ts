import { contiguousBlocks, splitCorpus, splitCorpusByBlocks } from '../../src/ner/index.js';

/** 1,000 items in 100 blocks of uneven sizes (1 to 19 items), each item `{ block, i }`. */
function blockedItems(): Array<{ block: string; i: number }> {
  const items: Array<{ block: string; i: number }> = [];
  for (let b = 0; b < 100; b++) for (let k = 0; k < 1 + ((b * 7) % 19); k++) items.push({ block: `d${b}`, i: items.length });
  return items;
}

describe('splitCorpusByBlocks', () => {
  const items = blockedItems();
  const blockOf = (item: { block: string }): string => item.block;
  const blocksOf = (part: Array<{ block: string }>): string[] => [...new Set(part.map(blockOf))];

  it('cuts items into maximal runs of one key', () => {
    expect(contiguousBlocks(['a', 'a', 'b', 'a', 'a'], (x) => x)).toEqual([['a', 'a'], ['b'], ['a', 'a']]);
    expect(contiguousBlocks([], (x: string) => x)).toEqual([]);
  });

  it('puts 80/10/10 of the blocks, each whole, in train, dev and test: disjoint, everything once, corpus order', () => {
    const { train, dev, test } = splitCorpusByBlocks(items, { seed: 1, blockOf });
    expect([blocksOf(train).length, blocksOf(dev).length, blocksOf(test).length]).toEqual([80, 10, 10]);
    expect([...train, ...dev, ...test].map((x) => x.i).sort((a, b) => a - b)).toEqual(items.map((x) => x.i));
    const trainBlocks = new Set(blocksOf(train));
    for (const b of [...blocksOf(dev), ...blocksOf(test)]) expect(trainBlocks.has(b)).toBe(false);
    expect(blocksOf(dev).filter((b) => blocksOf(test).includes(b))).toEqual([]);
    for (const part of [train, dev, test]) {
      expect(part.map((x) => x.i)).toEqual(part.map((x) => x.i).sort((a, b) => a - b));
      // Every block of a part is all of that block's items, consecutive in the corpus.
      for (const b of blocksOf(part)) {
        const inPart = part.filter((x) => x.block === b).map((x) => x.i);
        expect(inPart).toEqual(items.filter((x) => x.block === b).map((x) => x.i));
        expect(inPart[inPart.length - 1]! - inPart[0]!).toBe(inPart.length - 1);
      }
    }
  });

  it('is the sentence split of the blocks: deterministic in the seed, and another seed gives another split', () => {
    const a = splitCorpusByBlocks(items, { seed: 5, blockOf });
    expect(splitCorpusByBlocks(items, { seed: 5, blockOf })).toEqual(a);
    expect(blocksOf(splitCorpusByBlocks(items, { seed: 6, blockOf }).test)).not.toEqual(blocksOf(a.test));
    const byBlock = splitCorpus(contiguousBlocks(items, blockOf), { seed: 5 });
    expect(blocksOf(a.test)).toEqual(byBlock.test.map((block) => block[0]!.block));
  });

  it('honours other fractions and refuses bad ones', () => {
    const { train, dev, test } = splitCorpusByBlocks(items, { seed: 1, blockOf, fractions: [0.9, 0, 0.1] });
    expect([blocksOf(train).length, dev.length, blocksOf(test).length]).toEqual([90, 0, 10]);
    expect(() => splitCorpusByBlocks(items, { seed: 1, blockOf, fractions: [0.9, 0.2, 0.1] })).toThrow('fractions must sum to 1');
  });
});
