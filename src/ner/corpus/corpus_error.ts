/**
 * The error corpus readers throw: it names the source, the line (when there is one) and what was wrong.
 */

/**
 * Text of the source quoted in an error: `'text'` when it is short and printable; else its first `max` characters
 * with control characters escaped (JSON), so that a binary or garbled file does not fill the terminal.
 */
export function excerpt(text: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  if (text.length <= max && !/[\u0000-\u001f\u007f-\u009f\ufffd]/.test(text)) return `'${text}'`;
  let escaped = '';
  let taken = 0;
  for (const ch of text) {
    const piece = JSON.stringify(ch).slice(1, -1);
    if (escaped.length + piece.length > max) break;
    escaped += piece;
    taken += ch.length;
  }
  return `"${escaped}"` + (taken < text.length ? ` (and ${text.length - taken} more characters)` : '');
}

/** A corpus that cannot be read: a missing file, a malformed row, broken compression or text encoding. @public */
export class CorpusError extends Error {
  constructor(
    /** The file path, or the name given to a stream. */
    readonly source: string,
    /** The 1-based line number in the (decompressed) text, when the problem is at a line. */
    readonly line: number | undefined,
    /** What was wrong, in words. */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(line === undefined ? `${source}: ${problem}` : `${source}:${line}: ${problem}`, options);
    this.name = 'CorpusError';
  }
}
