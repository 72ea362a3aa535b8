import { StringDecoder } from 'node:string_decoder';
import fc from 'fast-check';
import { exportHeader, SyntheticCrimes, toExportCsv } from '../../predictor/generator/synthetic-crimes';
import { FastCsvRows } from '../../predictor/inference/csv-fast-path';
import { csvRowCursors } from '../../predictor/inference/csv-records';
import { CsvTextRows } from '../../predictor/inference/csv-rows';
import { InputError } from '../../predictor/inference/scoring-types';

/** What the scorer sees of a file: the header, then each row's field count and decoded fields. */
interface Outcome {
  readonly rows: (string | number | undefined)[][];
  readonly error?: string;
}

// Header-independent positions, so random files exercise decoding as much as the export does.
const WANTED = [0, 2, 3, 7];
const wanted = () => WANTED;

function project(fields: readonly (string | undefined)[], count: number, header: boolean) {
  return header
    ? [...(fields as string[])]
    : [count, ...WANTED.map((p) => (p < count ? fields[p] : undefined))];
}

/** The scorer's parser: the fast path, falling back to papaparse where it declines. */
async function viaScorerParser(chunks: Buffer[]): Promise<Outcome & { declined: boolean }> {
  const rows: Outcome['rows'] = [];
  let declined = false;
  async function* source() {
    yield* chunks;
  }
  try {
    for await (const cursor of csvRowCursors(source(), wanted)) {
      if (!(cursor instanceof FastCsvRows)) declined = true;
      while (cursor.next()) rows.push(project(cursor.fields, cursor.fieldCount, rows.length === 0));
    }
  } catch (error) {
    return { rows, error: describeError(error), declined };
  }
  return { rows, declined };
}

/** The reference: the stream decoded to text as Node decodes it, every row parsed by papaparse. */
function viaPapaparse(chunks: Buffer[]): Outcome {
  const rows: Outcome['rows'] = [];
  const decoder = new StringDecoder('utf8');
  const parser = new CsvTextRows();
  const take = (parsed: string[][]) => {
    for (const row of parsed) rows.push(project(row, row.length, rows.length === 0));
  };
  try {
    for (const chunk of chunks) {
      const text = decoder.write(chunk);
      if (text.length > 0) take(parser.parse(text));
    }
    const tail = decoder.end();
    if (tail.length > 0) take(parser.parse(tail));
    take(parser.end());
  } catch (error) {
    return { rows, error: describeError(error) };
  }
  return { rows };
}

function describeError(error: unknown): string {
  return error instanceof InputError ? `${error.code}: ${error.message}` : String(error);
}

/** A value one time in `oneIn`, otherwise undefined. */
function rarely<T>(value: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
}

function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    if (point > from) chunks.push(bytes.subarray(from, point));
    from = point;
  }
  if (from < bytes.length || chunks.length === 0) chunks.push(bytes.subarray(from));
  return chunks;
}

async function expectSameAsPapaparse(
  text: string | Buffer,
  cuts: number[] = [],
): Promise<Outcome & { declined: boolean }> {
  const chunks = splitAt(Buffer.from(text), cuts);
  const fast = await viaScorerParser(chunks);
  const reference = viaPapaparse(chunks);
  expect({ rows: fast.rows, error: fast.error }).toEqual({ rows: reference.rows, error: reference.error });
  return fast;
}

async function fastPathRows(text: string): Promise<Outcome & { declined: boolean }> {
  return viaScorerParser([Buffer.from(text)]);
}

describe('the byte-level CSV fast path', () => {
  it('reads a whole export as papaparse does, CRLF and BOM included, in chunks of any size', async () => {
    const rows = new SyntheticCrimes({ seed: 5 }).nextRows(3_000);
    const csv = `${exportHeader()}\n${toExportCsv(rows)}`;
    for (const text of [csv, `\uFEFF${csv.replaceAll('\n', '\r\n')}`]) {
      const bytes = Buffer.from(text);
      const cuts = Array.from({ length: 40 }, (_, index) => (index * 65_537) % bytes.length);
      const outcome = await expectSameAsPapaparse(text, cuts);
      expect(outcome.declined).toBe(false);
      expect(outcome.rows).toHaveLength(3_001);
    }
  });

  it('reads quoted commas, doubled quotes and quoted line breaks as papaparse does, without declining', async () => {
    const text = 'a,b,c,d\n1,"x, y",z,"say ""hi"""\n2,"two\nlines","",w\n';
    const outcome = await fastPathRows(text);
    expect(outcome.declined).toBe(false);
    expect(outcome.rows).toEqual([
      ['a', 'b', 'c', 'd'],
      [4, '1', 'z', 'say "hi"', undefined],
      [4, '2', '', 'w', undefined],
    ]);
    await expectSameAsPapaparse(text);
  });

  it('ends rows at CRLF when the first line does, keeping a lone LF or CR inside a field', async () => {
    const text = 'a,b,c\r\n1,x\ny,z\r\n2,p\rq,"r"\r\n';
    const outcome = await fastPathRows(text);
    expect(outcome.declined).toBe(false);
    expect(outcome.rows).toEqual([
      ['a', 'b', 'c'],
      [3, '1', 'z', undefined, undefined],
      [3, '2', 'r', undefined, undefined],
    ]);
    await expectSameAsPapaparse(text);
  });

  it('keeps the CR in the last field when the first line ends with LF only (as papaparse does)', async () => {
    const text = 'a,b,c\n1,2,3\r\n';
    expect((await fastPathRows(text)).rows[1]).toEqual([3, '1', '3\r', undefined, undefined]);
    await expectSameAsPapaparse(text);
  });

  it('keeps the byte-order mark in the first header field, for the header reader to strip', async () => {
    const text = '\uFEFFID,Date\r\n1,2\r\n';
    expect((await fastPathRows(text)).rows[0]).toEqual(['\uFEFFID', 'Date']);
    await expectSameAsPapaparse(text, [1, 2]);
  });

  it('skips blank and white-space lines, quoted empty lines included, and reads a last row without a line break', async () => {
    const text = '\n a,b\n\n  \n""\n\u00a0\n1,2\n3,"4"';
    const outcome = await fastPathRows(text);
    expect(outcome.declined).toBe(false);
    expect(outcome.rows).toEqual([
      [' a', 'b'],
      [2, '1', undefined, undefined, undefined],
      [2, '3', undefined, undefined, undefined],
    ]);
    await expectSameAsPapaparse(text);
  });

  it('reads quotes inside an unquoted field literally', async () => {
    const text = 'a,b,c\n1,x"y,z"\n';
    expect((await fastPathRows(text)).rows[1]).toEqual([3, '1', 'z"', undefined, undefined]);
    await expectSameAsPapaparse(text);
  });

  it('decodes UTF-8 in the fields it reads, however the chunks cut a character', async () => {
    const text = 'a,b,c\nCafé,x,Ünïcödé 🚓\n';
    expect((await fastPathRows(text)).rows[1]).toEqual([3, 'Café', 'Ünïcödé 🚓', undefined, undefined]);
    for (let cut = 0; cut < Buffer.byteLength(text); cut++) await expectSameAsPapaparse(text, [cut]);
  });

  it.each([
    ['a space after a closing quote', 'a,b\n"1" ,2\n3,4\n'],
    ['text after a closing quote', 'a,b\n"1"x,2\n3,4\n'],
    ['a quote never closed', 'a,b\n1,"2\n3,4\n'],
    ['a closing quote then CR without LF', 'a,b\r\n1,"2"\r3\r\n'],
    [
      'invalid UTF-8 in a field it reads',
      Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xc3, 0x28, 0x2c, 0x32, 0x0a]),
    ],
  ])('declines %s and papaparse reads the file from that row on', async (_, text) => {
    const outcome = await expectSameAsPapaparse(text);
    expect(outcome.declined).toBe(true);
  });

  it('fails a row over 1 MiB with the same NOT_CSV error as papaparse', async () => {
    const endless = `"${'x'.repeat(600_000)}`;
    const outcome = await expectSameAsPapaparse(`a,b\n${endless}${endless}`, [4, 4 + endless.length]);
    expect(outcome.error).toMatch(/^NOT_CSV: A row is longer than 1 MiB/);
  });

  it('finds a comma, a line feed or a byte ≥ 0x80 at any offset within the four bytes it reads at once', async () => {
    for (const special of [',', '\n', 'é', '\r\n']) {
      const rows: string[] = [];
      for (let before = 0; before < 9; before++) {
        for (let after = 0; after < 9; after++)
          rows.push(`${'x'.repeat(before)}${special}${'y'.repeat(after)},z`);
      }
      const text = `a,b\n${rows.join('\n')}\n`;
      const outcome = await expectSameAsPapaparse(text, [0, 5, 6, 7]);
      expect(outcome.declined).toBe(false);
    }
  });

  it('agrees with papaparse on random and malformed exports, however they are cut into chunks', async () => {
    const text = fc.constantFrom(
      '',
      'x',
      '41.88',
      '03/18/2015 07:44:00 PM',
      'AGGRAVATED: HANDGUN',
      'é',
      '🚓',
      ' ',
      '\u00a0',
      '"',
      '""',
      'a"b',
      ',',
      '\n',
      '\r',
      '\r\n',
      '(41.8, -87.6)',
    );
    const parts = fc.array(text, { maxLength: 3 }).map((chosen) => chosen.join(''));
    // Fields as a writer puts them: plain, or quoted per RFC 4180 (commas, quotes, line breaks).
    const wellFormed = fc.oneof(
      { weight: 2, arbitrary: parts.map((value) => value.replace(/[",\r\n]/g, '')) },
      { weight: 1, arbitrary: parts.map((value) => `"${value.replaceAll('"', '""')}"`) },
    );
    // And what a broken writer or a damaged file adds: stray quotes and bytes that are not UTF-8.
    const malformed = fc.oneof(
      parts,
      parts.map((value) => `"${value}" `),
      fc
        .constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xef, 0xbb, 0xbf], [0xf0, 0x9f])
        .map((b) => Buffer.from(b)),
    );
    const field = fc.oneof(
      { weight: 150, arbitrary: wellFormed.map((value) => Buffer.from(value)) },
      { weight: 1, arbitrary: malformed.map((value) => Buffer.from(value)) },
    );
    const file = fc.record({
      bom: fc.boolean(),
      rows: fc.array(fc.array(field, { minLength: 1, maxLength: 9 }), { maxLength: 12 }),
      lineBreak: fc.constantFrom('\n', '\r\n'),
      // Now and then a row ends differently from the file's line break (a file joined from two).
      otherBreaks: fc.array(rarely(fc.constantFrom('\n', '\r\n', '\r'), 40), {
        minLength: 12,
        maxLength: 12,
      }),
      lastBreak: fc.boolean(),
      truncateAt: rarely(fc.nat(), 5),
    });
    // 400 runs keep the suite fast; FAST_PATH_RUNS=20000 searches further after a parser change.
    const runs = Number(process.env.FAST_PATH_RUNS ?? 400);
    let handledWhole = 0;
    await fc.assert(
      fc.asyncProperty(file, fc.array(fc.nat(), { maxLength: 6 }), async (spec, cuts) => {
        const parts: Buffer[] = spec.bom ? [Buffer.from([0xef, 0xbb, 0xbf])] : [];
        spec.rows.forEach((fields, index) => {
          fields.forEach((value, at) => {
            if (at > 0) parts.push(Buffer.from(','));
            parts.push(value);
          });
          if (index < spec.rows.length - 1 || spec.lastBreak)
            parts.push(Buffer.from(spec.otherBreaks[index] ?? spec.lineBreak));
        });
        let bytes = Buffer.concat(parts);
        if (spec.truncateAt !== undefined) bytes = bytes.subarray(0, spec.truncateAt % (bytes.length + 1));
        const chunks = splitAt(bytes, cuts);
        const fast = await viaScorerParser(chunks);
        if (!fast.declined) handledWhole++;
        expect({ rows: fast.rows, error: fast.error }).toEqual(viaPapaparse(chunks));
      }),
      { numRuns: runs },
    );
    // The property is about the fast path: most files must be read by it from start to end.
    expect(handledWhole / runs).toBeGreaterThan(0.6);
  });
});
