import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { authorizeJwt, Unauthorized } from '../../../scripts/local-loop/jwt-authorizer';

// The checks "Control access to HTTP APIs with JWT authorizers in API Gateway" lists, one by one.
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example';
const CLIENT = '1example23456789';
const NOW = new Date('2026-12-07T10:00:00Z');
const seconds = NOW.getTime() / 1000;

let keys: { keys: Record<string, unknown>[] };
let sign: (claims: JWTPayload, header?: { kid?: string; alg?: string }) => Promise<string>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  keys = { keys: [{ ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256' }] };
  sign = (claims, header = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'key-1', ...header }).sign(privateKey);
});

const valid = (): JWTPayload => ({
  iss: ISSUER,
  aud: CLIENT,
  sub: 'user-1',
  email: 'a@example.org',
  iat: seconds - 60,
  exp: seconds + 3600,
});
const authorize = (token: string | undefined, scopes: string[] = []) =>
  authorizeJwt(token, { issuer: ISSUER, audience: [CLIENT] }, keys as never, NOW, scopes);

test('a valid ID token, with or without the Bearer prefix, passes its claims on as strings', async () => {
  const token = await sign({ ...valid(), email_verified: true, groups: ['a', 'b'] });
  for (const source of [token, `Bearer ${token}`]) {
    const { claims } = await authorize(source);
    expect(claims).toMatchObject({
      sub: 'user-1',
      email: 'a@example.org',
      email_verified: 'true',
      groups: '[a b]',
      exp: String(seconds + 3600),
    });
  }
});

test.each([
  ['no token', async () => undefined, /no token/],
  ['not a JWT', async () => 'not-a-jwt', /not a JWT/],
  ['a kid the issuer does not have', () => sign(valid(), { kid: 'other' }), /kid/],
  ['another issuer', () => sign({ ...valid(), iss: 'https://evil.example.org' }), /failed validation/],
  ['another audience', () => sign({ ...valid(), aud: 'someone-else' }), /aud/],
  ['expired', () => sign({ ...valid(), exp: seconds - 1 }), /failed validation/],
  ['not yet valid (nbf)', () => sign({ ...valid(), nbf: seconds + 600 }), /failed validation/],
  ['issued in the future (iat)', () => sign({ ...valid(), iat: seconds + 600 }), /future/],
  ['no expiry', () => sign({ iss: ISSUER, aud: CLIENT, sub: 'x' }), /failed validation/],
])('refused: %s', async (_name, token, reason) => {
  await expect(authorize(await token())).rejects.toThrow(Unauthorized);
  await expect(authorize(await token())).rejects.toThrow(reason);
});

test('a token signed with another key (same kid) is refused', async () => {
  const other = await generateKeyPair('RS256');
  const forged = await new SignJWT(valid())
    .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
    .sign(other.privateKey);
  await expect(authorize(forged)).rejects.toThrow(/signature/);
});

test('a token with a symmetric algorithm is refused: only RSA-based algorithms are supported', async () => {
  const hmac = await new SignJWT(valid())
    .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
    .sign(new Uint8Array(32));
  await expect(authorize(hmac)).rejects.toThrow(/not RSA-based/);
});

test('client_id is read only when there is no aud', async () => {
  const { aud: _aud, ...withoutAud } = valid();
  await expect(authorize(await sign({ ...withoutAud, client_id: CLIENT }))).resolves.toBeDefined();
  // With aud present, API Gateway evaluates aud: a matching client_id does not rescue a wrong aud.
  await expect(authorize(await sign({ ...valid(), aud: 'someone-else', client_id: CLIENT }))).rejects.toThrow(
    /aud/,
  );
});

test("a route with scopes needs one of them in the token's scope claim", async () => {
  const token = await sign({ ...valid(), scope: 'openid email' });
  await expect(authorize(token, ['email'])).resolves.toMatchObject({ scopes: ['openid', 'email'] });
  await expect(authorize(token, ['admin'])).rejects.toThrow(/scopes/);
});
