import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorizeJwt } from '../../../scripts/local-loop/jwt-authorizer';
import { LocalTokenIssuer } from '../../../scripts/local-loop/local-token-issuer';

const SITE = 'http://localhost:4781/';
const CLIENT = 'localsiteclient0000000000a';
const USER = { email: 'analyst@example.org', password: 'Local-analyst-1!' };
const VERIFIER = 'a-verifier-of-at-least-forty-three-characters-long';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

let now = Date.parse('2026-12-07T10:00:00Z');
let server: http.Server;
let issuer: LocalTokenIssuer;

beforeAll(async () => {
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = await LocalTokenIssuer.create(
    url,
    { clientId: CLIENT, callbackUrls: [SITE], idTokenSeconds: 3600 },
    [{ ...USER, resultsMail: 'off' }],
    () => now,
  );
  server.on('request', (request, response) => void issuer.handle(request, response));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const authorizeRequest = (overrides: Record<string, string> = {}) =>
  new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT,
    redirect_uri: SITE,
    state: 's1',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...overrides,
  });

async function code(overrides: Record<string, string> = {}): Promise<string> {
  const form = authorizeRequest({ username: USER.email, password: USER.password, ...overrides });
  const response = await fetch(`${issuer.url}/oauth2/authorize`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const location = new URL(response.headers.get('location') ?? 'http://missing/');
  expect(location.searchParams.get('state')).toBe('s1');
  return location.searchParams.get('code') as string;
}

const token = (form: Record<string, string>) =>
  fetch(`${issuer.url}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: CLIENT, ...form }),
  });

test("the code and its verifier give an ID token that passes API Gateway's JWT checks, with Cognito's claims", async () => {
  const response = await token({
    grant_type: 'authorization_code',
    code: await code(),
    redirect_uri: SITE,
    code_verifier: VERIFIER,
  });
  const body = (await response.json()) as {
    id_token: string;
    refresh_token: string;
    expires_in: number;
    token_type: string;
  };
  expect(response.status).toBe(200);
  expect(body).toMatchObject({ expires_in: 3600, token_type: 'Bearer' });
  const { claims } = await authorizeJwt(
    `Bearer ${body.id_token}`,
    { issuer: issuer.url, audience: [CLIENT] },
    issuer.keys,
    new Date(now),
  );
  expect(claims).toMatchObject({
    aud: CLIENT,
    token_use: 'id',
    email: USER.email,
    email_verified: 'true',
    'custom:results_mail': 'off',
  });
  // The refresh grant gives a new ID token and no new refresh token.
  const refreshed = (await (
    await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token })
  ).json()) as Record<string, unknown>;
  expect(typeof refreshed.id_token).toBe('string');
  expect(refreshed.refresh_token).toBeUndefined();
});

test.each([
  ['a wrong verifier', { code_verifier: 'another-verifier-of-at-least-forty-three-characters' }],
  ['another redirect_uri', { redirect_uri: 'http://localhost:9999/' }],
])('refused with invalid_grant: %s', async (_name, change) => {
  const response = await token({
    grant_type: 'authorization_code',
    code: await code(),
    redirect_uri: SITE,
    code_verifier: VERIFIER,
    ...change,
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({ error: 'invalid_grant' });
});

test('a code is good once, and for five minutes', async () => {
  const once = await code();
  const form = { grant_type: 'authorization_code', redirect_uri: SITE, code_verifier: VERIFIER };
  expect((await token({ ...form, code: once })).status).toBe(200);
  expect((await token({ ...form, code: once })).status).toBe(400);
  const late = await code();
  now += 301_000;
  expect((await token({ ...form, code: late })).status).toBe(400);
});

test.each([
  ['no PKCE challenge', { code_challenge: '' }, /PKCE/],
  ['the plain challenge method', { code_challenge_method: 'plain' }, /S256/],
  ['an unregistered callback', { redirect_uri: 'https://evil.example.org/' }, /redirect_uri/],
  ['another client', { client_id: 'someone-else' }, /client_id/],
])('the authorize endpoint refuses %s', async (_name, change, message) => {
  const response = await fetch(`${issuer.url}/oauth2/authorize?${authorizeRequest(change)}`);
  expect(response.status).toBe(400);
  expect(await response.text()).toMatch(message);
});

test("a wrong password shows Cognito's message and sends no code", async () => {
  const form = authorizeRequest({ username: USER.email, password: 'wrong' });
  const response = await fetch(`${issuer.url}/oauth2/authorize`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  expect(response.headers.get('location')).toBeNull();
  expect(await response.text()).toContain('Incorrect username or password.');
});
