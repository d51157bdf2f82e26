/**
 * The evaluation report of a tagger: conlleval's table, then relaxed matches, macro averages and token accuracy.
 */
import type { EntityScore } from '../eval/entity_score.js';
import { formatConllevalTable } from '../eval/format_conlleval.js';
import { EVALUATION_SCHEMES, type EvaluationScheme } from '../eval/evaluation_schemes.js';

/** The report's names of the SemEval-2013 schemes (entities paired one to one). */
const SCHEME_LABELS: Record<EvaluationScheme, string> = {
  strict: 'SemEval strict:',
  exact: 'SemEval exact (any type):',
  partial: 'SemEval partial (half credit):',
  type: 'SemEval type (overlap):',
};

const pct = (x: number): string => `${(100 * x).toFixed(2).padStart(6)}%`;

/**
 * The report as text: a title line, conlleval's table (exact match, `options.decimals` decimals: 2 by default, as
 * the stock script prints), then
 * the type-relaxed and boundary-relaxed matches (each direction counted on its own), the four SemEval-2013 schemes
 * over entities paired one to one (`evaluation_schemes.ts`), the macro average over types and the token accuracy over real
 * tokens (padding is never scored).
 * @public
 */
export function formatNerReport(score: EntityScore, title?: string, options: { readonly decimals?: number } = {}): string {
  const lines: string[] = [];
  if (title) lines.push(title);
  lines.push(formatConllevalTable(score, { decimals: options.decimals ?? 2 }).trimEnd());
  const line = (name: string, p: number, r: number, f: number): string =>
    `${name.padEnd(30)} precision: ${pct(p)}; recall: ${pct(r)}; F1: ${pct(f)}`;
  lines.push(line('relaxed (same type, overlap):', score.typeRelaxed.precision, score.typeRelaxed.recall, score.typeRelaxed.f1));
  lines.push(line('relaxed (any type, overlap):', score.boundaryRelaxed.precision, score.boundaryRelaxed.recall, score.boundaryRelaxed.f1));
  for (const scheme of EVALUATION_SCHEMES) {
    const x = score.schemes[scheme];
    lines.push(line(SCHEME_LABELS[scheme], x.precision, x.recall, x.f1));
  }
  lines.push(line('macro average over types:', score.macro.precision, score.macro.recall, score.macro.f1));
  lines.push(`${'token accuracy (real tokens):'.padEnd(30)} ${pct(score.tokenAccuracy)} of ${score.tokens} tokens`);
  lines.push(`${'entity F1 (exact, micro):'.padEnd(30)} ${score.overall.f1.toFixed(4)}`);
  return lines.join('\n') + '\n';
}
