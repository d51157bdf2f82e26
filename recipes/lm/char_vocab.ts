/**
 * A character vocabulary: id 0 is the start of a sequence (what `ShiftRight` puts first; never a target), ids
 * 1.. are the characters of the corpus (code points, in code-point order, so that the ids depend only on the set
 * of characters).
 */

/** Characters to ids and back. */
export class CharVocab {
  private readonly ids: Map<string, number>;

  /** `chars`: the characters of ids 1, 2, ... */
  constructor(readonly chars: readonly string[]) {
    this.ids = new Map(chars.map((c, i) => [c, i + 1]));
    if (this.ids.size !== chars.length) throw new Error('CharVocab: a character appears twice');
  }

  /** The vocabulary of every character in `texts`. */
  static fromTexts(...texts: string[]): CharVocab {
    const set = new Set<string>();
    for (const text of texts) for (const c of text) set.add(c);
    return new CharVocab([...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  /** Number of ids, the start id included. */
  get size(): number {
    return this.chars.length + 1;
  }

  /** The characters of `text` it lacks (each once). */
  unknown(text: string): string[] {
    return [...new Set([...text].filter((c) => !this.ids.has(c)))];
  }

  /** The ids of `text`; refuses a character it lacks. */
  encode(text: string): Int32Array {
    const chars = [...text];
    const out = new Int32Array(chars.length);
    chars.forEach((c, i) => {
      const id = this.ids.get(c);
      if (id === undefined) throw new RangeError(`the character ${JSON.stringify(c)} is not in the model's vocabulary`);
      out[i] = id;
    });
    return out;
  }

  /** The text of character ids (the start id decodes to nothing). */
  decode(ids: Iterable<number>): string {
    let text = '';
    for (const id of ids) if (id > 0) text += this.chars[id - 1] ?? '';
    return text;
  }
}
