import { once } from 'node:events';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { exportHeader, SyntheticCrimes, toExportCsv } from './synthetic-crimes';

const BATCH = 10_000;

/** Writes `rows` synthetic export rows to `out`, gzip-compressed when it ends in .gz. */
export async function writeSyntheticExport(out: string, rows: number, seed: number): Promise<void> {
  const file = fs.createWriteStream(out);
  const sink = out.endsWith('.gz') ? zlib.createGzip({ level: 6 }) : undefined;
  sink?.pipe(file);
  const target = sink ?? file;
  const crimes = new SyntheticCrimes({ seed });
  target.write(`${exportHeader()}\n`);
  for (let written = 0; written < rows; written += BATCH) {
    if (!target.write(toExportCsv(crimes.nextRows(Math.min(BATCH, rows - written))))) {
      await once(target, 'drain');
    }
  }
  target.end();
  await once(file, 'close');
}
