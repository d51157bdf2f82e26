/**
 * Text from a prompt with the predict-mode model: the prompt is fed once (cached), then each new character costs
 * one position. The model was trained on windows of `seqLen` characters, so its positions stop there: when the
 * context fills, decoding restarts from the last half window (fed again as a prompt), so generation of any length
 * stays within the positions the model knows.
 */
import { foldIn, type Layer, makeKey, PredictRun, randomBits, sampleToken } from '../../src/index.js';
import type { CharVocab } from './char_vocab.js';

/** Options of {@link generateText}. */
export interface GenerateTextOptions {
  /** Characters to generate. */
  length: number;
  /** 0: the most probable character; otherwise softmax(logProbs / temperature). */
  temperature: number;
  /** Sample among the k most probable characters only. */
  topK?: number;
  seed: number;
}

/** The `length` characters the model writes after `prompt` (the prompt not included). */
export function generateText(model: Layer, vocab: CharVocab, seqLen: number, prompt: string, options: GenerateTextOptions): string {
  const key = makeKey(options.seed);
  const context = [...vocab.encode(prompt)];
  const out: number[] = [];
  let run: PredictRun | undefined;
  let logProbs: Float32Array | undefined;
  let fed = 0;
  try {
    for (let i = 0; i < options.length; i++) {
      if (run === undefined || fed >= seqLen) {
        // The start id and as much context as fits: the whole prompt (up to a window) first, half a window later.
        const kept = context.slice(-(run === undefined ? seqLen - 1 : Math.floor(seqLen / 2)));
        run?.dispose();
        run = new PredictRun(model, 1, seqLen);
        logProbs = run.feed([[0, ...kept]])[0]!;
        fed = kept.length + 1;
      }
      const masked = Float32Array.from(logProbs!);
      masked[0] = -Infinity; // the start id is never a character
      const u = randomBits(foldIn(key, i), 1)[0]! / 2 ** 32;
      const id = sampleToken(masked, {
        temperature: options.temperature,
        u,
        ...(options.topK !== undefined ? { topK: options.topK } : {}),
      });
      out.push(id);
      context.push(id);
      if (i + 1 < options.length && fed < seqLen) {
        logProbs = run.feed([[id]])[0]!;
        fed += 1;
      }
    }
  } finally {
    run?.dispose();
  }
  return vocab.decode(out);
}
