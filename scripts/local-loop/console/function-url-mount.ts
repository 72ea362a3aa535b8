import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { functionUrlEvent, functionUrlResponse } from '../function-url-event';
import { readRequestBody } from '../request-body';

export type FunctionUrlHandler = (event: APIGatewayProxyEventV2) => Promise<unknown>;

/**
 * Serves one request to a mounted function URL: the request becomes the function URL event (payload
 * format 2.0) the deployed URL would send, with the path under the mount as `rawPath` (the deployed
 * URL's path), and the handler's result becomes the HTTP response (status, headers, cookies, body).
 */
export async function serveFunctionUrl(
  request: IncomingMessage,
  response: ServerResponse,
  mount: { readonly prefix: string; readonly deployedUrl: string; readonly handler: FunctionUrlHandler },
  now: () => Date,
): Promise<{ readonly status: number; readonly query: URLSearchParams }> {
  const local = new URL(request.url ?? '/', 'http://127.0.0.1');
  const deployed = new URL(mount.deployedUrl);
  const url = new URL(`${local.pathname.slice(mount.prefix.length) || '/'}${local.search}`, deployed);
  const body = await readRequestBody(request);
  const event = functionUrlEvent(
    {
      method: request.method ?? 'GET',
      url,
      headers: request.headers,
      body,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    },
    now(),
  );
  const result = functionUrlResponse(await mount.handler(event));
  const headers: Record<string, string | string[]> = { ...result.headers };
  if (result.cookies.length > 0) headers['set-cookie'] = [...result.cookies];
  response.writeHead(result.statusCode, headers);
  response.end(request.method === 'HEAD' ? undefined : result.body);
  return { status: result.statusCode, query: url.searchParams };
}
