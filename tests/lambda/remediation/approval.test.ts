import '../support/test-environment';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  InvalidToken,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createApprovalCallback } from '../../../lambda/remediation/approval/approval-callback';
import { type ApprovalDecision, ApprovalLinks } from '../../../lambda/remediation/envelope/approval-links';
import { httpEvent } from '../support/http-events';

const APPROVAL_URL = 'https://abc123.lambda-url.eu-west-1.on.aws/';
const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAZ+task/token==';
const RUN_ID = '0123456789abcdef0123456789abcdef';
const NOW = new Date('2026-11-23T03:20:00.000Z');
const EXPIRES_AT = new Date('2026-11-23T04:20:00.000Z');

const secrets = mockClient(SecretsManagerClient);
const sfn = mockClient(SFNClient);
const links = new ApprovalLinks({
  secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vigil-approval-AbCdEf',
});
let now = NOW;
const callback = createApprovalCallback({
  links,
  stepFunctions: new SFNClient({ region: 'eu-west-1' }),
  now: () => now,
});

beforeEach(() => {
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'approval-signing-key-'.repeat(2) });
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  now = NOW;
});

/** The request a function URL receives when a link (or its confirm button) is used. */
async function opened(
  method: 'GET' | 'POST' | 'HEAD' | 'PUT',
  decision: ApprovalDecision,
  change: Record<string, string> = {},
): Promise<APIGatewayProxyEventV2> {
  const url = new URL(
    await links.link(APPROVAL_URL, { runId: RUN_ID, taskToken: TASK_TOKEN, decision, expiresAt: EXPIRES_AT }),
  );
  for (const [name, value] of Object.entries(change)) url.searchParams.set(name, value);
  return {
    ...httpEvent(method, '/'),
    rawQueryString: url.search.slice(1),
    queryStringParameters: Object.fromEntries(url.searchParams),
  };
}

async function answer(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const response = await callback(event);
  expect(response.headers).toMatchObject({
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  });
  return response;
}

const sentOutputs = () =>
  sfn.commandCalls(SendTaskSuccessCommand).map((call) => ({
    taskToken: call.args[0].input.taskToken,
    output: JSON.parse(call.args[0].input.output ?? 'null'),
  }));

describe('a valid link', () => {
  test.each([
    ['approve', true, 'Approved'],
    ['deny', false, 'Denied'],
  ] as const)(
    'confirmed (POST) to %s: the task succeeds with approved %s',
    async (decision, approved, title) => {
      const response = await answer(await opened('POST', decision));
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain(`<h1>${title}</h1>`);
      expect(sentOutputs()).toEqual([
        { taskToken: TASK_TOKEN, output: { approved, decidedBy: 'link', decidedAt: NOW.toISOString() } },
      ]);
    },
  );

  test.each(['GET', 'HEAD'] as const)(
    'opened (%s) only asks for confirmation, so mail scanners decide nothing',
    async (method) => {
      const event = await opened(method, 'approve');
      const response = await answer(event);
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain(`<h1>Approve self-healing run ${RUN_ID}?</h1>`);
      // The button posts the very same signed query back.
      expect(response.body).toContain(
        `<form method="post" action="?${event.rawQueryString.replace(/&/g, '&amp;')}"><button type="submit">Approve</button></form>`,
      );
      expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    },
  );

  test('other methods are refused', async () => {
    const response = await answer(await opened('PUT', 'approve'));
    expect(response.statusCode).toBe(405);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });
});

describe('a link that is not valid: the reason, and no Step Functions call', () => {
  test('expired: 410', async () => {
    now = EXPIRES_AT;
    const response = await answer(await opened('POST', 'approve'));
    expect(response.statusCode).toBe(410);
    expect(response.body).toContain('<h1>This link has expired</h1>');
    expect(response.body).toContain('The link expired at 2026-11-23T04:20:00.000Z; no answer counts as deny');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  test.each([
    [
      'a deny turned into an approve',
      'deny',
      { decision: 'approve' },
      'The link was changed after Vigil signed it',
    ],
    ['a pushed expiry', 'approve', { expires: '9999999999' }, 'The link was changed after Vigil signed it'],
    [
      'an unknown decision',
      'approve',
      { decision: '<b>yes</b>' },
      '&quot;&lt;b&gt;yes&lt;/b&gt;&quot; is not a decision',
    ],
  ] as const)('%s: 403', async (_case, decision, change, reason) => {
    const response = await answer(await opened('POST', decision, change));
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('<h1>This link is not valid</h1>');
    expect(response.body).toContain(reason);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  test('no query string at all: 403', async () => {
    const response = await answer(httpEvent('GET', '/'));
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('The link is incomplete: run, decision, expires, token, sig missing');
  });
});

describe('a run that no longer waits', () => {
  test.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'no task', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'Invalid Token', $metadata: {} })],
  ])('%s: 410, this request already ended', async (_name, error) => {
    sfn.on(SendTaskSuccessCommand).rejects(error);
    const response = await answer(await opened('POST', 'approve'));
    expect(response.statusCode).toBe(410);
    expect(response.body).toContain('<h1>This request already ended</h1>');
  });

  test('Step Functions unreachable: 500 asking to try again', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new Error('socket hang up'));
    const response = await answer(await opened('POST', 'deny'));
    expect(response.statusCode).toBe(500);
    expect(response.body).toContain('Try the link again');
  });
});
