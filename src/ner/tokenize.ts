/**
 * A rule-based tokenizer for raw English text that follows the GMB corpus's tokenization:
 *
 * - punctuation is split off (`word ,`, `( AP )`, `$ 12`, `10 %`, `" Stop "`), except inside the tokens below;
 * - dotted abbreviations are kept whole, final dot included: `U.S.`, `U.N.`, `a.m.`, `D.C.`, `U.S` (no final
 *   dot), and a list of common ones (`Mr.`, `Mrs.`, `Dr.`, `St.`, `Corp.`, `Jan.`, ...) plus single-letter
 *   initials before a capitalised word or another initial (`George W. Bush`, `R. P. Singh`);
 * - numbers keep their separators: `10,000`, `2,00,000`, `1.5`, `10:30`, `20/20`; a sentence-final `2005.`
 *   splits as `2005 .`;
 * - hyphenated words stay whole: `al-Qaida`, `U.S.-led`, `two-day`, `Port-au-Prince`; a free-standing `-` or
 *   `--` is its own token;
 * - word-internal apostrophes stay (`Shi'ite`, `O'Connor`), clitics split off: `Iran's` → `Iran 's`,
 *   `don't` → `do n't`, `can't` → `ca n't`, `they'll` → `they 'll` (also with `’`); a trailing possessive
 *   apostrophe is its own token: `rebels'` → `rebels '`;
 * - `AT&T`, `S&P`, GMB's `New~York`, web addresses (`www.gov.cn`, `Wired.com`) stay whole; `...` is one token.
 *
 * Every token carries its [start, end) offsets in the original string, so `text.slice(start, end)` is the token.
 */

/** A token and where it is in the text: `text.slice(start, end) === token.text`. @public */
export interface Token {
  /** The token's characters. */
  readonly text: string;
  /** The offset of its first character in the text. */
  readonly start: number;
  /** The offset just past its last character. */
  readonly end: number;
}

/** Abbreviations GMB keeps with their dot (titles, company suffixes, months, US states), matched case-sensitively. */
const ABBREVIATIONS = [
  'Mr',
  'Mrs',
  'Ms',
  'Dr',
  'St',
  'Sr',
  'Jr',
  'Gen',
  'Lt',
  'Col',
  'Capt',
  'Sgt',
  'Maj',
  'Brig',
  'Adm',
  'Cmdr',
  'Gov',
  'Sen',
  'Rep',
  'Cong',
  'Prof',
  'Rev',
  'Mt',
  'Ft',
  'Corp',
  'corp',
  'Inc',
  'Co',
  'Ltd',
  'Bros',
  'vs',
  'ca',
  'Jan',
  'Feb',
  'Aug',
  'Sept',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
  'Ala',
  'Ariz',
  'Calif',
  'Colo',
  'Conn',
  'Fla',
  'Ga',
  'Ill',
  'Ind',
  'Kan',
  'Ky',
  'La',
  'Md',
  'Mich',
  'Minn',
  'Mo',
  'Neb',
  'Nev',
  'Okla',
  'Ore',
  'Pa',
  'Tenn',
  'Tex',
  'Va',
  'Vt',
  'Wash',
  'Wis',
];

const WORD_CHAR = String.raw`[\p{L}\p{N}\p{M}]`;
/** `U.S.`, `a.m.`, `D.C.`, and `U.S` without its final dot. */
const DOTTED = String.raw`\p{L}(?:\.\p{L})+\.?(?!${WORD_CHAR})`;
/** Listed abbreviations, `No.` before a number, single-letter initials before a name or another initial. */
const ABBREVIATION = String.raw`(?:${ABBREVIATIONS.join('|')})\.(?!${WORD_CHAR})|No\.(?=\s*\d)|\p{Lu}\.(?=\s+["“]?\p{Lu}[\p{Ll}.])`;
/**
 * Letters and digits, with apostrophes between letters, separators between digits, `&` between capitals, and
 * GMB's `~` joining multiword names (`New~York`).
 */
const PLAIN = String.raw`${WORD_CHAR}+(?:(?:['’](?=\p{L})|(?<=\d)[.,:/](?=\d)|(?<=\p{Lu})&(?=\p{Lu})|(?<=\p{L})~(?=\p{L}))${WORD_CHAR}+)*`;
/** Hyphenated pieces; a listed abbreviation only first (so `06-Feb.` ends in `06-Feb` and `.`). */
const HYPHENATED = String.raw`(?:${DOTTED}|${ABBREVIATION}|${PLAIN})(?:-(?=${WORD_CHAR})(?:${DOTTED}|${PLAIN}))*`;
/** A dangling hyphen before a conjunction stays with its word: `World Bank- and IMF-led`. */
const WORD = String.raw`${HYPHENATED}(?:-(?=\s+(?:and|or|to)\b))?`;
/** A clitic after a dotted abbreviation or a closing bracket: `U.N.'s`. */
const DETACHED_CLITIC = String.raw`(?<=[.)])['’](?:[sSdDmM]|ll|LL|re|RE|ve|VE)(?![\p{L}\p{N}])`;
/** Web addresses and domain names stay whole: `www.gov.cn`, `Wired.com`, `https://example.org/a_b.cfm`. */
const WEB_ADDRESS = String.raw`(?:https?://|www\.)[^\s()<>"]*[^\s()<>".,;:!?']|[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:com|org|net|gov|edu|int)(?![\p{L}\p{N}])`;
const TOKEN = new RegExp(String.raw`(${WEB_ADDRESS})|(${WORD})|${DETACHED_CLITIC}|\.{2,}|-{2,}|\S`, 'gu');

/** Clitics split off the end of a word: `n't`, then `'s 'll 're 've 'm 'd` (straight or curly apostrophe). */
const NEGATION = /^(.+?)(n['’]t)$/iu;
const CLITIC = /^(.+?)(['’](?:s|ll|re|ve|m|d))$/iu;

function splitClitic(word: string, start: number): Token[] {
  const match = NEGATION.exec(word) ?? CLITIC.exec(word);
  if (!match) return [{ text: word, start, end: start + word.length }];
  const stem = match[1]!;
  const split = start + stem.length;
  return [
    { text: stem, start, end: split },
    { text: match[2]!, start: split, end: start + word.length },
  ];
}

/**
 * Splits raw text into GMB-style tokens with their offsets.
 * @example tokenize("Iran's U.S.-led talks cost $10,000.").map((t) => t.text)
 * // ['Iran', "'s", 'U.S.-led', 'talks', 'cost', '$', '10,000', '.']
 * @public
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index;
    if (match[2] !== undefined) tokens.push(...splitClitic(match[0], start));
    else tokens.push({ text: match[0], start, end: start + match[0].length });
  }
  return tokens;
}

/** The token strings of {@link tokenize}. @public */
export function tokenizeWords(text: string): string[] {
  return tokenize(text).map((token) => token.text);
}
