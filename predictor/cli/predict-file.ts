import * as fs from 'node:fs';
import { DEFAULT_MAX_REJECTED_SHARE, scoreCsv } from '../inference/score-csv';
import type { ScoreSummary } from '../inference/scoring-types';
import { ScoredRowsFile } from './scored-rows-file';

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
