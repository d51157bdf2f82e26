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
 * (the word's first characters, PAD-filled); then, with `contextTokens` above 0, the target flag (1 on the
 * target sentence's tokens, 0 on its context).
 * @public
 */
export interface FeatureLayout {
  /** Columns per token. */
  readonly width: number;
  /** The column of the word-shape id, or -1. */
  readonly shapeColumn: number;
  /** The first column of the character ids, or -1. */
  readonly charColumn: number;
  /** The column of the "is a target token" flag (1 target, 0 context or padding) of a context model, or -1. */
  readonly targetColumn: number;
}

/** The settings of a model configuration that decide its feature rows (`contextTokens` absent: 0). @public */
export type FeatureConfig = Pick<NerModelConfig, 'wordShapes' | 'charFeatures' | 'maxWordLength'> &
  Partial<Pick<NerModelConfig, 'contextTokens'>>;

/** The feature layout of a model configuration. @public */
export function featureLayout(config: FeatureConfig): FeatureLayout {
  let width = 1;
  const shapeColumn = config.wordShapes ? width++ : -1;
  const charColumn = config.charFeatures ? width : -1;
  if (config.charFeatures) width += config.maxWordLength;
  const targetColumn = (config.contextTokens ?? 0) > 0 ? width++ : -1;
  return { width, shapeColumn, charColumn, targetColumn };
}

/**
 * The feature rows of a sentence's words, `[words.length, width]` row-major, written into `out` at `offset` when
 * given (so a batch can be filled in place). Unknown words get UNK, unknown characters the character UNK. A
 * context model's target flag is 1 on the words `[target[0], target[1])` (default: all of them), 0 elsewhere.
 * @public
 */
export function encodeFeatures(
  words: readonly string[],
  vocabs: Pick<NerVocabs, 'words' | 'chars'>,
  config: FeatureConfig,
  out?: Int32Array,
  offset = 0,
  target: readonly [number, number] = [0, words.length],
): Int32Array {
  const layout = featureLayout(config);
  const output = out ?? new Int32Array(words.length * layout.width);
  if (output.length < offset + words.length * layout.width) throw new RangeError('encodeFeatures: the output array is too short');
  words.forEach((word, i) => {
    const row = offset + i * layout.width;
    output[row] = vocabs.words.id(word);
    if (layout.shapeColumn >= 0) output[row + layout.shapeColumn] = wordShapeId(word);
    if (layout.charColumn >= 0) {
      let c = 0;
      for (const char of word) {
        if (c >= config.maxWordLength) break;
        output[row + layout.charColumn + c++] = vocabs.chars.id(char);
      }
      for (; c < config.maxWordLength; c++) output[row + layout.charColumn + c] = CharVocab.PAD_ID;
    }
    if (layout.targetColumn >= 0) output[row + layout.targetColumn] = i >= target[0] && i < target[1] ? 1 : 0;
  });
  return output;
}
