import { Serial, ShuffledEpochs, Take } from '../../src/data/index.js';
import { foldIn, makeKey, permutation } from '../../src/rng/key.js';

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

const ITEMS = ['a', 'b', 'c', 'd', 'e'];

describe('data.ShuffledEpochs', () => {
  test('epoch e is the permutation of foldIn(key, e), epoch after epoch', async () => {
    const key = makeKey(3);
    const got = await collect(Serial(ShuffledEpochs(ITEMS, key), Take(3 * ITEMS.length))());
    const want = [0, 1, 2].flatMap((epoch) => permutation(foldIn(key, epoch), ITEMS.length).map((i) => ITEMS[i]!));
    expect(got).toEqual(want);
    // Each epoch holds every item once.
    for (let e = 0; e < 3; e++) expect(got.slice(e * 5, e * 5 + 5).sort()).toEqual(ITEMS);
  });

  test('the same key gives the same order on every call; another key another order', async () => {
    const stage = Serial(ShuffledEpochs(ITEMS, makeKey(1)), Take(10));
    const first = await collect(stage());
    expect(await collect(stage())).toEqual(first);
    expect(await collect(Serial(ShuffledEpochs(ITEMS, makeKey(2)), Take(10))())).not.toEqual(first);
  });

  test('repeat: false gives one shuffled epoch; with ordered, the items in their own order', async () => {
    const key = makeKey(4);
    const once = await collect(ShuffledEpochs(ITEMS, key, { repeat: false })());
    expect(once).toEqual(permutation(foldIn(key, 0), ITEMS.length).map((i) => ITEMS[i]!));
    expect(await collect(ShuffledEpochs(ITEMS, key, { repeat: false, ordered: true })())).toEqual(ITEMS);
  });

  test('an empty array gives an empty stream, even repeating; a non-array is refused', async () => {
    expect(await collect(ShuffledEpochs([], makeKey(0))())).toEqual([]);
    expect(() => ShuffledEpochs('abc' as unknown as string[], makeKey(0))).toThrow(/data.ShuffledEpochs: items must be an array, got string/);
  });
});
