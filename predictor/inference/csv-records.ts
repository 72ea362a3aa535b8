import { StringDecoder } from 'node:string_decoder';
import { type CsvRowCursor, FastCsvRows } from './csv-fast-path';
import { CsvTextRows } from './csv-rows';

/**
 * The rows of a CSV byte stream, one cursor per chunk for the caller to drain before asking for
 * the next (so a caller can await between rows without the parser allocating a row array per row).
 * The byte-level fast path parses the file; if it declines a row, papaparse parses from that row
 * to the end of the file, with the line break already decided, so the rows are those papaparse
 * alone would give.
 */
export async function* csvRowCursors(
  bytes: AsyncIterable<Buffer>,
  columnsToDecode: (header: readonly string[]) => readonly number[],
): AsyncGenerator<CsvRowCursor> {
  const fast = new FastCsvRows(columnsToDecode);
  let slow: SlowPath | undefined;
  for await (const chunk of bytes) {
    if (slow) {
      yield slow.parse(chunk);
      continue;
    }
    fast.push(chunk);
    yield fast;
    if (fast.declined) {
      slow = new SlowPath(fast);
      yield slow.parse(fast.rest());
    }
  }
  if (!slow) {
    fast.end();
    yield fast;
    if (!fast.declined) return;
    slow = new SlowPath(fast);
    yield slow.parse(fast.rest());
  }
  yield slow.end();
}

/** papaparse on the rest of a file, decoded as a stream, as the fast path would have read it. */
class SlowPath {
  private readonly decoder = new StringDecoder('utf8');
  private readonly rows: CsvTextRows;

  constructor(declined: FastCsvRows) {
    this.rows = new CsvTextRows(declined.fileLineBreak);
  }

  parse(bytes: Buffer): CsvRowCursor {
    const text = this.decoder.write(bytes);
    // A stream in text mode emits no empty chunk, so papaparse's caller never sees one.
    return new RowArrayCursor(text.length > 0 ? this.rows.parse(text) : []);
  }

  end(): CsvRowCursor {
    const tail = this.decoder.end();
    const rows = tail.length > 0 ? this.rows.parse(tail) : [];
    return new RowArrayCursor([...rows, ...this.rows.end()]);
  }
}

class RowArrayCursor implements CsvRowCursor {
  fields: readonly string[] = [];
  fieldCount = 0;
  readonly spans = undefined;

  field(position: number): string | undefined {
    return this.fields[position];
  }
  private index = 0;

  constructor(private readonly rows: readonly string[][]) {}

  next(): boolean {
    const row = this.rows[this.index++];
    if (row === undefined) return false;
    this.fields = row;
    this.fieldCount = row.length;
    return true;
  }
}
