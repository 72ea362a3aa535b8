import { parseArgs } from 'node:util';
import { writeSyntheticExport } from './write-synthetic-export';

const USAGE = 'usage: npm run generate -- --rows N --out FILE.csv[.gz] [--seed N]';

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
