import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** An HTTP request as a function URL receives it. */
export interface FunctionUrlRequest {
  readonly method: string;
  /** The URL requested; its path and query become `rawPath` and `rawQueryString`. */
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: Buffer;
  readonly sourceIp?: string;
}

/** What the function's result means in HTTP (payload format 2.0: a string result is a 200 JSON body). */
export interface FunctionUrlResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

/**
 * The event a Lambda function URL hands its function (payload format 2.0): header names lowercased,
 * repeated headers joined by commas, cookies in `cookies`, query parameters decoded (repeated ones
 * joined by commas), a body that is not text base64-encoded.
 */
export function functionUrlEvent(
  request: FunctionUrlRequest,
  now: Date = new Date(),
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = typeof value === 'string' ? value : value.join(',');
  }
  const cookies = headers.cookie?.split(/;\s*/).filter(Boolean);
  delete headers.cookie;
  const query: Record<string, string> = {};
  for (const [name, value] of request.url.searchParams) {
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  }
  const body = request.body && request.body.length > 0 ? request.body : undefined;
  const text = body !== undefined && isText(headers['content-type']);
  const domainName = request.url.host;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.url.pathname,
    rawQueryString: request.url.search.replace(/^\?/, ''),
    ...(cookies && cookies.length > 0 && { cookies }),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    requestContext: {
      accountId: 'anonymous',
      apiId: domainName.split('.')[0] ?? domainName,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method.toUpperCase(),
        path: request.url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined && { body: text ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: body !== undefined && !text,
  };
}

/** The function's result as the function URL answers it. */
export function functionUrlResponse(result: unknown): FunctionUrlResponse {
  const structured =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : undefined;
  if (!structured) {
    // Anything else is the body of a 200 JSON response (the format's inference rule).
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body, 'utf8'),
    };
  }
  const headers = Object.fromEntries(
    Object.entries(structured.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
  const raw = structured.body ?? '';
  return {
    statusCode: structured.statusCode ?? 200,
    headers,
    cookies: structured.cookies ?? [],
    body: structured.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
  };
}

function isText(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  return /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript))/i.test(contentType);
}
