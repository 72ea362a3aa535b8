import type { ScoredBatch, ScoredRow } from '../../predictor/inference/scoring-types';

/** Rows as the scorer hands them to a writer: one batch, column by column. */
export function batchOf(rows: readonly ScoredRow[]): ScoredBatch {
  return {
    size: rows.length,
    ids: rows.map((row) => row.id),
    probabilities: Float32Array.from(rows, (row) => row.probability),
  };
}
