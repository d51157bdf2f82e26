/**
 * The model's input: one int32 row of features per token, laid out by the model configuration.
 */
import type { NerVocabs } from '../dataset/vocabs.js';
import { CharVocab } from '../vocab/char_vocab.js';
import { wordShapeId } from '../vocab/word_shape.js';
import type { NerModelConfig } from './config.js';

/**
 * Where each feature sits in a token's row: column 0 is the word id (0 is padding, so a padded position is a row
 * of zeros); then, with `wordShapes`, the shape id; then, with `charFeatures`, `maxWordLength` character ids
 * (the word's first characters, PAD-filled).
 * @public
 */
export interface FeatureLayout {
  /** Columns per token. */
  readonly width: number;
  /** The column of the word-shape id, or -1. */
  readonly shapeColumn: number;
  /** The first column of the character ids, or -1. */
  readonly charColumn: number;
}

/** The feature layout of a model configuration. @public */
export function featureLayout(config: Pick<NerModelConfig, 'wordShapes' | 'charFeatures' | 'maxWordLength'>): FeatureLayout {
  let width = 1;
  const shapeColumn = config.wordShapes ? width++ : -1;
  const charColumn = config.charFeatures ? width : -1;
  if (config.charFeatures) width += config.maxWordLength;
  return { width, shapeColumn, charColumn };
}

/**
 * The feature rows of a sentence's words, `[words.length, width]` row-major, written into `out` at `offset` when
 * given (so a batch can be filled in place). Unknown words get UNK, unknown characters the character UNK.
 * @public
 */
export function encodeFeatures(
  words: readonly string[],
  vocabs: Pick<NerVocabs, 'words' | 'chars'>,
  config: Pick<NerModelConfig, 'wordShapes' | 'charFeatures' | 'maxWordLength'>,
  out?: Int32Array,
  offset = 0,
): Int32Array {
  const layout = featureLayout(config);
  const target = out ?? new Int32Array(words.length * layout.width);
  if (target.length < offset + words.length * layout.width) throw new RangeError('encodeFeatures: the output array is too short');
  words.forEach((word, i) => {
    const row = offset + i * layout.width;
    target[row] = vocabs.words.id(word);
    if (layout.shapeColumn >= 0) target[row + layout.shapeColumn] = wordShapeId(word);
    if (layout.charColumn >= 0) {
      let c = 0;
      for (const char of word) {
        if (c >= config.maxWordLength) break;
        target[row + layout.charColumn + c++] = vocabs.chars.id(char);
      }
      for (; c < config.maxWordLength; c++) target[row + layout.charColumn + c] = CharVocab.PAD_ID;
    }
  });
  return target;
}
