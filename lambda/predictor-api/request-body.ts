import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from '../shared/zod';
import { describeIssues } from '../shared/zod-issues';
import { ApiError } from './http-response';

/** The request body parsed as JSON; API Gateway base64-encodes bodies it considers binary. */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === '') {
    throw new ApiError('BAD_REQUEST', 'The request needs a JSON body.');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError('BAD_REQUEST', `The body is not valid JSON: ${(error as SyntaxError).message}.`);
  }
}

/** `value` checked against `schema`; every problem is named in one 400 message. */
export function validated<TSchema extends z.ZodMiniType>(schema: TSchema, value: unknown): z.output<TSchema> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError('BAD_REQUEST', describeIssues(result.error));
  return result.data;
}
