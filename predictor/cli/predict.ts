import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_REJECTED_SHARE, scoreCsv } from '../inference/score-csv';
import { InputError, type ScoreSummary } from '../inference/scoring-types';
import { ScoredRowsFile } from './scored-rows-file';

const USAGE =
  'usage: npm run predict -- FILE.csv[.gz] [--out RESULTS.csv|.ndjson[.gz]] [--max-rejected-share 0.05]';

export interface PredictFileOptions {
  /** Where to write one probability per scored row. @default no results file */
  readonly out?: string;
  /** Largest share of rejected rows before the file fails. @default 0.05 */
  readonly maxRejectedShare?: number;
}

/** The CLI's summary line: what a person or a script needs to judge the run. */
export interface PredictReport {
  readonly rows: number;
  readonly rejected: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly meanProbability: number | null;
  readonly modelVersion: string;
}

/** Scores a local export file with the same library the Lambda uses. */
export async function predictFile(file: string, options: PredictFileOptions = {}): Promise<ScoreSummary> {
  const input = fs.createReadStream(file);
  const results = options.out ? new ScoredRowsFile(options.out) : undefined;
  try {
    return await scoreCsv(input, {
      // A local file has no upload limit; the scorer still never holds more than two batches.
      maxBytes: Number.MAX_SAFE_INTEGER,
      maxRejectedShare: options.maxRejectedShare ?? DEFAULT_MAX_REJECTED_SHARE,
      onScored: results ? (rows) => results.write(rows) : undefined,
    });
  } finally {
    input.destroy();
    await results?.close();
  }
}

export function reportOf(summary: ScoreSummary): PredictReport {
  return {
    rows: summary.rows,
    rejected: summary.rejected,
    seconds: Number(summary.seconds.toFixed(3)),
    rowsPerSecond: Math.round(summary.rows / summary.seconds),
    meanProbability: summary.meanProbability === null ? null : Number(summary.meanProbability.toFixed(6)),
    modelVersion: summary.modelVersion,
  };
}

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

if (require.main === module) void main();
