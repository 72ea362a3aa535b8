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
import { RemediationLedger } from '../../../lambda/remediation/envelope/remediation-ledger';
import type { RemediationPlan } from '../../../lambda/remediation/remediation-types';
import { httpEvent } from '../support/http-events';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';
import { createLedgerTable, testRequest } from './support/ledger-table';

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
let dynamo: LocalDynamoDb;
let ledger: RemediationLedger;
let callback: ReturnType<typeof createApprovalCallback>;

/** The plan of the rollback the run waits to make, as the envelope stores it before asking. */
const PLAN: RemediationPlan = {
  calls: [
    {
      service: 'lambda',
      action: 'UpdateAlias',
      parameters: {
        FunctionName: 'vigil-dev-predictor-api',
        Name: 'live',
        FunctionVersion: '6',
        RevisionId: 'rev-7',
      },
      reason: 'point live back from version 7 to version 6',
    },
  ],
};

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  ledger = new RemediationLedger(dynamo.clients.dynamoDb, await createLedgerTable(dynamo.endpoint));
  callback = createApprovalCallback({
    links,
    runs: ledger,
    stepFunctions: new SFNClient({ region: 'eu-west-1' }),
    now: () => now,
  });
  // The run as the envelope leaves it while it waits: admitted, then its plan stored with the request.
  const request = testRequest({ runId: RUN_ID, approval: true, severity: 'warning' });
  await ledger.recordDecision(request, { admitted: true });
  await ledger.recordApprovalRequest(RUN_ID, PLAN, {
    requestedAt: NOW.toISOString(),
    expiresAt: EXPIRES_AT.toISOString(),
  });
});

afterAll(() => dynamo.close());

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
  runId = RUN_ID,
): Promise<APIGatewayProxyEventV2> {
  const url = new URL(
    await links.link(APPROVAL_URL, { runId, taskToken: TASK_TOKEN, decision, expiresAt: EXPIRES_AT }),
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

  test('the page shows what is decided: target, playbook, mode, alarm and the exact calls', async () => {
    const response = await answer(await opened('GET', 'approve'));
    const body = response.body ?? '';
    expect(body).toContain(
      '<tr><th scope="row">Target</th><td>Lambda alias vigil-dev-predictor-api:live</td></tr>',
    );
    expect(body).toContain('<tr><th scope="row">Playbook</th><td>lambda-alias-rollback</td></tr>');
    expect(body).toContain(
      '<tr><th scope="row">Mode</th><td>enforce: the calls are made once approved</td></tr>',
    );
    expect(body).toContain(
      '<tr><th scope="row">Alarm</th><td>vigil-dev-predictor-api-errors (warning)</td></tr>',
    );
    expect(body).toContain('<li>point live back from version 7 to version 6 (lambda UpdateAlias)<pre>');
    expect(body).toContain('&quot;FunctionVersion&quot;: &quot;6&quot;');
    expect(body).toContain('&quot;RevisionId&quot;: &quot;rev-7&quot;');
  });

  test('a dry-run plan says approving changes nothing', async () => {
    const runId = 'fedcba9876543210fedcba9876543210';
    await ledger.recordDecision(testRequest({ runId, mode: 'dry-run', approval: true }), { admitted: true });
    await ledger.recordApprovalRequest(runId, PLAN, {
      requestedAt: NOW.toISOString(),
      expiresAt: EXPIRES_AT.toISOString(),
    });
    const body = (await answer(await opened('GET', 'approve', {}, runId))).body ?? '';
    expect(body).toContain('dry-run: the calls are only recorded, even if approved');
  });

  test('a run that already ended: no button, and its outcome', async () => {
    const runId = '00000000000000000000000000000abc';
    const request = testRequest({ runId, approval: true });
    await ledger.recordDecision(request, { admitted: true });
    await ledger.recordOutcome('approval-timed-out', { request, plan: PLAN });
    const response = await answer(await opened('GET', 'approve', {}, runId));
    expect(response.statusCode).toBe(410);
    expect(response.body).toContain(`Run ${runId} ended as approval-timed-out`);
    expect(response.body).not.toContain('<form');
  });

  test('a run the ledger does not know still gets its button, with the reason details are missing', async () => {
    const runId = '11111111111111111111111111111111';
    const response = await answer(await opened('GET', 'deny', {}, runId));
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('the remediation ledger has no record of this run');
    expect(response.body).toContain('<button type="submit">Deny</button>');
  });

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
