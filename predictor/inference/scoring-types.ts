/** Why a whole file could not be scored. Each maps to a FAILED result with its message. */
export const INPUT_ERROR_CODES = [
  'EMPTY_FILE',
  'NOT_CSV',
  'MISSING_COLUMNS',
  'CORRUPT_GZIP',
  'TRUNCATED_GZIP',
  'TOO_LARGE',
  'TOO_MANY_REJECTED',
] as const;

export type InputErrorCode = (typeof INPUT_ERROR_CODES)[number];

/** A file that cannot be scored, with a message meant for the person who uploaded it. */
export class InputError extends Error {
  override readonly name = 'InputError';

  constructor(
    readonly code: InputErrorCode,
    message: string,
    /** What was counted before the file was given up on, when anything was. */
    readonly partial?: ScoreSummary,
  ) {
    super(message);
  }
}

/** One scored row: the incident ID from the file and the predicted probability of an arrest. */
export interface ScoredRow {
  readonly id: string;
  readonly probability: number;
}

/**
 * One batch of scored rows in file order, column by column: row i is `ids[i]` with
 * `probabilities[i]`, for i below `size`. The arrays are the scorer's own and are reused once the
 * call that received them has settled: a caller that keeps rows copies them ({@link rowsOf}).
 */
export interface ScoredBatch {
  readonly size: number;
  readonly ids: readonly string[];
  readonly probabilities: Float32Array;
}

/** A batch's rows as objects. */
export function rowsOf(batch: ScoredBatch): ScoredRow[] {
  return Array.from({ length: batch.size }, (_, i) => ({
    id: batch.ids[i] as string,
    probability: batch.probabilities[i] as number,
  }));
}

/** A rejected row kept as an example, so the uploader can see what was wrong. */
export interface RejectedRowSample {
  /** 1-based line number in the file (the header is line 1). */
  readonly line: number;
  readonly id: string | undefined;
  readonly column: string;
  readonly reason: string;
}

/** The outcome of scoring one file: every data row is counted as scored or rejected. */
export interface ScoreSummary {
  readonly rows: number;
  readonly scored: number;
  readonly rejected: number;
  /** Mean predicted probability over scored rows (a drift signal); null when none was scored. */
  readonly meanProbability: number | null;
  readonly modelVersion: string;
  readonly seconds: number;
  readonly rejectedSamples: readonly RejectedRowSample[];
}
