import '../../support/test-environment';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { RemediationRun } from '../../../../lambda/remediation/envelope/remediation-ledger';
import { outcomeMessage, RunNotifier } from '../../../../lambda/remediation/envelope/run-notification';
import type { ActionResult, PlannedCall } from '../../../../lambda/remediation/remediation-types';
import { testRequest } from '../support/ledger-table';

const TOPICS = {
  critical: 'arn:aws:sns:eu-west-1:123456789012:vigil-critical',
  high: 'arn:aws:sns:eu-west-1:123456789012:vigil-high',
  warning: 'arn:aws:sns:eu-west-1:123456789012:vigil-warning',
  info: 'arn:aws:sns:eu-west-1:123456789012:vigil-info',
};
const sns = mockClient(SNSClient);
const notifier = new RunNotifier(new SNSClient({ region: 'eu-west-1' }), TOPICS);

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

const rollBack: PlannedCall = {
  service: 'lambda',
  action: 'UpdateAlias',
  parameters: { FunctionName: 'vigil-dev-predictor-api', Name: 'live', FunctionVersion: '6' },
  reason: 'point live back from version 7 to version 6',
};
const undo: PlannedCall = {
  ...rollBack,
  parameters: { ...rollBack.parameters, FunctionVersion: '7' },
  reason: 'point live forward to version 7 again',
};
const made = (call: PlannedCall): ActionResult => ({
  calls: [{ ...call, response: { AliasArn: 'arn' } }],
  completedAt: '2026-11-23T03:13:00.000Z',
});
const request = testRequest({ runId: 'abc123' });
const planned: RemediationRun = {
  request,
  targetState: { exists: true, tags: {} },
  admission: { admitted: true },
  plan: { calls: [rollBack] },
};

describe('what each outcome says', () => {
  test('dry run: the exact calls it would have made', () => {
    const { subject, text } = outcomeMessage('dry-run', {
      ...planned,
      request: { ...request, mode: 'dry-run' },
    });
    expect(subject).toBe('Self-healing dry run: vigil-dev-predictor-api-errors');
    expect(text).toBe(
      [
        'Alarm: vigil-dev-predictor-api-errors (high)',
        'Playbook: lambda-alias-rollback in dry-run mode on Lambda alias vigil-dev-predictor-api:live',
        '',
        'Dry run: nothing was changed. In enforce mode self-healing would have made these calls:',
        '  1. point live back from version 7 to version 6 (lambda UpdateAlias)',
        '     {"FunctionName":"vigil-dev-predictor-api","Name":"live","FunctionVersion":"6"}',
        '',
        `Run abc123, requested ${request.requestedAt}; episode ${request.episodeId}.`,
      ].join('\n'),
    );
  });

  test('refused: why', () => {
    const run: RemediationRun = {
      request,
      admission: { admitted: false, refusal: 'breaker-open', detail: 'The breaker closes at 04:00' },
    };
    expect(outcomeMessage('refused', run).text).toContain(
      'Self-healing did not act (breaker-open: The breaker closes at 04:00). Nothing was changed.',
    );
  });

  test('remediated: what changed and for how long the alarm has been OK', () => {
    const run = {
      ...planned,
      action: made(rollBack),
      verification: { checks: 4, consecutiveOk: 3, lastState: 'OK', stable: true, expired: false },
    } as const;
    const { subject, text } = outcomeMessage('remediated', run);
    expect(subject).toBe('Self-healing fixed: vigil-dev-predictor-api-errors');
    expect(text).toContain(
      'These calls were made:\n  1. point live back from version 7 to version 6 (lambda UpdateAlias)',
    );
    expect(text).toContain('The alarm has been OK for 3 checks in a row since the change.');
  });

  test('rolled back: what was undone, and that humans must act', () => {
    const run: RemediationRun = {
      ...planned,
      action: made(rollBack),
      verification: {
        checks: 9,
        consecutiveOk: 0,
        lastState: 'ALARM',
        stable: false,
        expired: true,
        reason: 'still ALARM',
      },
      rollback: made(undo),
    };
    const { subject, text } = outcomeMessage('rolled-back', run);
    expect(subject).toBe('Self-healing rolled back, humans must act: vigil-dev-predictor-api-errors');
    expect(text).toContain('The change did not fix the alarm: still ALARM.');
    expect(text).toContain('The change:\n  1. point live back from version 7 to version 6');
    expect(text).toContain(
      'The target was restored with these calls:\n  1. point live forward to version 7 again',
    );
    expect(text).toContain('HUMANS MUST ACT');
  });

  test('rolled back after the change itself failed: the planned calls, as possibly half made', () => {
    // What the state machine hands over when `act` throws: an empty action and the act's error.
    const run: RemediationRun = {
      ...planned,
      action: { calls: [], completedAt: '2026-11-23T03:13:00.000Z' },
      error: { Error: 'ResourceConflictException', Cause: 'alias is being updated' },
      rollback: made(undo),
    };
    const { text } = outcomeMessage('rolled-back', run);
    expect(text).toContain('Making the change failed: ResourceConflictException: alias is being updated.');
    expect(text).toContain(
      'Some of these planned calls may have been made before it failed:\n  1. point live back from version 7',
    );
    expect(text).toContain(
      'The target was restored with these calls:\n  1. point live forward to version 7 again',
    );
    expect(text).not.toContain('did not fix the alarm');
  });

  test('failed after acting: the calls that were not undone, and the error message', () => {
    const cause = JSON.stringify({ errorType: 'Error', errorMessage: 'Rate exceeded', trace: ['at x'] });
    const run: RemediationRun = {
      ...planned,
      action: made(rollBack),
      error: { Error: 'Error', Cause: cause },
    };
    const { text } = outcomeMessage('failed', run);
    expect(text).toContain('Self-healing failed: Error: Rate exceeded.');
    expect(text).toContain('These calls were made and were NOT undone:\n  1. point live back');
    expect(text).toContain('HUMANS MUST ACT');
  });

  test('failed while it may have been acting: the plan, as possibly half made', () => {
    const run: RemediationRun = { ...planned, error: { Error: 'States.Timeout' } };
    expect(outcomeMessage('failed', run).text).toContain(
      'It may have failed while making these calls, so some of them may have been made and were NOT undone',
    );
  });

  test('failed to roll back a change that failed: the plan, as possibly half made and not undone', () => {
    const run: RemediationRun = {
      ...planned,
      action: { calls: [], completedAt: '2026-11-23T03:13:00.000Z' },
      error: { Error: 'Lambda.Unknown' },
    };
    expect(outcomeMessage('failed', run).text).toContain(
      'some of them may have been made and were NOT undone: check the target.\n  1. point live back',
    );
  });

  test('failed in dry-run or before approval: nothing changed', () => {
    const dryRun = { ...planned, request: { ...request, mode: 'dry-run' as const }, error: { Error: 'x' } };
    expect(outcomeMessage('failed', dryRun).text).toContain('Nothing was changed before the failure.');
    const unapproved = { ...planned, request: { ...request, approval: true }, error: { Error: 'x' } };
    expect(outcomeMessage('failed', unapproved).text).toContain('Nothing was changed before the failure.');
  });

  test('failed before planning: nothing changed', () => {
    const run: RemediationRun = { request, error: { Error: 'Lambda.Unknown', Cause: 'not JSON' } };
    const { text } = outcomeMessage('failed', run);
    expect(text).toContain('Self-healing failed: Lambda.Unknown: not JSON.');
    expect(text).toContain('Nothing was changed before the failure.');
  });

  test.each([
    [
      'nothing-to-do',
      { ...planned, plan: { calls: [], nothingToDo: 'no earlier version' } },
      'Nothing safe to do: no earlier version.',
    ],
    [
      'denied',
      {
        ...planned,
        approvalResult: { approved: false, decidedBy: 'link', decidedAt: '2026-11-23T03:30:00.000Z' },
      },
      'The change was denied by link at 2026-11-23T03:30:00.000Z.',
    ],
    ['approval-timed-out', planned, 'which counts as deny'],
  ] as const)('%s', (outcome, run, sentence) => {
    const { text } = outcomeMessage(outcome, run);
    expect(text).toContain(sentence);
    expect(text).toContain('Nothing was changed');
  });
});

describe('where it goes', () => {
  test('the severity topic, threaded by the episode', async () => {
    await notifier.notifyOutcome('remediated', planned);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      TopicArn: TOPICS.high,
      Subject: 'Self-healing fixed: vigil-dev-predictor-api-errors',
      Message: expect.stringContaining('These calls were made'),
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'high' },
        episode: { DataType: 'String', StringValue: request.episodeId },
        kind: { DataType: 'String', StringValue: 'remediation-outcome' },
        outcome: { DataType: 'String', StringValue: 'remediated' },
      },
    });
  });

  test.each(['rolled-back', 'failed'] as const)('%s escalates to the critical topic too', async (outcome) => {
    await notifier.notifyOutcome(outcome, planned);
    const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published.map((input) => input.TopicArn).sort()).toEqual([TOPICS.critical, TOPICS.high]);
    const escalation = published.find((input) => input.TopicArn === TOPICS.critical);
    expect(escalation?.MessageAttributes).toMatchObject({
      severity: { StringValue: 'critical' },
      episode: { StringValue: request.episodeId },
    });
  });

  test('a critical alarm is escalated once, not twice to the same topic', async () => {
    await notifier.notifyOutcome('failed', { ...planned, request: { ...request, severity: 'critical' } });
    expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input.TopicArn)).toEqual([
      TOPICS.critical,
    ]);
  });

  test.each(['dry-run', 'refused', 'denied', 'nothing-to-do'] as const)(
    '%s does not escalate',
    async (outcome) => {
      await notifier.notifyOutcome(outcome, { ...planned, request: { ...request, severity: 'info' } });
      expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input.TopicArn)).toEqual([
        TOPICS.info,
      ]);
    },
  );
});
