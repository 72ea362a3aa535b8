import { once } from 'node:events';
import * as fs from 'node:fs';
import type { Writable } from 'node:stream';
import * as zlib from 'node:zlib';
import type { ScoredRow } from '../inference/scoring-types';

/** A results file: NDJSON when the name ends in .ndjson(.gz), otherwise CSV; gzip when it ends in .gz. */
export class ScoredRowsFile {
  private readonly file: fs.WriteStream;
  private readonly sink: Writable;
  private readonly ndjson: boolean;

  constructor(path: string) {
    this.file = fs.createWriteStream(path);
    const gzip = path.endsWith('.gz') ? zlib.createGzip({ level: 6 }) : undefined;
    gzip?.pipe(this.file);
    this.sink = gzip ?? this.file;
    this.ndjson = /\.ndjson(\.gz)?$/.test(path);
    if (!this.ndjson) this.sink.write('ID,arrest_probability\n');
  }

  /** Appends a batch, waiting when the disk is slower than scoring. */
  async write(rows: readonly ScoredRow[]): Promise<void> {
    let text = '';
    for (const { id, probability } of rows) {
      text += this.ndjson
        ? `{"id":${JSON.stringify(id)},"probability":${probability}}\n`
        : `${id},${probability.toFixed(6)}\n`;
    }
    if (!this.sink.write(text)) await once(this.sink, 'drain');
  }

  async close(): Promise<void> {
    this.sink.end();
    await once(this.file, 'close');
  }
}
