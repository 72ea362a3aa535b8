import { once } from 'node:events';
import * as fs from 'node:fs';
import type { Writable } from 'node:stream';
import * as zlib from 'node:zlib';
import { CSV_HEADER, type ScoredRowsFormat, scoredRowsText } from '../inference/scored-rows-text';
import type { ScoredBatch } from '../inference/scoring-types';

/** A results file: NDJSON when the name ends in .ndjson(.gz), otherwise CSV; gzip when it ends in .gz. */
export class ScoredRowsFile {
  private readonly file: fs.WriteStream;
  private readonly sink: Writable;
  private readonly format: ScoredRowsFormat;

  constructor(path: string) {
    this.file = fs.createWriteStream(path);
    const gzip = path.endsWith('.gz') ? zlib.createGzip({ level: 6 }) : undefined;
    gzip?.pipe(this.file);
    this.sink = gzip ?? this.file;
    this.format = /\.ndjson(\.gz)?$/.test(path) ? 'ndjson' : 'csv';
    if (this.format === 'csv') this.sink.write(CSV_HEADER);
  }

  /** Appends a batch, waiting when the disk is slower than scoring. */
  async write(batch: ScoredBatch): Promise<void> {
    if (!this.sink.write(scoredRowsText(batch, this.format))) await once(this.sink, 'drain');
  }

  async close(): Promise<void> {
    this.sink.end();
    await once(this.file, 'close');
  }
}
