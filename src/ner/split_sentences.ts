/**
 * Splitting raw text into sentences of GMB-style tokens.
 */

import { tokenize, type Token } from './tokenize.js';

/** A sentence of raw text: its tokens and its [start, end) offsets in the original text. @public */
export interface TextSentence {
  /** `text.slice(start, end)` of the original text. */
  readonly text: string;
  /** The offset of the sentence's first character in the original text. */
  readonly start: number;
  /** The offset just past its last character. */
  readonly end: number;
  /** Its tokens, with offsets into the original text. */
  readonly tokens: Token[];
}

const TERMINATORS = new Set(['.', '!', '?', '...', '…']);
const CLOSERS = new Set(['"', "'", ')', ']', '’', '”', '»']);
/** Abbreviations that announce a name and so never end a sentence. */
const TITLES = new Set([
  'Mr.',
  'Mrs.',
  'Ms.',
  'Dr.',
  'St.',
  'Gen.',
  'Lt.',
  'Col.',
  'Capt.',
  'Sgt.',
  'Maj.',
  'Brig.',
  'Adm.',
  'Gov.',
  'Sen.',
  'Rep.',
  'Prof.',
  'Rev.',
  'No.',
]);
/** Words that commonly open a sentence: after an abbreviation such as `U.S.`, they signal a new sentence. */
const SENTENCE_OPENERS = new Set([
  'The',
  'A',
  'An',
  'He',
  'She',
  'It',
  'They',
  'We',
  'I',
  'You',
  'This',
  'That',
  'These',
  'Those',
  'There',
  'In',
  'On',
  'At',
  'But',
  'And',
  'However',
  'Meanwhile',
  'Officials',
  'Police',
  'His',
  'Her',
  'Its',
  'Their',
  'Our',
]);
const OPENING = /^[\p{Lu}\p{N}"“'‘([]/u;

function paragraphBreak(gap: string): boolean {
  return /\n[ \t\r\f\v]*\n/.test(gap);
}

/**
 * Splits text into sentences and tokenizes them (see `tokenize`). A sentence ends:
 * - after `.`, `!`, `?`, `...` or `…` (with any closing quotes or brackets written right after it) when the next
 *   token starts with a capital letter, a digit, an opening quote or bracket, or the text ends;
 * - after an abbreviation with a final dot (`U.S.`, `Corp.`; never a title such as `Mr.` or an initial) when
 *   the next token is a common sentence opener (`The`, `He`, `But`, ...) or the text ends;
 * - always at a paragraph break (a blank line).
 * @public
 */
export function splitSentences(text: string): TextSentence[] {
  const tokens = tokenize(text);
  const sentences: TextSentence[] = [];
  let current: Token[] = [];
  const close = (): void => {
    if (current.length === 0) return;
    const start = current[0]!.start;
    const end = current[current.length - 1]!.end;
    sentences.push({ text: text.slice(start, end), start, end, tokens: current });
    current = [];
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (current.length > 0 && paragraphBreak(text.slice(current[current.length - 1]!.end, token.start))) close();
    current.push(token);
    const isTerminator = TERMINATORS.has(token.text);
    const isAbbreviation = !isTerminator && token.text.length > 2 && token.text.endsWith('.') && !TITLES.has(token.text);
    if (!isTerminator && !isAbbreviation) continue;
    while (i + 1 < tokens.length && CLOSERS.has(tokens[i + 1]!.text) && tokens[i + 1]!.start === current[current.length - 1]!.end) {
      current.push(tokens[++i]!);
    }
    const next = tokens[i + 1];
    if (!next) break;
    const endsHere = isTerminator ? OPENING.test(next.text) : SENTENCE_OPENERS.has(next.text);
    if (endsHere && next.start > current[current.length - 1]!.end) close();
  }
  close();
  return sentences;
}
