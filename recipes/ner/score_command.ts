/**
 * `trax-ner score FILE`: conlleval over a file of predictions (token, ..., gold, predicted per line), with the
 * SemEval-2013 schemes after the table (or everything as JSON).
 */
import { promises as fs } from 'node:fs';
import { ner } from '../../src/index.js';

/** Options of `score`. */
export interface ScoreCommandOptions {
  delimiter?: string;
  scheme: ner.TagScheme;
  mode: ner.EntityMode;
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
  for await (const chunk of ner.decodeText(
    (async function* () {
      yield new Uint8Array(bytes);
    })(),
    file,
  ))
    text += chunk;
  const score = ner.scoreConllevalText(text, {
    ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
    scheme: options.scheme,
    mode: options.mode,
    source: file,
  });
  if (options.json) return JSON.stringify({ file, score, conlleval: ner.toConllevalJson(score) }) + '\n';
  if (options.conllevalOnly) return ner.formatConllevalTable(score, { decimals: options.decimals });
  return ner.formatNerReport(score, undefined, { decimals: options.decimals });
}
