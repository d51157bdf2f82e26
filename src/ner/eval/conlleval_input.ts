/**
 * conlleval's input: one token per line, its fields separated by a delimiter (whitespace by default), the gold
 * tag in the second-to-last field and the predicted tag in the last; an empty line (or one whose first field is
 * `-X-`) ends a sentence. Every token line has the same number of fields, at least two, as conlleval demands.
 *
 * `-DOCSTART-` lines: conlleval scores them as ordinary tokens (they count in the token accuracy), and so does
 * mode `'conlleval'` here, so that its output equals the script's; in mode `'strict'` they are document
 * boundaries and no token.
 */
import { EntityScorer, type EntityScorerOptions } from './entity_scorer.js';
import type { EntityScore } from './entity_score.js';

/** Refusal of malformed conlleval input, naming the line. @public */
export class ConllevalInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConllevalInputError';
  }
}

/** Options of {@link parseConllevalInput}. @public */
export interface ConllevalInputOptions {
  /** The field delimiter (conlleval's `-d`); default: any run of spaces and tabs. */
  readonly delimiter?: string;
  /** `-DOCSTART-` lines as tokens (conlleval's behaviour, default) or as document boundaries. */
  readonly docstart?: 'token' | 'boundary';
  /** Names the input in errors (a file name). */
  readonly source?: string;
}

/** One sentence of conlleval input: gold and predicted tags, and the line its first token is on (1-based). @public */
export interface ConllevalSentence {
  /** The gold tag of each token. */
  readonly gold: string[];
  /** The predicted tag of each token. */
  readonly predicted: string[];
  /** The 1-based line of the sentence's first token in the input. */
  readonly line: number;
}

/** The sentences of conlleval input text. Throws a {@link ConllevalInputError} naming the line. @public */
export function parseConllevalInput(text: string, options: ConllevalInputOptions = {}): ConllevalSentence[] {
  const { delimiter, docstart = 'token', source = 'input' } = options;
  const split = (line: string): string[] => (delimiter === undefined ? line.trim().split(/[ \t]+/) : line.split(delimiter));
  const sentences: ConllevalSentence[] = [];
  let current: { gold: string[]; predicted: string[]; line: number } | undefined;
  let fieldCount: number | undefined;
  const end = (): void => {
    if (current) sentences.push(current);
    current = undefined;
  };
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, index) => {
    const lineNumber = index + 1;
    if (raw.trim() === '') return end();
    const fields = split(raw);
    if (fields[0] === '-X-' || (docstart === 'boundary' && fields[0] === '-DOCSTART-')) return end();
    if (fields.length < 2) {
      throw new ConllevalInputError(
        `${source}, line ${lineNumber}: expected at least 2 fields (... gold predicted), got ${fields.length}: '${raw.slice(0, 80)}'`,
      );
    }
    fieldCount ??= fields.length;
    if (fields.length !== fieldCount) {
      throw new ConllevalInputError(
        `${source}, line ${lineNumber}: unexpected number of fields: ${fields.length} (the first token line has ${fieldCount})`,
      );
    }
    current ??= { gold: [], predicted: [], line: lineNumber };
    current.gold.push(fields[fields.length - 2]!);
    current.predicted.push(fields[fields.length - 1]!);
  });
  end();
  return sentences;
}

/**
 * Scores conlleval input text as `conlleval < file` does: every sentence added to an {@link EntityScorer}
 * (mode `'conlleval'` by default, with `-DOCSTART-` lines as tokens; mode `'strict'` with them as boundaries).
 *
 * @example
 * ```ts
 * import { ner } from 'trax-ts';
 * const score = ner.scoreConllevalText('John B-per B-per\nsmiled O O\n');
 * console.log(ner.formatConllevalTable(score, { decimals: 2 }).split('\n')[0]);
 * // prints: processed 2 tokens with 1 phrases; found: 1 phrases; correct: 1.
 * ```
 * @public
 */
export function scoreConllevalText(text: string, options: ConllevalInputOptions & EntityScorerOptions = {}): EntityScore {
  const scorer = new EntityScorer(options);
  const docstart = options.docstart ?? (scorer.mode === 'conlleval' ? 'token' : 'boundary');
  for (const sentence of parseConllevalInput(text, { ...options, docstart })) scorer.add(sentence.gold, sentence.predicted);
  return scorer.result();
}
