import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';

/** An HTTP API's JWT authorizer as its template configures it. */
export interface JwtAuthorizerConfig {
  /** `JwtConfiguration.Issuer`. */
  readonly issuer: string;
  /** `JwtConfiguration.Audience`. */
  readonly audience: readonly string[];
}

/** A token the authorizer accepted: the claims the integration receives. */
export interface AuthorizedJwt {
  readonly claims: Record<string, string>;
  readonly scopes: readonly string[];
}

/** A request the authorizer refused; API Gateway answers 401 `{"message":"Unauthorized"}`. */
export class Unauthorized extends Error {
  override readonly name = 'Unauthorized';
}

/**
 * API Gateway's JWT authorizer for HTTP APIs, step by step as "Control access to HTTP APIs with JWT
 * authorizers in API Gateway" (API Gateway developer guide) lists it: the token from the identity
 * source, alone or prefixed with `Bearer`; decoded; its algorithm RSA-based and its signature
 * checked with the issuer's keys, chosen by `kid`; `iss` equal to the configured issuer; `aud` one of
 * the configured audiences, or, only when there is no `aud`, `client_id`; `exp` after now, `nbf` and
 * `iat` before now; at least one of the route's scopes in `scope`/`scp` when the route has any. Any
 * failed step refuses the request. The local run's API stand-in authorizes with this, against the
 * local token issuer's keys, so a token the site gets locally passes the same checks as in AWS.
 */
export async function authorizeJwt(
  identitySource: string | undefined,
  config: JwtAuthorizerConfig,
  keys: JSONWebKeySet,
  now: Date,
  routeScopes: readonly string[] = [],
): Promise<AuthorizedJwt> {
  const token = identitySource?.replace(/^Bearer\s+/i, '').trim();
  if (!token) throw new Unauthorized('no token in the Authorization header');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new Unauthorized('the token is not a JWT');
  }
  // "Currently, only RSA-based algorithms are supported."
  if (!/^(RS|PS)(256|384|512)$/.test(header.alg ?? '')) {
    throw new Unauthorized(`the token's algorithm ${header.alg} is not RSA-based`);
  }
  if (header.kid === undefined || !keys.keys.some((key) => key.kid === header.kid)) {
    throw new Unauthorized("the token's kid is not one of the issuer's keys");
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(keys), {
      issuer: config.issuer,
      currentDate: now,
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    throw new Unauthorized(`the token failed validation: ${(error as Error).message}`);
  }
  const seconds = now.getTime() / 1000;
  if (typeof payload.iat === 'number' && payload.iat > seconds)
    throw new Unauthorized('the token is issued in the future');
  const audiences =
    payload.aud !== undefined
      ? [payload.aud].flat()
      : payload.client_id !== undefined
        ? [payload.client_id]
        : [];
  if (!audiences.some((audience) => config.audience.includes(String(audience)))) {
    throw new Unauthorized("the token's aud (or client_id) is not one of the authorizer's audiences");
  }
  const scopes = String(payload.scope ?? payload.scp ?? '')
    .split(' ')
    .filter(Boolean);
  if (routeScopes.length > 0 && !routeScopes.some((scope) => scopes.includes(scope))) {
    throw new Unauthorized("the token has none of the route's scopes");
  }
  return { claims: claimsAsStrings(payload), scopes };
}

/**
 * The claims as the integration sees them: the payload format 2.0 example shows each claim as a
 * string ("Working with AWS Lambda proxy integrations for HTTP APIs"). How API Gateway writes a
 * number or an array there is not documented; numbers and booleans are written as JSON writes them,
 * arrays as `[a b]`.
 */
function claimsAsStrings(payload: Record<string, unknown>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    claims[name] = Array.isArray(value)
      ? `[${value.join(' ')}]`
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  }
  return claims;
}
