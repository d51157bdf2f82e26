/**
 * Splitting streamed text into numbered lines (LF or CRLF).
 */

/** One line of text without its line end, and its 1-based number. */
export interface NumberedLine {
  readonly text: string;
  readonly line: number;
}

/** The lines of a stream of text chunks; a final line without a line end is included. */
export async function* textLines(chunks: AsyncIterable<string>): AsyncGenerator<NumberedLine> {
  let carry = '';
  let line = 0;
  const strip = (text: string): string => (text.endsWith('\r') ? text.slice(0, -1) : text);
  for await (const chunk of chunks) {
    const text = carry + chunk;
    let from = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', from)) {
      yield { text: strip(text.slice(from, newline)), line: ++line };
      from = newline + 1;
    }
    carry = text.slice(from);
  }
  if (carry !== '') yield { text: strip(carry), line: ++line };
}
