import { parseArgs } from 'node:util';
import { InputError } from '../inference/scoring-types';
import { predictFile, reportOf } from './predict-file';

const USAGE =
  'usage: npm run predict -- FILE.csv[.gz] [--out RESULTS.csv|.ndjson[.gz]] [--max-rejected-share 0.05]';

function describeFailure(error: unknown, file: string): string {
  if (error instanceof InputError) return `${file}: ${error.message}`;
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return `${file}: no such file`;
  if (code === 'EISDIR') return `${file}: is a directory, not a file`;
  if (code === 'EACCES') return `${file}: permission denied`;
  return `${file}: ${(error as Error).message ?? String(error)}`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, 'max-rejected-share': { type: 'string' } },
  });
  const [file, ...extra] = positionals;
  const maxRejectedShare =
    values['max-rejected-share'] === undefined ? undefined : Number(values['max-rejected-share']);
  if (
    !file ||
    extra.length > 0 ||
    (maxRejectedShare !== undefined && !(maxRejectedShare >= 0 && maxRejectedShare <= 1))
  ) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  try {
    const summary = await predictFile(file, { out: values.out, maxRejectedShare });
    if (summary.rejected > 0) {
      const first = summary.rejectedSamples[0];
      console.error(
        `${summary.rejected} row(s) rejected` +
          (first ? `; first: line ${first.line}, ${first.column} ${first.reason}` : ''),
      );
    }
    console.log(JSON.stringify(reportOf(summary)));
  } catch (error) {
    console.error(describeFailure(error, file));
    process.exitCode = 1;
  }
}

void main();
