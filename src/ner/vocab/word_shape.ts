/**
 * A word's shape: its capitalisation and character classes, a feature that survives lowercasing.
 */

/**
 * The shapes, by id. Id 0 is padding. Classified on the original (not lowercased) word:
 * - `lower`: has letters, all lowercase, no digits (`war`, `al-qaida`, `'s`);
 * - `capitalized`: first letter uppercase, every other letter lowercase, no digits (`London`, `Mr.`, `I`);
 * - `upper`: two or more letters, all uppercase, no digits (`NATO`, `U.S.`);
 * - `mixed`: other mixes of case, no digits (`iPhone`, `al-Qaida`, `McDonald`);
 * - `alphanumeric`: both letters and digits (`1990s`, `G-8`, `06-Mar`);
 * - `numeric`: digits and no letters (`10,000`, `1.5`, `2004`);
 * - `punctuation`: neither letters nor digits (`,`, `--`, `$`).
 * @public
 */
export const WORD_SHAPES = ['<pad>', 'lower', 'capitalized', 'upper', 'mixed', 'alphanumeric', 'numeric', 'punctuation'] as const;

/** A shape name. @public */
export type WordShape = (typeof WORD_SHAPES)[number];

/** Number of shape ids (the size of a shape embedding). @public */
export const WORD_SHAPE_COUNT = WORD_SHAPES.length;

const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;

/** The shape of a word (see {@link WORD_SHAPES}). @public */
export function wordShape(word: string): WordShape {
  let letters = 0;
  let uppers = 0;
  let digits = 0;
  let firstLetterUpper = false;
  let laterUpper = false;
  for (const char of word) {
    if (DIGIT.test(char)) {
      digits++;
    } else if (LETTER.test(char)) {
      const upper = char !== char.toLowerCase();
      if (letters === 0) firstLetterUpper = upper;
      else if (upper) laterUpper = true;
      if (upper) uppers++;
      letters++;
    }
  }
  if (letters === 0) return digits > 0 ? 'numeric' : 'punctuation';
  if (digits > 0) return 'alphanumeric';
  if (uppers === 0) return 'lower';
  if (uppers === letters && letters >= 2) return 'upper';
  if (firstLetterUpper && !laterUpper) return 'capitalized';
  return 'mixed';
}

/** The shape id of a word: its index in {@link WORD_SHAPES} (never 0, which is padding). @public */
export function wordShapeId(word: string): number {
  return WORD_SHAPES.indexOf(wordShape(word));
}
