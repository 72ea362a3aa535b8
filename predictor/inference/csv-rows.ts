import Papa from 'papaparse';
import { InputError } from './scoring-types';

/** No real export row comes near this; a longer one means an unclosed quote or a file that is not CSV. */
const MAX_ROW_CHARS = 1024 * 1024;

/**
 * Parses CSV text chunks into rows as they arrive. A row cut by a chunk boundary is carried into
 * the next chunk, so only one partial row is ever held. Blank lines are skipped.
 */
export async function* csvRows(text: AsyncIterable<string>): AsyncGenerator<string[][]> {
  let parser: Papa.Parser | undefined;
  let carry = '';
  for await (const chunk of text) {
    const aggregate = carry + chunk;
    parser ??= new Papa.Parser({ delimiter: ',', newline: lineBreakOf(aggregate) });
    const result = parser.parse(aggregate, 0, true) as { data: string[][]; meta: { cursor: number } };
    carry = aggregate.substring(result.meta.cursor);
    if (carry.length > MAX_ROW_CHARS) {
      throw new InputError(
        'NOT_CSV',
        'A row is longer than 1 MiB: the file is not CSV text or has a quote that is never closed.',
      );
    }
    const rows = withoutBlankLines(result.data);
    if (rows.length > 0) yield rows;
  }
  if (parser && carry.length > 0) {
    const rows = withoutBlankLines((parser.parse(carry, 0, false) as { data: string[][] }).data);
    if (rows.length > 0) yield rows;
  }
}

/** Files re-saved by a spreadsheet end lines with CRLF; the export itself uses LF. */
function lineBreakOf(text: string): '\r\n' | '\n' {
  const firstLineFeed = text.indexOf('\n');
  return firstLineFeed > 0 && text[firstLineFeed - 1] === '\r' ? '\r\n' : '\n';
}

function withoutBlankLines(rows: string[][]): string[][] {
  return rows.some(isBlank) ? rows.filter((row) => !isBlank(row)) : rows;
}

function isBlank(row: string[]): boolean {
  return row.length === 1 && (row[0] ?? '').trim() === '';
}
