/**
 * The error corpus readers throw: it names the source, the line (when there is one) and what was wrong.
 */

/** A corpus that cannot be read: a missing file, a malformed row, broken compression or text encoding. @public */
export class CorpusError extends Error {
  /**
   * @param source - the file path, or the name given to a stream.
   * @param line - 1-based line number in the (decompressed) text, when the problem is at a line.
   * @param problem - what was wrong, in words.
   */
  constructor(
    readonly source: string,
    readonly line: number | undefined,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(line === undefined ? `${source}: ${problem}` : `${source}:${line}: ${problem}`, options);
    this.name = 'CorpusError';
  }
}
