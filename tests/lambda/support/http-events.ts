import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

let requests = 0;

/** An API Gateway HTTP API (payload format 2.0) request as a `$default` route receives it. */
export function httpEvent(
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; base64?: boolean; stage?: string } = {},
): APIGatewayProxyEventV2 {
  const stage = options.stage ?? '$default';
  const text = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const requestId = `req-${++requests}`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: stage === '$default' ? path : `/${stage}${path}`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'api1234567.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'api1234567',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'jest' },
      requestId,
      routeKey: '$default',
      stage,
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 1_767_225_600_000,
    },
    body: text === undefined ? undefined : options.base64 ? Buffer.from(text).toString('base64') : text,
    isBase64Encoded: options.base64 ?? false,
  };
}

/** A response's JSON body. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response fields.
export function bodyOf(response: APIGatewayProxyStructuredResultV2): any {
  expect(response.headers?.['content-type']).toBe('application/json; charset=utf-8');
  return JSON.parse(response.body ?? '');
}
