import fc from 'fast-check';
import Papa from 'papaparse';
import { CsvTextRows } from '../../predictor/inference/csv-rows';
import { InputError } from '../../predictor/inference/scoring-types';

async function parseInChunks(chunks: string[]): Promise<string[][]> {
  const parser = new CsvTextRows();
  const rows: string[][] = [];
  for (const chunk of chunks) rows.push(...parser.parse(chunk));
  rows.push(...parser.end());
  return rows;
}

function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(text.slice(from, point));
    from = point;
  }
  chunks.push(text.slice(from));
  return chunks;
}

describe('CsvTextRows (papaparse, the reference parser)', () => {
  it('keeps quoted commas, quotes and CRLF line ends intact', async () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n2,,"(41.8, -87.6)"\r\n';
    expect(await parseInChunks([text])).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', '', '(41.8, -87.6)'],
    ]);
  });

  it('skips blank lines and parses a last line without a line break', async () => {
    expect(await parseInChunks(['a,b\n\n1,2\n   \n3,4'])).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('gives the same rows however the text is cut into chunks', async () => {
    const cell = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', ' ', '1') }),
      fc.constant(''),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.constantFrom('\n', '\r\n'),
        async (table, cuts, newline) => {
          const text = Papa.unparse(table, { newline, quotes: true });
          expect(await parseInChunks(splitAt(text, cuts))).toEqual(table);
        },
      ),
    );
  });

  it('gives up with NOT_CSV on a row over 1 MiB instead of buffering without bound', async () => {
    const endless = `"${'x'.repeat(600_000)}`;
    await expect(parseInChunks(['a,b\n', endless, endless])).rejects.toMatchObject({
      constructor: InputError,
      code: 'NOT_CSV',
    });
  });
});
