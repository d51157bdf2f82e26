/**
 * The evaluation as conlleval prints it, and as JSON with conlleval's figures.
 */

import type { EntityScore } from './entity_score.js';
import { printfFixed } from './printf_fixed.js';

/** conlleval's percentages for one line, computed in the script's order of operations. */
interface ConllevalFigures {
  readonly precision: number;
  readonly recall: number;
  readonly fb1: number;
}

function conllevalFigures(correct: number, predicted: number, gold: number): ConllevalFigures {
  const precision = predicted > 0 ? (100 * correct) / predicted : 0;
  const recall = gold > 0 ? (100 * correct) / gold : 0;
  const fb1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, fb1 };
}

/** Options of {@link formatConllevalTable}. @public */
export interface ConllevalTableOptions {
  /**
   * Decimals of the percentages (default 6, as in the eval fixture's reference output; the stock script
   * prints 2).
   */
  readonly decimals?: number;
}

/**
 * The report conlleval prints for this evaluation, line for line:
 * ```
 * processed N tokens with G phrases; found: P phrases; correct: C.
 * accuracy: A%; precision: P%; recall: R%; FB1: F
 *               geo: precision: P%; recall: R%; FB1: F  found
 * ```
 * The percentages are recomputed from the counts exactly as the Perl script does (`100*correct/found`, ...) and
 * printed like `printf("%6.Nf")`, so the text matches the script's byte for byte. Ends with a newline.
 * @public
 */
export function formatConllevalTable(result: EntityScore, options: ConllevalTableOptions = {}): string {
  const decimals = options.decimals ?? 6;
  const f = (value: number): string => printfFixed(value, decimals, 6);
  const { overall } = result;
  let text = `processed ${result.tokens} tokens with ${overall.gold} phrases; found: ${overall.predicted} phrases; correct: ${overall.correct}.\n`;
  if (result.tokens > 0) {
    const all = conllevalFigures(overall.correct, overall.predicted, overall.gold);
    const accuracy = (100 * result.correctTokens) / result.tokens;
    text += `accuracy: ${f(accuracy)}%; precision: ${f(all.precision)}%; recall: ${f(all.recall)}%; FB1: ${f(all.fb1)}\n`;
  }
  for (const type of result.typeOrder) {
    const score = result.byType[type]!;
    const figures = conllevalFigures(score.correct, score.predicted, score.gold);
    text += `${type.padStart(17)}: precision: ${f(figures.precision)}%; recall: ${f(figures.recall)}%; FB1: ${f(figures.fb1)}  ${score.predicted}\n`;
  }
  return text;
}

/** conlleval's figures for one type, in percent. @public */
export interface ConllevalTypeJson {
  /** `100 * correct / found` (0 when nothing was found). */
  readonly precision: number;
  /** `100 * correct / gold` (0 when there are no gold phrases). */
  readonly recall: number;
  /** The harmonic mean of precision and recall (0 when both are 0). */
  readonly fb1: number;
  /** Gold phrases of the type. */
  readonly gold: number;
  /** Predicted phrases of the type. */
  readonly found: number;
  /** Predicted phrases of the type with exactly a gold phrase's type and boundaries. */
  readonly correct: number;
}

/** conlleval's report as data; percentages unrounded. @public */
export interface ConllevalJson {
  /** The tokens scored (conlleval's `processed N tokens`). */
  readonly processedTokens: number;
  /** The gold phrases (conlleval's `with G phrases`). */
  readonly phrases: number;
  /** The predicted phrases (`found: P phrases`). */
  readonly found: number;
  /** The predicted phrases that match a gold phrase exactly (`correct: C`). */
  readonly correct: number;
  /** The percentage of tokens whose predicted tag is the gold tag. */
  readonly accuracy: number;
  /** `100 * correct / found`, over all types. */
  readonly precision: number;
  /** `100 * correct / phrases`, over all types. */
  readonly recall: number;
  /** The harmonic mean of precision and recall, over all types. */
  readonly fb1: number;
  /** The same figures for each type. */
  readonly types: Readonly<Record<string, ConllevalTypeJson>>;
  /** The keys of `types` in the order conlleval prints them (a JSON object lists integer-like keys first). */
  readonly typeOrder: readonly string[];
}

/**
 * The numbers of {@link formatConllevalTable} as a JSON-ready object (percentages, as conlleval reports them).
 * @public
 */
export function toConllevalJson(result: EntityScore): ConllevalJson {
  const { overall } = result;
  const types: Record<string, ConllevalTypeJson> = {};
  for (const type of result.typeOrder) {
    const score = result.byType[type]!;
    types[type] = {
      ...conllevalFigures(score.correct, score.predicted, score.gold),
      gold: score.gold,
      found: score.predicted,
      correct: score.correct,
    };
  }
  return {
    processedTokens: result.tokens,
    phrases: overall.gold,
    found: overall.predicted,
    correct: overall.correct,
    accuracy: result.tokens > 0 ? (100 * result.correctTokens) / result.tokens : 0,
    ...conllevalFigures(overall.correct, overall.predicted, overall.gold),
    types,
    typeOrder: result.typeOrder,
  };
}
