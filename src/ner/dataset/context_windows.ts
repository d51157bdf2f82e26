/**
 * Document-context windows: each sentence inside up to N tokens of its document, the sentence and its neighbours
 * on both sides, with the target sentence's offsets in the window.
 */

/** Where a window sits in its document's token sequence and where its target sentence sits in it. @public */
export interface ContextWindow {
  /** The index of the target sentence in its document. */
  readonly sentence: number;
  /** The window's first token, as an index into the document's concatenated tokens. */
  readonly start: number;
  /** Just past the window's last token (document token index). */
  readonly end: number;
  /** The target sentence's first token, as an index into the window. */
  readonly targetStart: number;
  /** Just past the target sentence's last token (window index). */
  readonly targetEnd: number;
}

/**
 * The window of at most `contextTokens` tokens around sentence `index` of a document whose sentences have the
 * token counts `lengths`. The target sentence is whole; the remaining budget is shared between the two sides,
 * half (rounded down) to the left first, and what one side cannot use (at the document's start or end) goes to
 * the other; context is cut at token level (the window may begin or end inside a neighbouring sentence). A
 * sentence of `contextTokens` tokens or more is its own window (the sentence alone, no context); with
 * `contextTokens` 0 every sentence is.
 * @public
 */
export function contextWindow(lengths: readonly number[], index: number, contextTokens: number): ContextWindow {
  if (!Number.isInteger(contextTokens) || contextTokens < 0)
    throw new RangeError(`contextWindow: contextTokens must be an integer >= 0, got ${contextTokens}`);
  if (!Number.isInteger(index) || index < 0 || index >= lengths.length)
    throw new RangeError(`contextWindow: sentence ${index} is outside a document of ${lengths.length} sentences`);
  let first = 0;
  for (let i = 0; i < index; i++) first += lengths[i]!;
  const length = lengths[index]!;
  const last = first + length;
  let total = last;
  for (let i = index + 1; i < lengths.length; i++) total += lengths[i]!;
  const budget = Math.max(0, contextTokens - length);
  const right = Math.min(total - last, budget - Math.min(first, Math.floor(budget / 2)));
  const left = Math.min(first, budget - right);
  return { sentence: index, start: first - left, end: last + right, targetStart: left, targetEnd: left + length };
}

/** {@link contextWindow} for every sentence of a document, in order. @public */
export function contextWindows(lengths: readonly number[], contextTokens: number): ContextWindow[] {
  return lengths.map((_, i) => contextWindow(lengths, i, contextTokens));
}

/**
 * The documents of a list of sentences: maximal runs of consecutive sentences with the same `document(i)`, as
 * lists of sentence indices in order. Sentences whose document is undefined form one document together with
 * their undefined neighbours (a text's sentences, read as one document).
 * @public
 */
export function documentRuns(count: number, document: (index: number) => string | undefined): number[][] {
  const runs: number[][] = [];
  let key: string | undefined;
  for (let i = 0; i < count; i++) {
    const k = document(i);
    if (runs.length === 0 || k !== key) runs.push([]);
    key = k;
    runs[runs.length - 1]!.push(i);
  }
  return runs;
}

/**
 * A window's tokens from its document's sentences (`sentences[i]` the i-th sentence's tokens, or tags): the
 * document's token sequence from `window.start` to `window.end`.
 * @public
 */
export function windowTokens<T>(sentences: readonly (readonly T[])[], window: ContextWindow): T[] {
  const out: T[] = [];
  let at = 0;
  for (const sentence of sentences) {
    const from = Math.max(window.start, at);
    const to = Math.min(window.end, at + sentence.length);
    for (let p = from; p < to; p++) out.push(sentence[p - at]!);
    at += sentence.length;
    if (at >= window.end) break;
  }
  return out;
}
