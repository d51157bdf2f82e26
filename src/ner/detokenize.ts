/**
 * Joining tokens back into natural text (the inverse of the tokenizer, as far as spacing can be guessed).
 */

const NO_SPACE_BEFORE = new Set([',', '.', ';', ':', '!', '?', '%', ')', ']', '}', "'", '’', '”', "n't", 'n’t', '/']);
const NO_SPACE_AFTER = new Set(['(', '[', '{', '$', '“', '/', '#']);
const CLITIC = /^['’](?:s|ll|re|ve|m|d)$/iu;

/**
 * Joins GMB-style tokens with single spaces, except where written English has none: before closing
 * punctuation and clitics (`Iran 's` → `Iran's`, `do n't` → `don't`, `rebels '` → `rebels'`), after `(`, `$`,
 * `#`, around `/`, and inside straight double quotes, taken alternately as opening and closing
 * (`" Stop . "` → `"Stop."`).
 * @public
 */
export function detokenize(words: readonly string[]): string {
  let text = '';
  let quotesOpen = false;
  let glueNext = true;
  for (const word of words) {
    let glue = glueNext || NO_SPACE_BEFORE.has(word) || CLITIC.test(word);
    glueNext = NO_SPACE_AFTER.has(word);
    if (word === '"') {
      if (quotesOpen) glue = true;
      else glueNext = true;
      quotesOpen = !quotesOpen;
    }
    text += glue ? word : ` ${word}`;
  }
  return text;
}
