import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../shared/observability';
import { ApiError, jsonResponse } from './http-response';
import type { PredictRecords } from './predict';

/**
 * `GET /health`: proves the model loads and answers, by scoring nothing with it. The model version is
 * remembered after the first success, so health checks stay cheap; a failure is not remembered, so the
 * next check tries again.
 */
export function createHealthCheck(predictRecords: PredictRecords) {
  let modelVersion: string | undefined;
  return async (): Promise<APIGatewayProxyStructuredResultV2> => {
    if (modelVersion === undefined) {
      try {
        modelVersion = (await predictRecords([])).modelVersion;
      } catch (error) {
        logger.error('Model could not be loaded', error as Error);
        throw new ApiError('MODEL_UNAVAILABLE', 'The prediction model could not be loaded.');
      }
    }
    return jsonResponse(200, { status: 'ok', modelVersion });
  };
}
