import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Error codes the API answers with, each tied to one HTTP status. */
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'MODEL_UNAVAILABLE';

const STATUS: Record<ApiErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  MODEL_UNAVAILABLE: 503,
};

/** A request the API answers with an error body; the message is written for the caller. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  get statusCode(): number {
    return STATUS[this.code];
  }
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    // Bodies can hold presigned URLs: no cache may keep them.
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: ApiError): APIGatewayProxyStructuredResultV2 {
  return jsonResponse(
    error.statusCode,
    { error: { code: error.code, message: error.message } },
    error.headers,
  );
}
