import { splitCorpus } from '../../src/ner/index.js';

describe('splitCorpus', () => {
  const items = Array.from({ length: 1000 }, (_, i) => i);

  it('splits 80/10/10 by default, every item exactly once, each part in corpus order', () => {
    const { train, dev, test } = splitCorpus(items, { seed: 7 });
    expect([train.length, dev.length, test.length]).toEqual([800, 100, 100]);
    expect([...train, ...dev, ...test].sort((a, b) => a - b)).toEqual(items);
    for (const part of [train, dev, test]) expect(part).toEqual([...part].sort((a, b) => a - b));
  });

  it('is deterministic in the seed', () => {
    expect(splitCorpus(items, { seed: 7 })).toEqual(splitCorpus(items, { seed: 7 }));
    expect(splitCorpus(items, { seed: 7 }).test).not.toEqual(splitCorpus(items, { seed: 8 }).test);
  });

  it('pins the split of a given seed (changing it silently would change every reported score)', () => {
    expect(splitCorpus(items, { seed: 2024 }).test.slice(0, 5)).toEqual([26, 30, 48, 51, 53]);
  });

  it('rounds the cuts and honours other fractions', () => {
    const { train, dev, test } = splitCorpus(
      Array.from({ length: 7 }, (_, i) => i),
      { seed: 1, fractions: [0.5, 0.25, 0.25] },
    );
    expect([train.length, dev.length, test.length]).toEqual([4, 1, 2]);
    expect(splitCorpus([], { seed: 1 })).toEqual({ train: [], dev: [], test: [] });
  });

  it('refuses fractions that do not sum to 1 and bad seeds', () => {
    expect(() => splitCorpus(items, { seed: 1, fractions: [0.8, 0.1, 0.2] })).toThrow('fractions must sum to 1');
    expect(() => splitCorpus(items, { seed: 1, fractions: [1.2, -0.1, -0.1] })).toThrow('non-negative');
    expect(() => splitCorpus(items, { seed: -1 })).toThrow('seed');
  });
});
