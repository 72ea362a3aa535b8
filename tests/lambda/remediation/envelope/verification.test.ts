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
