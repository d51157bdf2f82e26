import {
  AddLossWeights,
  Batch,
  BucketByLength,
  FilterByLength,
  FromArray,
  Generate,
  PadToLength,
  PadToMultiple,
  ResumableStream,
  Serial,
  Shuffle,
  Take,
  batchToTensors,
  ndarray,
  padTo,
  stackPadded,
  toNested,
  type Example,
  type NDArray,
} from '../../src/data/index.js';
import { tf } from '../../src/backend/tf.js';
import { useBackend } from '../../src/backend/backends.js';
import { foldIn, makeKey, randomBits } from '../../src/rng/key.js';

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

const seq = (n: number, start = 1): number[] => Array.from({ length: n }, (_, i) => start + i);
const pair = (n: number): Example => [ndarray(seq(n)), ndarray(seq(n, 10))];
const nested = (batch: readonly NDArray[]) => batch.map(toNested);

describe('ndarray helpers', () => {
  beforeAll(() => useBackend('cpu'));

  test('ndarray, padTo, stackPadded', () => {
    const a = ndarray([[1, 2], [3, 4]]);
    expect(a.shape).toEqual([2, 2]);
    expect(toNested(padTo(a, [3, 3], 9))).toEqual([[1, 2, 9], [3, 4, 9], [9, 9, 9]]);
    expect(toNested(stackPadded([ndarray([1]), ndarray([2, 3, 4])]))).toEqual([[1, 0, 0], [2, 3, 4]]);
    expect(() => stackPadded([ndarray([1]), ndarray([1.5], 'float32')])).toThrow(/cannot stack int32\[1\] with float32\[1\]/);
    expect(() => ndarray([[1, 2], [3]])).toThrow(/not rectangular/);
  });

  test('batchToTensors keeps shapes and dtypes', () => {
    const [x, w] = batchToTensors([ndarray([[1, 2]]), ndarray([[0.5, 1]], 'float32')]);
    expect([x!.shape, x!.dtype, w!.dtype]).toEqual([[1, 2], 'int32', 'float32']);
    expect(Array.from(w!.dataSync())).toEqual([0.5, 1]);
    tf.dispose([x!, w!]);
  });
});

describe('data pipeline stages', () => {
  test('Serial composes stages and rebuilds the stream on each call', async () => {
    const pipeline = Serial(FromArray([1, 2, 3, 4, 5]), [Take(3)]);
    expect(await collect(pipeline())).toEqual([1, 2, 3]);
    expect(await collect(pipeline())).toEqual([1, 2, 3]);
    expect(await collect(Serial(FromArray([1, 2], { repeat: true }), Take(5))())).toEqual([1, 2, 1, 2, 1]);
    expect(() => Serial(Take(1))()).toThrow(/needs an input stream/);
  });

  test('Shuffle is a seeded permutation: same key same order, another key another order', async () => {
    const items = seq(50);
    const run = (seed: number, queue: number) => collect(Shuffle<number>(queue, makeKey(seed))(FromArray(items)()));
    const a = await run(1, 8);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(items);
    expect(await run(1, 8)).toEqual(a);
    expect(await run(2, 8)).not.toEqual(a);
    // a queue of 1 does not shuffle
    expect(await run(1, 1)).toEqual(items);
    // fewer items than the queue: all drained, shuffled
    const short = await collect(Shuffle<number>(100, makeKey(3))(FromArray(seq(10))()));
    expect([...short].sort((x, y) => x - y)).toEqual(seq(10));
  });

  test('Shuffle follows the streaming-queue algorithm (hand-traced)', async () => {
    // queue size 2 over [1, 2, 3]: the queue is [1, 2]; item 3 replaces the queue slot drawn first.
    const key = makeKey(7);
    const out = await collect(Shuffle<number>(2, key)(FromArray([1, 2, 3])()));
    expect(out).toHaveLength(3);
    expect([...out].sort()).toEqual([1, 2, 3]);
    // the first item out is queue[i] for the first draw i: not 3, which entered the queue only then
    expect(out[0]).not.toBe(3);
  });

  test('FilterByLength keeps lengths in [minLength, maxLength] of inputs and targets', async () => {
    const examples = [pair(1), pair(3), pair(5), [ndarray(seq(2)), ndarray(seq(7))]];
    const kept = await collect(FilterByLength(5, { minLength: 2 })(FromArray(examples)()));
    expect(kept.map((e) => [e[0]!.shape[0], e[1]!.shape[0]])).toEqual([[3, 3], [5, 5]]);
    const byInputs = await collect(FilterByLength(5, { lengthKeys: [0] })(FromArray(examples)()));
    expect(byInputs).toHaveLength(4);
  });

  test('Batch pads to the batch max and stacks; the remainder is dropped unless kept', async () => {
    const examples = [pair(2), pair(3), pair(1)];
    const batches = await collect(Batch(2)(FromArray(examples)()));
    expect(batches).toHaveLength(1);
    expect(nested(batches[0]!)).toEqual([
      [[1, 2, 0], [1, 2, 3]],
      [[10, 11, 0], [10, 11, 12]],
    ]);
    const withRest = await collect(Batch(2, { keepRemainder: true })(FromArray(examples)()));
    expect(withRest.map((b) => b[0]!.shape)).toEqual([[2, 3], [1, 1]]);
  });

  test('BucketByLength groups by boundary and pads to the boundary or the batch max', async () => {
    const examples = [pair(2), pair(7), pair(3), pair(12), pair(6), pair(1), pair(20)];
    const toBoundary = await collect(BucketByLength([4, 8], [2, 2, 1])(FromArray(examples)()));
    // bucket 0 (<= 4): lengths 2, 3 -> padded to 4; bucket 2 (> 8): batch size 1, lengths 12 then 20;
    // bucket 1 (<= 8): 7, 6 -> padded to 8; the last lone example of length 1 stays in bucket 0 and is dropped.
    expect(toBoundary.map((b) => b[0]!.shape)).toEqual([[2, 4], [1, 12], [2, 8], [1, 20]]);
    expect(nested(toBoundary[0]!)[0]).toEqual([[1, 2, 0, 0], [1, 2, 3, 0]]);
    const toMax = await collect(BucketByLength([4, 8], [2, 2, 1], { padTo: 'max' })(FromArray(examples)()));
    expect(toMax.map((b) => b[0]!.shape)).toEqual([[2, 3], [1, 12], [2, 7], [1, 20]]);
    const kept = await collect(BucketByLength([4, 8], [2, 2, 1], { keepRemainder: true })(FromArray(examples)()));
    expect(kept.map((b) => b[0]!.shape)).toEqual([[2, 4], [1, 12], [2, 8], [1, 20], [1, 4]]);
    expect(() => BucketByLength([4, 8], [2, 2])).toThrow(/2 boundaries need 3 batch sizes/);
  });

  test('PadToLength and PadToMultiple pad chosen arrays of each example', async () => {
    const [padded] = await collect(PadToLength({ 0: 5 }, { padValue: { 0: -1 } })(FromArray([pair(3)])()));
    expect(nested(padded!)).toEqual([[1, 2, 3, -1, -1], [10, 11, 12]]);
    const [multiple] = await collect(PadToMultiple({ 0: 4, 1: 4 })(FromArray([pair(5)])()));
    expect(multiple!.map((a) => a.shape[0])).toEqual([8, 8]);
    const [exact] = await collect(PadToMultiple({ 0: 4 })(FromArray([pair(4)])()));
    expect(exact![0]!.shape).toEqual([4]);
    const [longer] = await collect(PadToLength({ 0: 2 })(FromArray([pair(3)])()));
    expect(longer![0]!.shape).toEqual([3]);
  });

  test('AddLossWeights masks the padding id and keeps given weights', async () => {
    const batch = [ndarray([[5, 6, 0]]), ndarray([[1, 2, 0]])];
    const [[, , w]] = (await collect(AddLossWeights()(FromArray([batch])()))) as [NDArray[]];
    expect([w!.dtype, toNested(w!)]).toEqual(['float32', [[1, 1, 0]]]);
    const withWeights = [batch[0]!, batch[1]!, ndarray([[0.5, 0, 2]], 'float32')];
    const [[, , w2]] = (await collect(AddLossWeights(0)(FromArray([withWeights])()))) as [NDArray[]];
    expect(toNested(w2!)).toEqual([[0.5, 0, 0]]);
    const [[, , w3]] = (await collect(AddLossWeights(null)(FromArray([batch])()))) as [NDArray[]];
    expect(toNested(w3!)).toEqual([[1, 1, 1]]);
  });

  test('a full pipeline is deterministic', async () => {
    const key = makeKey(11);
    const pipeline = Serial(
      Generate((i) => pair(1 + (randomBits(foldIn(key, i), 1)[0]! % 9))),
      Shuffle(16, makeKey(5)),
      FilterByLength(8),
      BucketByLength([4], [4, 2]),
      AddLossWeights(0),
      Take(6),
    );
    const a = (await collect(pipeline())).map(nested);
    const b = (await collect(pipeline())).map(nested);
    expect(a).toEqual(b);
    expect(a).toHaveLength(6);
  });
});

describe('ResumableStream', () => {
  const pipeline = Serial(Generate((i) => pair(1 + (i % 5))), Shuffle(8, makeKey(3)), Batch(2));

  test('restoring a position gives the same following items as reading straight on', async () => {
    const straight = new ResumableStream(pipeline);
    const all: unknown[] = [];
    for (let i = 0; i < 10; i++) all.push(nested(await straight.next()));
    expect(straight.position).toBe(10);

    const resumed = new ResumableStream(pipeline);
    await resumed.restore(6);
    expect(resumed.position).toBe(6);
    for (let i = 6; i < 10; i++) expect(nested(await resumed.next())).toEqual(all[i]);
  });

  test('peek does not consume', async () => {
    const s = new ResumableStream(pipeline);
    const first = nested(await s.peek());
    expect(s.position).toBe(0);
    expect(nested(await s.next())).toEqual(first);
    expect(s.position).toBe(1);
  });

  test('finite data: ends with an error naming the stream, or repeats', async () => {
    const finite = Serial(FromArray([1, 2, 3]));
    const s = new ResumableStream(finite, { name: 'TrainTask 0' });
    for (let i = 0; i < 3; i++) await s.next();
    await expect(s.next()).rejects.toThrow(/TrainTask 0: the data ran out after 3 items/);
    const r = new ResumableStream(finite, { repeat: true });
    const got = [];
    for (let i = 0; i < 7; i++) got.push(await r.next());
    expect(got).toEqual([1, 2, 3, 1, 2, 3, 1]);
    const r2 = new ResumableStream(finite, { repeat: true });
    await r2.restore(4);
    expect(await r2.next()).toBe(2);
  });

  test('a plain iterable resumes only while unread', async () => {
    const fresh = new ResumableStream(FromArray([1, 2, 3, 4])());
    await fresh.restore(2);
    expect(await fresh.next()).toBe(3);
    await expect(fresh.restore(1)).rejects.toThrow(/plain async iterable that has already been read/);
  });
});
