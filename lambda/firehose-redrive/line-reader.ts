/** A line of a stream, without its `\n` (a `\r` before it is kept: the parser trims it). */
export interface WholeLine {
  /** Counted from 1, as `text.split('\n')` would index it plus one. */
  readonly number: number;
  /** Byte offset of the line's first byte in the stream. */
  readonly offset: number;
  readonly bytes: Buffer;
}

/** A line longer than the reader keeps: only where it is and how long, never its bytes. */
export interface OversizedLine {
  readonly number: number;
  readonly offset: number;
  /** Its length in bytes, without the `\n`. */
  readonly length: number;
  readonly oversized: true;
}

export type Line = WholeLine | OversizedLine;

/**
 * Splits a byte stream at `\n` without ever holding more than one line of at most `maxLineBytes`
 * (plus the chunk being read): a longer line is counted and skipped, not buffered, so one broken
 * multi-megabyte line costs neither memory nor a regular expression's backtracking stack.
 * Splitting bytes, not text, keeps a UTF-8 character cut between two chunks whole. An empty last
 * piece (after a final `\n`) is not a line, as with `split('\n')` minus its trailing `''`.
 */
export async function* readLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLineBytes: number,
): AsyncGenerator<Line> {
  let pieces: Buffer[] = [];
  let length = 0;
  let number = 1;
  let offset = 0;
  const take = (): Line => {
    const line: Line =
      length > maxLineBytes
        ? { number, offset, length, oversized: true }
        : {
            number,
            offset,
            bytes: pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, length),
          };
    pieces = [];
    number += 1;
    offset += length + 1;
    length = 0;
    return line;
  };
  for await (const chunk of chunks) {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let from = 0;
    while (from < bytes.length) {
      const newline = bytes.indexOf(0x0a, from);
      const end = newline === -1 ? bytes.length : newline;
      if (end > from) {
        length += end - from;
        // Past the limit the pieces are dropped: the line is only measured from here on.
        if (length > maxLineBytes) pieces = [];
        else pieces.push(bytes.subarray(from, end));
      }
      if (newline === -1) break;
      yield take();
      from = newline + 1;
    }
  }
  // A last line without its `\n`.
  if (length > 0) yield take();
}
