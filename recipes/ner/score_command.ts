/**
 * `trax-ner score FILE`: conlleval over a file of predictions (token, ..., gold, predicted per line), with the
 * SemEval-2013 schemes after the table (or everything as JSON).
 */
import { promises as fs } from 'node:fs';
import type { TagScheme } from '../../src/ner/tags/tag_scheme.js';
import type { EntityMode } from '../../src/ner/eval/extract_entities.js';
import { scoreConllevalText } from '../../src/ner/eval/conlleval_input.js';
import { formatConllevalTable, toConllevalJson } from '../../src/ner/eval/format_conlleval.js';
import { formatNerReport } from '../../src/ner/tagger/report.js';
import { decodeText } from '../../src/ner/corpus/text_encoding.js';

/** Options of `score`. */
export interface ScoreCommandOptions {
  delimiter?: string;
  scheme: TagScheme;
  mode: EntityMode;
  decimals: number;
  json?: boolean;
  /** The table only (conlleval's output), without the schemes and the summary lines. */
  conllevalOnly?: boolean;
}

/** The text `score` prints for `file`. */
export async function scoreCommand(file: string, options: ScoreCommandOptions): Promise<string> {
  const bytes = await fs.readFile(file);
  let text = '';
  // Decoded as the corpus readers decode (UTF-8, or cp1252 when the bytes are not UTF-8).
  for await (const chunk of decodeText((async function* () { yield new Uint8Array(bytes); })(), file)) text += chunk;
  const score = scoreConllevalText(text, { ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}), scheme: options.scheme, mode: options.mode, source: file });
  if (options.json) return JSON.stringify({ file, score, conlleval: toConllevalJson(score) }) + '\n';
  if (options.conllevalOnly) return formatConllevalTable(score, { decimals: options.decimals });
  return formatNerReport(score, undefined, { decimals: options.decimals });
}
