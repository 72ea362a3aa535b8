import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { predictRecords } from '../../predictor/inference/predict-records';
import * as z from '../shared/zod';
import { ApiError, jsonResponse } from './http-response';
import { jsonBody, validated } from './request-body';

/** The scoring library's entry point for JSON records, injected so tests need no model. */
export type PredictRecords = typeof predictRecords;

/** Rows per synchronous request: larger sets belong in a file upload, scored asynchronously. */
export const MAX_PREDICT_ROWS = 1000;

const predictRequest = z.strictObject(
  {
    rows: z
      .array(
        z.record(z.string(), z.unknown(), {
          error: 'must be an object keyed by export column names, such as {"ID": "123", "Date": …}',
        }),
        { error: (issue) => (issue.input === undefined ? 'is required' : 'must be an array of rows') },
      )
      .check(z.minLength(1, { error: 'must hold at least one row' })),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) },
);

/** `POST /predict`: scores up to {@link MAX_PREDICT_ROWS} records; each gets a probability or its rejection. */
export async function predict(
  predictRecords: PredictRecords,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const body = jsonBody(event);
  // Checked before validation so an oversized request is not validated row by row first.
  const rows = (body as { rows?: unknown } | null)?.rows;
  if (Array.isArray(rows) && rows.length > MAX_PREDICT_ROWS) {
    throw new ApiError(
      'PAYLOAD_TOO_LARGE',
      `rows: at most ${MAX_PREDICT_ROWS} rows per request (got ${rows.length}); ` +
        'send larger sets as a file with POST /uploads.',
    );
  }
  const request = validated(predictRequest, body);
  const { modelVersion, predictions } = await predictRecords(request.rows);
  return jsonResponse(200, { modelVersion, predictions });
}
