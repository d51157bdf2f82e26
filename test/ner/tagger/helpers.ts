/** Shared helpers of the tagger and export tests: taggers whose scores are set by hand, or randomly initialised. */
import { tf } from '../../../src/backend/tf.js';
import type { CrfParameters } from '../../../src/layers/crf.js';
import { Fn } from '../../../src/core/fn.js';
import { buildNerVocabs, type NerVocabs } from '../../../src/ner/dataset/vocabs.js';
import { NerTaggerModel } from '../../../src/ner/model/build.js';
import { type NerModelConfig, resolveNerModelConfig } from '../../../src/ner/model/config.js';
import { featureLayout } from '../../../src/ner/model/features.js';
import type { Sentence } from '../../../src/ner/sentence.js';
import type { NerTaggerParts } from '../../../src/ner/tagger/ner_tagger.js';
import { CharVocab } from '../../../src/ner/vocab/char_vocab.js';
import { TagVocab } from '../../../src/ner/vocab/tag_vocab.js';
import { WordVocab } from '../../../src/ner/vocab/word_vocab.js';
import { TINY } from '../recipe/helpers.js';

/** Vocabularies of exactly these words (ids in this order after PAD and UNK) and tags (ids in this order). */
export function handVocabs(words: readonly string[], tags: readonly string[]): NerVocabs {
  // Word ids follow frequency: the first word is seen most often.
  const sentences = words.map((_, i) => ({ words: words.slice(0, i + 1) }));
  return { words: WordVocab.build(sentences), chars: CharVocab.build(sentences), tags: TagVocab.fromTags(tags) };
}

/**
 * A tagger member whose model gives, for each word, the score row `scores[word]` (zeros for other words and
 * padding): a weightless `Fn` looking the word id up in a table, so each test sets its members' scores by hand.
 */
export function handMember(
  vocabs: NerVocabs,
  scores: Record<string, readonly number[]>,
  options: { crf?: CrfParameters; maxLen?: number; decoding?: 'argmax' | 'constrained' } = {},
): NerTaggerParts {
  const nTags = vocabs.tags.size;
  const table = new Float32Array(vocabs.words.size * nTags);
  for (const [word, row] of Object.entries(scores)) table.set(row, vocabs.words.id(word) * nTags);
  const lookup = tf.keep(tf.tensor2d(table, [vocabs.words.size, nTags]));
  const model = Fn('HandScores', (x) => {
    const [b, l] = x.shape as number[];
    return tf.gather(lookup, x.slice([0, 0, 0], [b!, l!, 1]).reshape([b!, l!]));
  });
  const config = resolveNerModelConfig({
    ...TINY,
    charFeatures: false,
    wordShapes: false,
    crf: options.crf !== undefined,
    maxLen: options.maxLen ?? 64,
  });
  model.init({ shape: [1, 1, featureLayout(config).width], dtype: 'int32' });
  return {
    model,
    config,
    vocabs,
    ...(options.crf ? { crf: options.crf } : {}),
    ...(options.decoding ? { decoding: options.decoding } : {}),
  };
}

/** CRF parameters, all 0 but for the scores given (`transitions` by `[from, to]` tag pairs). */
export function handCrf(
  tags: readonly string[],
  set: { transitions?: Array<[string, string, number]>; start?: Record<string, number>; end?: Record<string, number> } = {},
): CrfParameters {
  const n = tags.length;
  const transitions = new Float32Array(n * n);
  const start = new Float32Array(n);
  const end = new Float32Array(n);
  for (const [from, to, v] of set.transitions ?? []) transitions[tags.indexOf(from) * n + tags.indexOf(to)] = v;
  for (const [tag, v] of Object.entries(set.start ?? {})) start[tags.indexOf(tag)] = v;
  for (const [tag, v] of Object.entries(set.end ?? {})) end[tags.indexOf(tag)] = v;
  return { transitions, start, end };
}

/** Sentences of the tests' tiny corpus. */
export const CORPUS: Sentence[] = [
  { id: '1', words: ['Thousands', 'marched', 'in', 'London', '.'], tags: ['O', 'O', 'O', 'B-geo', 'O'] },
  {
    id: '2',
    words: ['George', 'W.', 'Bush', 'visited', 'Iraq', 'in', '2005', '.'],
    tags: ['B-per', 'I-per', 'I-per', 'O', 'B-geo', 'O', 'B-tim', 'O'],
  },
  { id: '3', words: ['NATO', 'met', 'in', 'Paris', '.'], tags: ['B-org', 'O', 'O', 'B-geo', 'O'] },
];

/** A deterministic pseudo-random number in [-1, 1) from a seed and an index. */
function noise(seed: number, i: number): number {
  const x = Math.sin(seed * 9973 + i * 7919) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/**
 * A randomly initialised member with the real tagger model (`seed` sets its weights and CRF scores);
 * `trainSentences` give its word and character vocabularies (tags come from the whole tiny corpus).
 */
export function randomMember(
  seed: number,
  config: Partial<NerModelConfig> = {},
  trainSentences: readonly Sentence[] = CORPUS,
): NerTaggerParts {
  const c = resolveNerModelConfig({ ...TINY, ...config });
  const vocabs = buildNerVocabs(trainSentences, CORPUS);
  const model = NerTaggerModel(c, { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags: vocabs.tags.size }, 'eval');
  model.init({ shape: [1, 1, featureLayout(c).width], dtype: 'int32' }, { seed });
  const n = vocabs.tags.size;
  const crf = c.crf
    ? {
        transitions: Float32Array.from({ length: n * n }, (_, i) => noise(seed, i)),
        start: Float32Array.from({ length: n }, (_, i) => noise(seed + 1, i)),
        end: Float32Array.from({ length: n }, (_, i) => noise(seed + 2, i)),
      }
    : undefined;
  return { model, config: c, vocabs, ...(crf ? { crf } : {}) };
}
