import { collect, detokenize, readGmbCsv, splitSentences, tokenize, tokenizeWords } from '../../src/ner/index.js';
import { SHIPPED_CORPUS } from './helpers.js';

describe('tokenize', () => {
  it.each([
    ["Iran's U.S.-led talks cost $10,000.", ['Iran', "'s", 'U.S.-led', 'talks', 'cost', '$', '10,000', '.']],
    ['Mr. Bush met U.N. officials (in Washington).', ['Mr.', 'Bush', 'met', 'U.N.', 'officials', '(', 'in', 'Washington', ')', '.']],
    [
      "They don't say the rebels' 2,00,000 Shi'ites can't.",
      ['They', 'do', "n't", 'say', 'the', 'rebels', "'", '2,00,000', "Shi'ites", 'ca', "n't", '.'],
    ],
    ['He said: "Stop the bombings."', ['He', 'said', ':', '"', 'Stop', 'the', 'bombings', '.', '"']],
    ['Growth was 1.5 % in 2005.', ['Growth', 'was', '1.5', '%', 'in', '2005', '.']],
    ['Port-au-Prince -- al-Qaida... AT&T', ['Port-au-Prince', '--', 'al-Qaida', '...', 'AT&T']],
    ['George W. Bush lives in the U.S.', ['George', 'W.', 'Bush', 'lives', 'in', 'the', 'U.S.']],
    ['The U.N.’s Corp. on Jan. 5 and 06-Feb.', ['The', 'U.N.', '’s', 'Corp.', 'on', 'Jan.', '5', 'and', '06-Feb', '.']],
    ['See www.gov.cn or Wired.com now', ['See', 'www.gov.cn', 'or', 'Wired.com', 'now']],
    ['Café Frédéric – 300 °C …', ['Café', 'Frédéric', '–', '300', '°', 'C', '…']],
  ])('%s', (text, expected) => {
    expect(tokenizeWords(text)).toEqual(expected);
  });

  it('gives offsets that slice the original text to the token', () => {
    const text = '  Iran\'s\tU.S.-led\n talks, "cost" $10,000 don\'t…  ';
    const tokens = tokenize(text);
    expect(tokens.length).toBeGreaterThan(5);
    for (const token of tokens) expect(text.slice(token.start, token.end)).toBe(token.text);
  });
});

describe('detokenize', () => {
  it('joins tokens as written English', () => {
    expect(detokenize(['He', 'said', '"', 'Stop', 'the', 'bombings', '.', '"', 'Iran', "'s", '$', '10', '(', 'AP', ')', 'do', "n't"])).toBe(
      'He said "Stop the bombings." Iran\'s $10 (AP) don\'t',
    );
  });
});

describe('splitSentences', () => {
  it('splits after terminators (with closing quotes), not after titles, and at paragraph breaks', () => {
    const text =
      'Mr. Bush met U.N. officials. He said "Stop the bombings." Then he left for the U.S. The talks (in Geneva!) went on.\n\nNo dot here\nstill one. 3 died... Why? Yes!';
    const sentences = splitSentences(text);
    expect(sentences.map((s) => s.text)).toEqual([
      'Mr. Bush met U.N. officials.',
      'He said "Stop the bombings."',
      'Then he left for the U.S.',
      'The talks (in Geneva!) went on.',
      'No dot here\nstill one.',
      '3 died...',
      'Why?',
      'Yes!',
    ]);
    for (const sentence of sentences) {
      expect(text.slice(sentence.start, sentence.end)).toBe(sentence.text);
      for (const token of sentence.tokens) expect(text.slice(token.start, token.end)).toBe(token.text);
    }
  });
});

describe('round trip on GMB sentences', () => {
  it('re-tokenizes detokenized corpus sentences into the same tokens (>= 95% of 2,000 sentences)', async () => {
    const sentences = await collect(readGmbCsv(SHIPPED_CORPUS, { includePos: false }), 2000);
    expect(sentences).toHaveLength(2000);
    let same = 0;
    const mismatches: string[] = [];
    for (const { words } of sentences) {
      const text = detokenize(words);
      const tokens = tokenize(text);
      for (const token of tokens) expect(text.slice(token.start, token.end)).toBe(token.text);
      if (tokens.map((t) => t.text).join('\u0000') === words.join('\u0000')) same++;
      else mismatches.push(text);
    }
    const rate = same / sentences.length;
    console.log(
      `tokenizer round trip: ${same}/${sentences.length} sentences (${(100 * rate).toFixed(2)}%)${mismatches.length ? `; e.g. ${mismatches.slice(0, 3).join(' | ')}` : ''}`,
    );
    expect(rate).toBeGreaterThanOrEqual(0.95);
  });
});
