import '../support/test-environment';
import fc from 'fast-check';
import { type Line, readLines } from '../../../lambda/firehose-redrive/line-reader';

async function* chunksOf(bytes: Buffer, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= from || cut >= bytes.length) continue;
    // A Uint8Array view, as some streams hand out, not always a Buffer.
    yield new Uint8Array(bytes.buffer, bytes.byteOffset + from, cut - from);
    from = cut;
  }
  if (from < bytes.length) yield bytes.subarray(from);
}

async function collect(lines: AsyncIterable<Line>): Promise<Line[]> {
  const all: Line[] = [];
  for await (const line of lines) all.push(line);
  return all;
}

/** The oracle: `split('\n')` on the whole text, without the empty piece a final newline leaves. */
function splitOracle(bytes: Buffer, maxLineBytes: number) {
  const pieces: Buffer[] = [];
  let from = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, from)) {
    pieces.push(bytes.subarray(from, at));
    from = at + 1;
  }
  if (from < bytes.length) pieces.push(bytes.subarray(from));
  let offset = 0;
  return pieces.map((piece, index) => {
    const line = { number: index + 1, offset, length: piece.length };
    offset += piece.length + 1;
    return piece.length > maxLineBytes
      ? { ...line, oversized: true }
      : { ...line, text: piece.toString('latin1') };
  });
}

const shape = (line: Line) =>
  'oversized' in line
    ? { number: line.number, offset: line.offset, length: line.length, oversized: true }
    : {
        number: line.number,
        offset: line.offset,
        length: line.bytes.length,
        text: line.bytes.toString('latin1'),
      };

describe('property', () => {
  // Few characters, newlines and CRs frequent, multi-byte UTF-8 so chunk cuts land inside characters.
  const text = fc
    .array(fc.constantFrom('a', 'b', '\n', '\n', '\r', 'é', '€', '{"x":1}', '\n\n'), { maxLength: 200 })
    .map((parts) => Buffer.from(parts.join('')));

  test('gives the lines split("\\n") gives, however the stream is chunked and whatever the line limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.array(fc.nat({ max: 400 }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 40 }),
        async (bytes, cuts, maxLineBytes) => {
          const lines = await collect(readLines(chunksOf(bytes, cuts), maxLineBytes));
          expect(lines.map(shape)).toEqual(splitOracle(bytes, maxLineBytes));
        },
      ),
      { numRuns: 500 },
    );
  });
});

test('an empty stream has no lines; a lone newline is one empty line', async () => {
  expect(await collect(readLines(chunksOf(Buffer.alloc(0), []), 10))).toEqual([]);
  const [line] = await collect(readLines(chunksOf(Buffer.from('\n'), []), 10));
  expect(line && shape(line)).toEqual({ number: 1, offset: 0, length: 0, text: '' });
});

test('a 5 MB line in 16 KiB chunks comes out whole under a larger limit, and only measured under a smaller one', async () => {
  const long = Buffer.alloc(5 * 1024 * 1024, 0x41);
  const bytes = Buffer.concat([Buffer.from('first\n'), long, Buffer.from('\nlast\n')]);
  const cuts = Array.from({ length: Math.ceil(bytes.length / 16_384) }, (_, index) => index * 16_384);

  const kept = await collect(readLines(chunksOf(bytes, cuts), 8 * 1024 * 1024));
  expect(kept.map((line) => ('bytes' in line ? line.bytes.length : -1))).toEqual([5, long.length, 4]);
  expect(kept[1] && 'bytes' in kept[1] && kept[1].bytes.equals(long)).toBe(true);

  const measured = await collect(readLines(chunksOf(bytes, cuts), 2 * 1024 * 1024));
  expect(measured.map(shape)).toEqual([
    { number: 1, offset: 0, length: 5, text: 'first' },
    { number: 2, offset: 6, length: long.length, oversized: true },
    { number: 3, offset: 6 + long.length + 1, length: 4, text: 'last' },
  ]);
});
