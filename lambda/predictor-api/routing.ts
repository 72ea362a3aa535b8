import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ApiError } from './http-response';

/** A route: method and path pattern, with `{name}` segments captured as parameters. */
export interface Route<TResult> {
  readonly method: string;
  readonly path: string;
  readonly handle: (event: APIGatewayProxyEventV2, parameters: Readonly<Record<string, string>>) => TResult;
}

/**
 * The route for a request, matched on method and path rather than `routeKey`, so it works both with
 * one API Gateway route per endpoint and with a single `$default` catch-all route.
 */
export function matchRoute<TResult>(
  routes: readonly Route<TResult>[],
  event: APIGatewayProxyEventV2,
): { route: Route<TResult>; parameters: Record<string, string> } {
  const method = event.requestContext.http.method.toUpperCase();
  const path = withoutStage(event);
  const allowed: string[] = [];
  for (const route of routes) {
    const parameters = matchPath(route.path, path);
    if (parameters === undefined) continue;
    if (route.method === method) return { route, parameters };
    allowed.push(route.method);
  }
  if (allowed.length > 0) {
    throw new ApiError('METHOD_NOT_ALLOWED', `${path} accepts ${allowed.join(', ')}, not ${method}.`, {
      allow: allowed.join(', '),
    });
  }
  throw new ApiError('NOT_FOUND', `No route for ${method} ${path}.`);
}

// With a named stage (not `$default`), API Gateway includes the stage in rawPath.
function withoutStage(event: APIGatewayProxyEventV2): string {
  const stage = event.requestContext.stage;
  const path = event.rawPath.length > 1 ? event.rawPath.replace(/\/+$/, '') : event.rawPath;
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    return path.slice(stage.length + 1) || '/';
  }
  return path;
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const expected = pattern.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) return undefined;
  const parameters: Record<string, string> = {};
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i] ?? '';
    const got = actual[i] ?? '';
    if (want.startsWith('{') && want.endsWith('}')) {
      if (got === '') return undefined;
      parameters[want.slice(1, -1)] = safeDecode(got);
    } else if (want !== got) {
      return undefined;
    }
  }
  return parameters;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
