import Papa from 'papaparse';
import { InputError } from './scoring-types';

/** No real export row comes near this; a longer one means an unclosed quote or a file that is not CSV. */
export const MAX_ROW_CHARS = 1024 * 1024;

/** The line break a file's rows end with, decided from its first text. */
export type LineBreak = '\r\n' | '\n';

/**
 * Parses CSV text chunks into rows with papaparse, the reference parser: the byte-level fast path
 * (`csv-fast-path.ts`) must agree with it on every input, and hands it whatever it declines. A row
 * cut by a chunk boundary is carried into the next chunk, so only one partial row is ever held.
 * Blank lines are skipped.
 */
export class CsvTextRows {
  private parser: Papa.Parser | undefined;
  private carry = '';

  /** `lineBreak` is given when the file's first text was read by another parser. */
  constructor(private lineBreak?: LineBreak) {}

  /** The complete rows that `text` ends, after the rows of earlier chunks. */
  parse(text: string): string[][] {
    const aggregate = this.carry + text;
    this.lineBreak ??= lineBreakOf(aggregate);
    this.parser ??= new Papa.Parser({ delimiter: ',', newline: this.lineBreak });
    const result = this.parser.parse(aggregate, 0, true) as { data: string[][]; meta: { cursor: number } };
    this.carry = aggregate.substring(result.meta.cursor);
    if (this.carry.length > MAX_ROW_CHARS) {
      throw new InputError(
        'NOT_CSV',
        'A row is longer than 1 MiB: the file is not CSV text or has a quote that is never closed.',
      );
    }
    return withoutBlankLines(result.data);
  }

  /** The last row, which may lack a line break, once the text has ended. */
  end(): string[][] {
    if (!this.parser || this.carry.length === 0) return [];
    return withoutBlankLines((this.parser.parse(this.carry, 0, false) as { data: string[][] }).data);
  }
}

/** Files re-saved by a spreadsheet end lines with CRLF; the export itself uses LF. */
function lineBreakOf(text: string): LineBreak {
  const firstLineFeed = text.indexOf('\n');
  return firstLineFeed > 0 && text[firstLineFeed - 1] === '\r' ? '\r\n' : '\n';
}

function withoutBlankLines(rows: string[][]): string[][] {
  return rows.some(isBlank) ? rows.filter((row) => !isBlank(row)) : rows;
}

function isBlank(row: string[]): boolean {
  return row.length === 1 && (row[0] ?? '').trim() === '';
}
