/** The context model's target-flag feature: one more column, and a learned embedding of it added to every token. */
import { tf } from '../../../src/backend/tf.js';
import type { Tensor } from '../../../src/core/types.js';
import { namedTensors } from '../../../src/core/named_tensors.js';
import { makeKey } from '../../../src/rng/key.js';
import { resolveNerModelConfig } from '../../../src/ner/model/config.js';
import { featureLayout } from '../../../src/ner/model/features.js';
import { TokenEmbedding } from '../../../src/ner/model/token_embedding.js';
import { expectGradientsMatchFiniteDifferences } from '../../helpers/gradcheck.js';

const SIZES = { wordVocabSize: 7, charVocabSize: 5, nTags: 3 };
const CONFIG = resolveNerModelConfig({ dModel: 8, nHeads: 2, charFeatures: false, wordShapes: true, maxLen: 16, contextTokens: 6 });

describe('TokenEmbedding with contextTokens', () => {
  const layout = featureLayout(CONFIG);
  // Rows: word id, shape id, target flag. Two rows alike but for the flag (positions 0 and 1), one padding row.
  const features = tf.tensor3d(
    [
      [
        [3, 1, 0],
        [3, 1, 1],
        [4, 2, 1],
        [0, 0, 0],
      ],
    ],
    undefined,
    'int32',
  );
  const layer = TokenEmbedding(CONFIG, SIZES);
  layer.init({ shape: features.shape, dtype: 'int32' }, { seed: 4 });

  test('the target flag is the last column; outputs x [B, L, dModel] and ids [B, L]', () => {
    expect(layout).toEqual({ width: 3, shapeColumn: 1, charColumn: -1, targetColumn: 2 });
    const [x, ids] = layer.pureFn(features, layer.weights, layer.state, makeKey(0))[0] as unknown as [Tensor, Tensor];
    expect(x.shape).toEqual([1, 4, 8]);
    expect(Array.from(ids.dataSync())).toEqual([3, 3, 4, 0]);
  });

  test('adds the flag embedding row: target minus context equals row 1 minus row 0 (hand-computed)', () => {
    const flags = [...namedTensors(layer)].filter(([p]) => /Embedding_2_8\/w$/.test(p));
    expect(flags).toHaveLength(1);
    const table = flags[0]![1].arraySync() as number[][];
    const [x] = layer.pureFn(features, layer.weights, layer.state, makeKey(0))[0] as unknown as [Tensor];
    const rows = x.arraySync() as number[][][];
    for (let d = 0; d < 8; d++) expect(rows[0]![1]![d]! - rows[0]![0]![d]!).toBeCloseTo(table[1]![d]! - table[0]![d]!, 5);
  });

  test('the flag embedding gradient matches finite differences', () => {
    const [path, table] = [...namedTensors(layer)].find(([p]) => /Embedding_2_8\/w$/.test(p))!;
    expect(path).toMatch(/TokenEmbedding/);
    const probe = tf.randomNormal([1, 4, 8], 0, 1, 'float32', 9);
    const f = (w: Tensor): Tensor => {
      const weights = namedReplace(layer.weights, table, w);
      const [x] = layer.pureFn(features, weights, layer.state, makeKey(0))[0] as unknown as [Tensor];
      return tf.sum(tf.mul(x, probe));
    };
    expectGradientsMatchFiniteDifferences(f, [table]);
  });
});

/** `tree` with the leaf `from` replaced by `to`. */
function namedReplace<T>(tree: T, from: Tensor, to: Tensor): T {
  if (tree === from) return to as unknown as T;
  if (Array.isArray(tree)) return tree.map((t: unknown) => namedReplace(t, from, to)) as unknown as T;
  if (tree !== null && typeof tree === 'object' && !(tree instanceof tf.Tensor)) {
    return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, namedReplace(v, from, to)])) as T;
  }
  return tree;
}
