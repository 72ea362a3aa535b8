import { createHash, randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import { exportJWK, generateKeyPair, type JSONWebKeySet, type KeyLike, SignJWT } from 'jose';
import { RESULTS_MAIL_OPT_OUT } from '../../constructs/contracts/predictor';
import { escapeHtml } from './console/html';
import { readRequestBody } from './request-body';

/** Someone who may sign in locally. */
export interface LocalUser {
  readonly email: string;
  readonly password: string;
  /** The user pool's `custom:results_mail` attribute (`off` opts out of the results mail). */
  readonly resultsMail?: string;
}

/** The app client the site signs in with, as the template sets it. */
export interface LocalAppClient {
  readonly clientId: string;
  /** Its callback (and sign-out) URLs, already mapped to this machine's. */
  readonly callbackUrls: readonly string[];
  /** `IdTokenValidity` in seconds. */
  readonly idTokenSeconds: number;
}

interface IssuedCode {
  readonly user: LocalUser;
  readonly sub: string;
  readonly redirectUri: string;
  readonly challenge: string;
  readonly expiresAt: number;
}

// "The authorization code is valid for five minutes" ("The authorize endpoint", Cognito developer guide).
const CODE_SECONDS = 300;

/**
 * The user pool's sign-in endpoints on this machine, for the upload site of the local run: the
 * authorization code grant with PKCE at `/oauth2/authorize` (a sign-in form in place of managed
 * login) and `/oauth2/token`, `/logout`, and the signing keys at `/.well-known/jwks.json`. Tokens
 * are RS256 JWTs shaped as Cognito's ("Understanding the identity (ID) token": `sub`, `aud` the app
 * client, `iss`, `token_use`, `cognito:username`, `email`, `email_verified`, `auth_time`, `iat`,
 * `exp`, custom attributes as `custom:<name>`), signed with a key made for this run. The API stand-in
 * checks them with the authorizer's steps (jwt-authorizer.ts), exactly as API Gateway checks
 * Cognito's.
 */
export class LocalTokenIssuer {
  private readonly codes = new Map<string, IssuedCode>();
  private readonly refreshTokens = new Map<string, { user: LocalUser; sub: string }>();
  private readonly subs = new Map<string, string>();

  private constructor(
    /** The issuer URL (`iss`); the authorizer is configured with it. */
    readonly url: string,
    readonly keys: JSONWebKeySet,
    private readonly privateKey: KeyLike,
    private readonly client: LocalAppClient,
    private readonly users: readonly LocalUser[],
    private readonly now: () => number,
  ) {}

  static async create(
    url: string,
    client: LocalAppClient,
    users: readonly LocalUser[],
    now: () => number,
  ): Promise<LocalTokenIssuer> {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
    return new LocalTokenIssuer(url.replace(/\/$/, ''), { keys: [jwk] }, privateKey, client, users, now);
  }

  async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const origin = request.headers.origin;
    // The token endpoint is called from the page (cross-origin): answered for the client's origins.
    const cors: Record<string, string> =
      origin !== undefined && this.client.callbackUrls.some((callback) => new URL(callback).origin === origin)
        ? { 'access-control-allow-origin': origin, vary: 'Origin' }
        : {};
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'Content-Type',
      });
      response.end();
      return;
    }
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /.well-known/jwks.json':
        return json(response, 200, this.keys, cors);
      case 'GET /oauth2/authorize':
        return this.authorizePage(response, url.searchParams);
      case 'POST /oauth2/authorize':
        return this.signIn(response, new URLSearchParams((await readRequestBody(request)).toString('utf8')));
      case 'POST /oauth2/token':
        return json(
          response,
          ...(await this.token(new URLSearchParams((await readRequestBody(request)).toString('utf8')))),
          cors,
        );
      case 'GET /logout': {
        const logoutUri = url.searchParams.get('logout_uri') ?? '';
        if (!this.client.callbackUrls.includes(logoutUri))
          return html(
            response,
            400,
            page('Sign-out refused', 'logout_uri is not a sign-out URL of this client.'),
          );
        response.writeHead(302, { location: logoutUri }).end();
        return;
      }
    }
    json(response, 404, { error: 'not_found' }, cors);
  }

  /** The sign-in form, after the checks Cognito makes of the request ("The authorize endpoint"). */
  private authorizePage(response: http.ServerResponse, query: URLSearchParams, failure?: string): void {
    const problem = this.checkAuthorizeRequest(query);
    if (problem) {
      html(response, 400, page('Sign-in refused', problem));
      return;
    }
    const hidden = [
      'response_type',
      'client_id',
      'redirect_uri',
      'state',
      'scope',
      'code_challenge',
      'code_challenge_method',
    ]
      .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(query.get(name) ?? '')}">`)
      .join('');
    html(
      response,
      200,
      page(
        'Sign in',
        `${failure ? `<p class="error">${escapeHtml(failure)}</p>` : ''}<form method="post" action="/oauth2/authorize">${hidden}
<label>Email <input name="username" type="email" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form><p class="note">The local run's sign-in, standing in for the user pool's managed login.</p>`,
      ),
    );
  }

  private checkAuthorizeRequest(query: URLSearchParams): string | undefined {
    if (query.get('response_type') !== 'code') return 'response_type must be code.';
    if (query.get('client_id') !== this.client.clientId)
      return "client_id is not this user pool's site client.";
    if (!this.client.callbackUrls.includes(query.get('redirect_uri') ?? ''))
      return 'redirect_uri is not a callback URL of this client.';
    if (query.get('code_challenge_method') !== 'S256' || !query.get('code_challenge')) {
      return 'code_challenge with code_challenge_method S256 is required (PKCE).';
    }
    return undefined;
  }

  private signIn(response: http.ServerResponse, form: URLSearchParams): void {
    const problem = this.checkAuthorizeRequest(form);
    if (problem) {
      html(response, 400, page('Sign-in refused', problem));
      return;
    }
    const user = this.users.find(
      (candidate) =>
        candidate.email.toLowerCase() === (form.get('username') ?? '').toLowerCase() &&
        candidate.password === form.get('password'),
    );
    // Cognito's wording, the same for an unknown user and a wrong password (preventUserExistenceErrors).
    if (!user) {
      this.authorizePage(response, form, 'Incorrect username or password.');
      return;
    }
    const code = randomUUID();
    const redirectUri = form.get('redirect_uri') as string;
    this.codes.set(code, {
      user,
      sub: this.subOf(user),
      redirectUri,
      challenge: form.get('code_challenge') as string,
      expiresAt: this.now() + CODE_SECONDS * 1000,
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    const state = form.get('state');
    if (state !== null) target.searchParams.set('state', state);
    response.writeHead(302, { location: target.toString() }).end();
  }

  /** The token endpoint ("The token endpoint", Cognito developer guide): its answers and its errors. */
  private async token(form: URLSearchParams): Promise<[number, unknown]> {
    if (form.get('client_id') !== this.client.clientId) return [400, { error: 'invalid_client' }];
    const grant = form.get('grant_type');
    if (grant === 'refresh_token') {
      const session = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!session) return [400, { error: 'invalid_grant' }];
      return [200, await this.tokens(session.user, session.sub)];
    }
    if (grant !== 'authorization_code') return [400, { error: 'unsupported_grant_type' }];
    const code = this.codes.get(form.get('code') ?? '');
    this.codes.delete(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    if (
      !code ||
      code.expiresAt < this.now() ||
      code.redirectUri !== form.get('redirect_uri') ||
      createHash('sha256').update(verifier).digest('base64url') !== code.challenge
    ) {
      return [400, { error: 'invalid_grant' }];
    }
    const refreshToken = randomUUID();
    this.refreshTokens.set(refreshToken, { user: code.user, sub: code.sub });
    return [200, { ...(await this.tokens(code.user, code.sub)), refresh_token: refreshToken }];
  }

  private async tokens(user: LocalUser, sub: string) {
    const issuedAt = Math.floor(this.now() / 1000);
    const expiresAt = issuedAt + this.client.idTokenSeconds;
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: this.keys.keys[0]?.kid as string })
        .setIssuer(this.url)
        .setSubject(sub)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(randomUUID())
        .sign(this.privateKey);
    const id_token = await sign({
      aud: this.client.clientId,
      token_use: 'id',
      'cognito:username': sub,
      email: user.email,
      email_verified: true,
      auth_time: issuedAt,
      ...(user.resultsMail !== undefined && { [RESULTS_MAIL_OPT_OUT.claim]: user.resultsMail }),
    });
    const access_token = await sign({
      client_id: this.client.clientId,
      token_use: 'access',
      scope: 'openid email',
      username: sub,
      auth_time: issuedAt,
    });
    return { id_token, access_token, token_type: 'Bearer', expires_in: this.client.idTokenSeconds };
  }

  private subOf(user: LocalUser): string {
    let sub = this.subs.get(user.email);
    if (!sub) {
      sub = randomUUID();
      this.subs.set(user.email, sub);
    }
    return sub;
  }
}

function json(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

function html(response: http.ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://localhost:* http://127.0.0.1:*; frame-ancestors 'none'",
    'cache-control': 'no-store',
  });
  response.end(body);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.75rem 0}input{display:block;width:100%;padding:.4rem;margin-top:.25rem}button{padding:.5rem 1rem}.error{color:#a4262c}.note{color:#5b6475;font-size:.875rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
