import type * as http from 'node:http';
import type {
  APIGatewayEventRequestContextJWTAuthorizer,
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import type { JSONWebKeySet } from 'jose';
import { deployedValue } from './deployed-values';
import { functionUrlEvent, functionUrlResponse } from './function-url-event';
import { authorizeJwt, type JwtAuthorizerConfig, Unauthorized } from './jwt-authorizer';
import { readRequestBody } from './request-body';
import type { FoundResource, SynthesizedAppReader } from './synthesized-app';

interface ApiRoute {
  readonly method: string;
  readonly path: string;
  readonly routeKey: string;
  readonly authorization: 'JWT' | 'AWS_IAM' | 'NONE';
  readonly scopes: readonly string[];
  readonly authorizer?: JwtAuthorizerConfig & { readonly identitySource: string };
}

interface ApiCors {
  readonly allowOrigins: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly allowMethods: readonly string[];
  readonly maxAge?: number;
}

export interface LocalHttpApiOptions {
  /** The issuer a JWT authorizer names in the template, mapped to the one on this machine. */
  readonly issuer: (templateIssuer: string) => string;
  /** That issuer's signing keys. */
  readonly keys: JSONWebKeySet;
  /** An origin the template names, mapped to the one it stands for here (the site's). */
  readonly localOrigin: (origin: string) => string;
  /** The simulated clock: tokens expire on it. */
  readonly now: () => number;
  /** Invokes the integration's function with a payload format 2.0 event. */
  readonly invoke: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2 | undefined>;
}

/**
 * An HTTP API of the app on this machine, as its template defines it: its routes (`RouteKey`,
 * `AuthorizationType`, the authorizer), its JWT authorizer (issuer and audiences; the token checked
 * by jwt-authorizer.ts), and its CORS configuration, which API Gateway applies itself: it answers
 * preflight OPTIONS requests without calling a route and adds the CORS headers to the integration's
 * responses ("Configure CORS for HTTP APIs in API Gateway"). Routes with IAM authorization are for
 * SigV4-signed machines, which the browser site never is: they answer 403 here.
 */
export class LocalHttpApi {
  private readonly routes: ApiRoute[];
  private readonly cors?: ApiCors;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    reader: SynthesizedAppReader,
    api: FoundResource,
    readonly url: string,
    private readonly options: LocalHttpApiOptions,
  ) {
    const apiId = reader.ref(api);
    const ofApi = (resource: FoundResource) =>
      deployedValue(resource.properties.ApiId, resource.stack) === apiId;
    const authorizers = reader.resources('AWS::ApiGatewayV2::Authorizer').filter(ofApi);
    this.routes = reader
      .resources('AWS::ApiGatewayV2::Route')
      .filter(ofApi)
      .map((route) => {
        const routeKey = String(route.properties.RouteKey);
        const [method = '', path = ''] = routeKey.split(' ');
        const authorization = String(
          route.properties.AuthorizationType ?? 'NONE',
        ) as ApiRoute['authorization'];
        const authorizerId =
          route.properties.AuthorizerId === undefined
            ? undefined
            : deployedValue(route.properties.AuthorizerId, route.stack);
        const authorizer = authorizers.find((candidate) => reader.ref(candidate) === authorizerId);
        const jwt = authorizer?.properties.JwtConfiguration as
          | { Issuer: unknown; Audience: unknown[] }
          | undefined;
        return {
          method,
          path,
          routeKey,
          authorization,
          scopes: ((route.properties.AuthorizationScopes ?? []) as string[]).map(String),
          ...(authorizer &&
            jwt && {
              authorizer: {
                issuer: options.issuer(String(deployedValue(jwt.Issuer, authorizer.stack))),
                audience: jwt.Audience.map((entry) => String(deployedValue(entry, authorizer.stack))),
                identitySource: String((authorizer.properties.IdentitySource as string[])[0] ?? ''),
              },
            }),
        };
      });
    const cors = api.properties.CorsConfiguration as Record<string, unknown[] | number> | undefined;
    if (cors) {
      const list = (value: unknown) =>
        ((value ?? []) as unknown[]).map((entry) => String(deployedValue(entry, api.stack)));
      this.cors = {
        allowOrigins: list(cors.AllowOrigins).map(options.localOrigin),
        allowHeaders: list(cors.AllowHeaders).map((name) => name.toLowerCase()),
        allowMethods: list(cors.AllowMethods),
        ...(typeof cors.MaxAge === 'number' && { maxAge: cors.MaxAge }),
      };
    }
  }

  async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const origin = request.headers.origin;
    const allowed =
      origin !== undefined && this.cors?.allowOrigins.some((o) => o === '*' || o === origin) === true;
    const corsHeaders: Record<string, string> = allowed
      ? { 'access-control-allow-origin': origin as string, vary: 'origin' }
      : {};
    if (request.method === 'OPTIONS' && this.cors && request.headers['access-control-request-method']) {
      const headers: Record<string, string> = allowed
        ? {
            ...corsHeaders,
            'access-control-allow-methods': this.cors.allowMethods.join(','),
            'access-control-allow-headers': this.cors.allowHeaders.join(','),
            ...(this.cors.maxAge !== undefined && { 'access-control-max-age': String(this.cors.maxAge) }),
          }
        : {};
      response.writeHead(204, headers).end();
      return;
    }
    const method = (request.method ?? 'GET').toUpperCase();
    const route = this.routes.find(
      (candidate) => candidate.method === method && pathMatches(candidate.path, url.pathname),
    );
    if (!route) return send(response, 404, { message: 'Not Found' }, corsHeaders);
    const body = await readRequestBody(request);
    const event = functionUrlEvent(
      { method, url, headers: request.headers as Record<string, string>, body },
      new Date(this.options.now()),
    );
    let authorizer: APIGatewayEventRequestContextJWTAuthorizer | undefined;
    if (route.authorization === 'AWS_IAM') return send(response, 403, { message: 'Forbidden' }, corsHeaders);
    if (route.authorization === 'JWT' && route.authorizer) {
      const name = route.authorizer.identitySource.replace(/^\$request\.header\./i, '').toLowerCase();
      try {
        const { claims, scopes } = await authorizeJwt(
          event.headers[name],
          route.authorizer,
          this.options.keys,
          new Date(this.options.now()),
          route.scopes,
        );
        authorizer = { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [...scopes] } };
      } catch (error) {
        if (error instanceof Unauthorized)
          return send(response, 401, { message: 'Unauthorized' }, corsHeaders);
        throw error;
      }
    }
    const integrationEvent: APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer = {
      ...event,
      routeKey: route.routeKey,
      pathParameters: pathParameters(route.path, url.pathname),
      requestContext: {
        ...event.requestContext,
        routeKey: route.routeKey,
        ...(authorizer && { authorizer }),
      },
    };
    // One invocation at a time: the handler's log capture is per process (handler-output.ts).
    const run = this.queue.then(() => this.options.invoke(integrationEvent));
    this.queue = run.catch(() => undefined);
    let result: APIGatewayProxyStructuredResultV2 | undefined;
    try {
      result = await run;
    } catch {
      // A function error (Lambda developer guide, "Handling Lambda errors with an API Gateway API").
      return send(response, 500, { message: 'Internal Server Error' }, corsHeaders);
    }
    const answer = functionUrlResponse(result);
    response.writeHead(answer.statusCode, { ...answer.headers, ...corsHeaders });
    response.end(answer.body);
  }
}

function pathMatches(pattern: string, path: string): boolean {
  return pathParameters(pattern, path) !== undefined;
}

function pathParameters(pattern: string, path: string): Record<string, string> | undefined {
  const expected = pattern.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) return undefined;
  const parameters: Record<string, string> = {};
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i] as string;
    const got = actual[i] as string;
    if (want.startsWith('{') && want.endsWith('}') && got !== '')
      parameters[want.slice(1, -1)] = decodeURIComponent(got);
    else if (want !== got) return undefined;
  }
  return parameters;
}

function send(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  response.writeHead(status, { ...headers, 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
