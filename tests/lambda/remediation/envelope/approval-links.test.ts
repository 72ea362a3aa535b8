import '../../support/test-environment';
import { createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { ApprovalLinks, type LinkQuery } from '../../../../lambda/remediation/envelope/approval-links';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vigil-approval-AbCdEf';
const KEY = 'k'.repeat(32);
const APPROVAL_URL = 'https://abc123.lambda-url.eu-west-1.on.aws/';
const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAZ+/token==';
const RUN_ID = '0123456789abcdef0123456789abcdef';
const NOW = new Date('2026-11-23T03:20:00.000Z');
const EXPIRES_AT = new Date('2026-11-23T04:20:00.000Z');

const secrets = mockClient(SecretsManagerClient);
let clock = NOW.getTime();
let links: ApprovalLinks;

beforeEach(() => {
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: KEY });
  clock = NOW.getTime();
  links = new ApprovalLinks({
    secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    secretArn: SECRET_ARN,
    now: () => clock,
  });
});

async function queryOf(
  decision: 'approve' | 'deny',
  expiresAt = EXPIRES_AT,
): Promise<Record<string, string>> {
  const url = await links.link(APPROVAL_URL, { runId: RUN_ID, taskToken: TASK_TOKEN, decision, expiresAt });
  return Object.fromEntries(new URL(url).searchParams);
}

test('a link names the run, decision, expiry, token and signature, and nothing else', async () => {
  const url = await links.link(APPROVAL_URL, {
    runId: RUN_ID,
    taskToken: TASK_TOKEN,
    decision: 'approve',
    expiresAt: EXPIRES_AT,
  });
  const parsed = new URL(url);
  expect(`${parsed.origin}${parsed.pathname}`).toBe(APPROVAL_URL);
  const expires = String(EXPIRES_AT.getTime() / 1000);
  const signature = createHmac('sha256', KEY).update(`${TASK_TOKEN}|approve|${expires}|${RUN_ID}`).digest();
  expect(Object.fromEntries(parsed.searchParams)).toEqual({
    run: RUN_ID,
    decision: 'approve',
    expires,
    token: Buffer.from(TASK_TOKEN).toString('base64url'),
    sig: signature.toString('base64url'),
  });
  expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ARN });
});

test('a valid link gives back the run, decision and task token', async () => {
  expect(await links.verifyLink(await queryOf('deny'), NOW)).toEqual({
    valid: true,
    runId: RUN_ID,
    decision: 'deny',
    taskToken: TASK_TOKEN,
    expiresAt: EXPIRES_AT,
  });
});

describe('refused links, each with its reason', () => {
  test('a deny link turned into an approve', async () => {
    const query = { ...(await queryOf('deny')), decision: 'approve' };
    expect(await links.verifyLink(query, NOW)).toEqual({
      valid: false,
      reason: 'bad-signature',
      detail: 'the link was changed after Vigil signed it, or was not made by Vigil',
    });
  });

  test.each([
    ['run', 'ffffffffffffffffffffffffffffffff'],
    ['expires', String(EXPIRES_AT.getTime() / 1000 + 86_400)],
    ['token', Buffer.from('another-token').toString('base64url')],
    ['sig', Buffer.alloc(32).toString('base64url')],
    ['sig', 'short'],
  ])('a changed %s', async (field, value) => {
    const query = { ...(await queryOf('approve')), [field]: value };
    expect(await links.verifyLink(query, NOW)).toMatchObject({ valid: false, reason: 'bad-signature' });
  });

  test('a link signed with another key', async () => {
    const query = await queryOf('approve');
    const other = new ApprovalLinks({
      secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
      secretArn: SECRET_ARN,
    });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'x'.repeat(32) });
    expect(await other.verifyLink(query, NOW)).toMatchObject({ valid: false, reason: 'bad-signature' });
  });

  test('an expired link', async () => {
    const query = await queryOf('approve');
    expect(await links.verifyLink(query, EXPIRES_AT)).toEqual({
      valid: false,
      reason: 'expired',
      detail: 'the link expired at 2026-11-23T04:20:00.000Z; no answer counts as deny',
    });
  });

  test('a decision that is neither approve nor deny', async () => {
    const query = { ...(await queryOf('approve')), decision: 'maybe' };
    expect(await links.verifyLink(query, NOW)).toEqual({
      valid: false,
      reason: 'unknown-decision',
      detail: '"maybe" is not a decision; a link says approve or deny',
    });
  });

  test('an incomplete link', async () => {
    const { sig: _sig, token: _token, ...query }: LinkQuery = await queryOf('approve');
    expect(await links.verifyLink(query, NOW)).toEqual({
      valid: false,
      reason: 'malformed',
      detail: 'the link is incomplete: token, sig missing',
    });
  });

  test('an expiry that is not a number', async () => {
    const query = { ...(await queryOf('approve')), expires: 'tomorrow' };
    expect(await links.verifyLink(query, NOW)).toMatchObject({ valid: false, reason: 'malformed' });
  });
});

describe('the signing key', () => {
  test('is read once and reused for five minutes', async () => {
    await queryOf('approve');
    await queryOf('deny');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    clock += 5 * 60_000;
    await queryOf('deny');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('must be long enough to be a key', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    await expect(queryOf('approve')).rejects.toThrow(
      `secret ${SECRET_ARN} must hold a signing key of at least 16 characters`,
    );
  });
});
