import { once } from 'node:events';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import * as zlib from 'node:zlib';
import { exportHeader, SyntheticCrimes, toExportCsv } from './synthetic-crimes';

const USAGE = 'usage: npm run generate -- --rows N --out FILE.csv[.gz] [--seed N]';
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

if (require.main === module) {
  const { values } = parseArgs({
    options: { rows: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string', default: '1' } },
  });
  const rows = Number(values.rows);
  const seed = Number(values.seed);
  if (!values.out || !Number.isInteger(rows) || rows < 0 || !Number.isInteger(seed)) {
    console.error(USAGE);
    process.exit(2);
  }
  writeSyntheticExport(values.out, rows, seed).then(
    () => console.log(`wrote ${rows} synthetic rows to ${values.out}`),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
