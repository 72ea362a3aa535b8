import { FEATURE_COLUMNS } from '../features/columns';
import { type ColumnIndex, encodeIncident, FEATURE_COUNT } from '../features/incident-features';
import { arrestModel } from './arrest-model';

/** A prediction for one JSON record, or why the record could not be scored. */
export type RecordPrediction =
  | { readonly id: string; readonly probability: number }
  | {
      readonly id: string | undefined;
      readonly rejected: { readonly column: string; readonly reason: string };
    };

// JSON records are laid out as a row of the feature columns in their canonical order.
const RECORD_COLUMNS = Object.fromEntries(
  FEATURE_COLUMNS.map((column, index) => [column, index]),
) as ColumnIndex;

/**
 * Scores incidents given as JSON objects keyed by export column names (the synchronous API).
 * Values may be strings, numbers or booleans, as a JSON client naturally sends them.
 */
export async function predictRecords(
  records: readonly Record<string, unknown>[],
): Promise<{ modelVersion: string; predictions: RecordPrediction[] }> {
  const model = await arrestModel();
  const features = new Float32Array(records.length * FEATURE_COUNT);
  const predictions: (RecordPrediction | undefined)[] = new Array(records.length);
  const scoredAt: number[] = [];

  records.forEach((record, index) => {
    const fields: string[] = [];
    for (const column of FEATURE_COLUMNS) {
      const value = record[column];
      if (value !== null && value !== undefined && typeof value === 'object') {
        predictions[index] = {
          id: textOf(record.ID),
          rejected: { column, reason: 'must be a string, number or boolean' },
        };
        return;
      }
      fields.push(textOf(value) ?? '');
    }
    const rejection = encodeIncident(fields, RECORD_COLUMNS, features, scoredAt.length * FEATURE_COUNT);
    if (rejection) {
      predictions[index] = { id: textOf(record.ID), rejected: rejection };
      return;
    }
    scoredAt.push(index);
  });

  const probabilities = await model.predict(features, scoredAt.length);
  scoredAt.forEach((recordIndex, row) => {
    predictions[recordIndex] = {
      id: textOf(records[recordIndex]?.ID) ?? '',
      probability: probabilities[row] ?? 0,
    };
  });
  return { modelVersion: model.modelVersion, predictions: predictions as RecordPrediction[] };
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}
