import '../../support/test-environment';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricAlarm,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { AlarmVerifier, type VerificationResult } from '../../../../lambda/remediation/envelope/verification';
import type { ActionResult } from '../../../../lambda/remediation/remediation-types';
import { testRequest } from '../support/ledger-table';

const cloudWatch = mockClient(CloudWatchClient);
const request = testRequest();
const action: ActionResult = { calls: [], completedAt: '2026-11-23T03:13:00.000Z' };
/** Seconds after the action. */
let elapsed = 0;
const verifier = new AlarmVerifier(
  new CloudWatchClient({ region: 'eu-west-1' }),
  () => new Date(Date.parse(action.completedAt) + elapsed * 1000),
);

beforeEach(() => {
  cloudWatch.reset();
  elapsed = 120;
});

const alarmIs = (state: StateValue) =>
  cloudWatch
    .on(DescribeAlarmsCommand)
    .resolves({ MetricAlarms: [{ AlarmName: request.alarm.name, StateValue: state }] });

const check = (previous?: VerificationResult) =>
  verifier.verify({ request, action, previous, stablePeriods: 3, deadlineSeconds: 900 });

test('asks CloudWatch for the alarm by name, metric and composite alike', async () => {
  alarmIs('OK');
  await check();
  expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toEqual({
    AlarmNames: [request.alarm.name],
    AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
  });
});

test('OK but not yet for long enough: neither stable nor expired', async () => {
  alarmIs('OK');
  expect(
    await check({ checks: 1, consecutiveOk: 1, lastState: 'OK', stable: false, expired: false }),
  ).toEqual({
    checks: 2,
    consecutiveOk: 2,
    lastState: 'OK',
    stable: false,
    expired: false,
    deadlineSeconds: 900,
  });
});

test('OK for the stable periods: stable', async () => {
  alarmIs('OK');
  const previous = { checks: 4, consecutiveOk: 2, lastState: 'OK', stable: false, expired: false } as const;
  expect(await check(previous)).toEqual({
    checks: 5,
    consecutiveOk: 3,
    lastState: 'OK',
    stable: true,
    expired: false,
    deadlineSeconds: 900,
  });
});

test('stable wins over a passed deadline', async () => {
  alarmIs('OK');
  elapsed = 5000;
  const previous = { checks: 4, consecutiveOk: 2, lastState: 'OK', stable: false, expired: false } as const;
  expect(await check(previous)).toMatchObject({ stable: true, expired: false });
});

test('back in ALARM: the count starts over', async () => {
  alarmIs('ALARM');
  const previous = { checks: 2, consecutiveOk: 2, lastState: 'OK', stable: false, expired: false } as const;
  expect(await check(previous)).toEqual({
    checks: 3,
    consecutiveOk: 0,
    lastState: 'ALARM',
    stable: false,
    expired: false,
    deadlineSeconds: 900,
  });
});

test('not stable by the deadline: expired, with the reason', async () => {
  cloudWatch
    .on(DescribeAlarmsCommand)
    .resolves({ CompositeAlarms: [{ AlarmName: request.alarm.name, StateValue: 'INSUFFICIENT_DATA' }] });
  elapsed = 900;
  expect(
    await check({ checks: 7, consecutiveOk: 0, lastState: 'ALARM', stable: false, expired: false }),
  ).toEqual({
    checks: 8,
    consecutiveOk: 0,
    lastState: 'INSUFFICIENT_DATA',
    stable: false,
    expired: true,
    inconclusive: true,
    deadlineSeconds: 900,
    reason:
      'alarm vigil-dev-predictor-api-errors was INSUFFICIENT_DATA 900 s after the change ' +
      '(0 of 3 OK checks in a row; deadline 900 s)',
  });
});

test('the alarm is gone: expired, since nothing can judge the change', async () => {
  cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
  expect(await check()).toEqual({
    checks: 1,
    consecutiveOk: 0,
    lastState: 'MISSING',
    stable: false,
    expired: true,
    reason: 'alarm vigil-dev-predictor-api-errors no longer exists, so the change cannot be verified',
  });
});

test.each<[string, Partial<MetricAlarm>, number]>([
  ['a single-metric alarm', { Period: 300, EvaluationPeriods: 3 }, 5 * 300 + 120],
  [
    'a metric-math alarm, by its returned query',
    {
      EvaluationPeriods: 1,
      Metrics: [
        { Id: 'rate', Expression: '100 * e / i', Period: 3600, ReturnData: true },
        {
          Id: 'e',
          MetricStat: {
            Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors' },
            Period: 3600,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
      ],
    },
    3 * 3600 + 120,
  ],
  ['an alarm whose range fits in the minimum', { Period: 60, EvaluationPeriods: 1 }, 900],
])('the deadline of %s comes from its evaluation range', async (_, settings, deadline) => {
  cloudWatch
    .on(DescribeAlarmsCommand)
    .resolves({ MetricAlarms: [{ AlarmName: request.alarm.name, StateValue: 'ALARM', ...settings }] });
  elapsed = deadline - 1;
  expect(await check()).toMatchObject({ expired: false, deadlineSeconds: deadline });
  elapsed = deadline;
  expect(await check()).toMatchObject({ expired: true, deadlineSeconds: deadline });
});

/**
 * A change AWS carries on after the act (a dead-letter queue's move task at 10 messages a second) says
 * how long it needs: the DLQ's alarm (messages visible > 0) stays in ALARM until the queue is empty,
 * so the alarm's own recovery time starts only after it.
 */
describe('with a settle time from the action', () => {
  const moving: ActionResult = {
    ...action,
    settle: {
      seconds: 456,
      basis: '3,600 messages at 10/s = 360 s to move (456 s allowed, as the count is approximate)',
    },
  };
  const checkMove = (settings: Partial<MetricAlarm> | 'composite') => {
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolves(
        settings === 'composite'
          ? { CompositeAlarms: [{ AlarmName: request.alarm.name, StateValue: 'ALARM' }] }
          : { MetricAlarms: [{ AlarmName: request.alarm.name, StateValue: 'ALARM', ...settings }] },
      );
    return verifier.verify({ request, action: moving, stablePeriods: 3, deadlineSeconds: 900 });
  };

  test('the run keeps going past 15 min and past the alarm’s own deadline, and expires after both', async () => {
    // 3 × 300 s alarm: (3 + 2) × 300 + 120 = 1,620 s to recover once the queue is empty.
    const alarm = { Period: 300, EvaluationPeriods: 3 };
    for (elapsed of [900, 1620, 2075]) {
      expect(await checkMove(alarm)).toMatchObject({ expired: false, deadlineSeconds: 456 + 1620 });
    }
    elapsed = 2076;
    expect(await checkMove(alarm)).toMatchObject({
      expired: true,
      deadlineSeconds: 2076,
      reason:
        'alarm vigil-dev-predictor-api-errors was ALARM 2076 s after the change (0 of 3 OK checks in a row; ' +
        'deadline 2076 s: 3,600 messages at 10/s = 360 s to move (456 s allowed, as the count is approximate) ' +
        '+ 27 min for the alarm (its 5 × 300 s evaluation range))',
    });
  });

  test('a composite alarm has no timing to read: the configured minimum stands in, after the move', async () => {
    elapsed = 456 + 900 - 1;
    expect(await checkMove('composite')).toMatchObject({ expired: false, deadlineSeconds: 1356 });
    elapsed = 1356;
    expect(await checkMove('composite')).toMatchObject({
      expired: true,
      reason: expect.stringContaining(
        'deadline 1356 s: 3,600 messages at 10/s = 360 s to move (456 s allowed, as the count is approximate) ' +
          '+ 15 min for the alarm (the configured minimum; a composite alarm has no timing to read)',
      ),
    });
  });

  test('a short move on a quick alarm still gets the configured minimum, and says so', async () => {
    const quick: ActionResult = {
      ...action,
      settle: { seconds: 65, basis: '42 messages at 10/s = 5 s to move' },
    };
    cloudWatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: request.alarm.name, StateValue: 'ALARM', Period: 60, EvaluationPeriods: 1 },
      ],
    });
    elapsed = 900;
    expect(
      await verifier.verify({ request, action: quick, stablePeriods: 3, deadlineSeconds: 900 }),
    ).toMatchObject({
      expired: true,
      deadlineSeconds: 900,
      reason: expect.stringContaining(
        'deadline 900 s, the configured minimum (more than 42 messages at 10/s = 5 s to move + 5 min for the alarm (its 3 × 60 s evaluation range))',
      ),
    });
  });

  test('once the queue is empty and the alarm OK for the stable periods, the move is verified', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: request.alarm.name, StateValue: 'OK', Period: 300, EvaluationPeriods: 3 }],
    });
    elapsed = 1500;
    const previous = {
      checks: 24,
      consecutiveOk: 2,
      lastState: 'OK',
      stable: false,
      expired: false,
    } as const;
    expect(
      await verifier.verify({ request, action: moving, previous, stablePeriods: 3, deadlineSeconds: 900 }),
    ).toEqual({
      checks: 25,
      consecutiveOk: 3,
      lastState: 'OK',
      stable: true,
      expired: false,
      deadlineSeconds: 2076,
    });
  });
});
