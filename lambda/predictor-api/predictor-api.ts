import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../shared/observability';
import type { UrlSigning } from '../shared/presigned-urls';
import type { ResultsTable } from '../shared/results-table';
import { callerOf } from './caller-identity';
import { createUpload } from './create-upload';
import { getResult } from './get-result';
import { createHealthCheck } from './health';
import { ApiError, errorResponse } from './http-response';
import { listUploads } from './list-uploads';
import { type PredictRecords, predict } from './predict';
import type { PredictorApiConfig } from './predictor-api-config';
import { matchRoute, type Route } from './routing';

export interface PredictorApiDependencies {
  readonly config: PredictorApiConfig;
  readonly results: ResultsTable;
  /** S3 client used only to presign URLs. */
  readonly presigningS3: S3Client;
  readonly predictRecords: PredictRecords;
  /** @default crypto.randomUUID */
  readonly newUploadId?: () => string;
  /** @default the system clock */
  readonly now?: () => Date;
}

type Response = Promise<APIGatewayProxyStructuredResultV2>;

/** The predictor's HTTP API (API Gateway HTTP API, payload format 2.0). */
export function createPredictorApi(deps: PredictorApiDependencies) {
  const signing: UrlSigning = {
    s3: deps.presigningS3,
    ttlSeconds: deps.config.presignTtlSeconds,
    now: deps.now ?? (() => new Date()),
  };
  const bucket = deps.config.dataBucketName;
  const health = createHealthCheck(deps.predictRecords);
  const uploads = {
    results: deps.results,
    signing,
    bucket,
    maxUploadBytes: deps.config.maxUploadBytes,
    newUploadId: deps.newUploadId ?? randomUUID,
  };
  const results = {
    results: deps.results,
    signing,
    bucket,
    resultsRetentionDays: deps.config.resultsRetentionDays,
  };
  const routes: Route<Response>[] = [
    // Machines, signed with SigV4 (IAM authorizer).
    { method: 'POST', path: '/uploads', handle: (event) => createUpload(uploads, event) },
    { method: 'GET', path: '/results/{id}', handle: (_event, { id }) => getResult(results, id ?? '') },
    { method: 'POST', path: '/predict', handle: (event) => predict(deps.predictRecords, event) },
    { method: 'GET', path: '/health', handle: () => health() },
    // People on the upload site (JWT authorizer): each sees only their own uploads. The caller is
    // read first, so a request without one is a 401 before anything else is looked at.
    {
      method: 'POST',
      path: '/app/uploads',
      handle: (event) => createUpload(uploads, event, callerOf(event)),
    },
    {
      method: 'GET',
      path: '/app/uploads',
      handle: (event) => listUploads({ results: deps.results }, callerOf(event)),
    },
    {
      method: 'GET',
      path: '/app/results/{id}',
      handle: (event, { id }) => getResult(results, id ?? '', callerOf(event)),
    },
  ];

  return async (event: APIGatewayProxyEventV2): Response => {
    logger.appendKeys({ requestId: event.requestContext.requestId });
    const response = await respond(routes, event);
    logger.info('Request served', {
      method: event.requestContext.http.method,
      path: event.rawPath,
      statusCode: response.statusCode,
    });
    return response;
  };
}

async function respond(routes: readonly Route<Response>[], event: APIGatewayProxyEventV2): Response {
  try {
    const { route, parameters } = matchRoute(routes, event);
    return await route.handle(event, parameters);
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    // Anything else is a fault of this function, so it fails the invocation: Lambda counts it in
    // `Errors`, which the error-rate alarm and its alias rollback read (a handled 500 would count as
    // a success there, and a bad release would never be rolled back). API Gateway answers the caller
    // 502 `{"message": "Internal server error"}`, never the error itself, with the request id in its
    // `apigw-requestid` header (Lambda developer guide, "Handling Lambda errors with an API Gateway API").
    // instrumentHandler logs it once, with the request id appended above.
    throw error;
  }
}
