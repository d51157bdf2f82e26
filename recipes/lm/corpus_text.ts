/**
 * The recipe's text: the GMB corpus's sentences, detokenised (no space before punctuation, `Iran 's` -> `Iran's`)
 * and joined with single spaces into running text. The NER recipe's fixed split (seed 1, 80/10/10 by sentence)
 * decides which sentences are trained on: the train split is the training text, the dev split the held-out text
 * (the test split is left unused, for whoever wants a number nothing was tuned on).
 */
import { ner } from '../../src/index.js';

/** Training and held-out running text. */
export interface LmText {
  train: string;
  heldOut: string;
  /** Sentences in each. */
  sentences: { train: number; heldOut: number };
}

/** One running text from tokenised sentences. */
export function runningText(sentences: readonly { words: readonly string[] }[]): string {
  return sentences.map((s) => ner.detokenize(s.words)).join(' ');
}

/** Reads the corpus (at most `limit` sentences when `limit` > 0) and makes the two texts. */
export async function loadLmText(corpus: string, limit: number): Promise<LmText> {
  const { train, dev } = await ner.loadNerSplits(corpus, limit > 0 ? { limit } : {});
  if (train.length === 0 || dev.length === 0) {
    throw new RangeError(
      `${corpus}: ${train.length + dev.length} sentence(s) are too few for a training and a held-out text (give --limit 20 or more)`,
    );
  }
  return { train: runningText(train), heldOut: runningText(dev), sentences: { train: train.length, heldOut: dev.length } };
}
