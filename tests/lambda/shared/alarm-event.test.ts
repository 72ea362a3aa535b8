import fc from 'fast-check';
import type { AlarmChange } from '../../../lambda/shared/alarm-change';
import { parseAlarmEvent } from '../../../lambda/shared/alarm-event';
import {
  allStateChanges,
  SNS_COMPOSITE_ALARM_SCHEMA,
  SNS_METRIC_ALARM_SCHEMA,
  stateChange,
  withDescription,
} from '../../fixtures/aws/alarm-events';
import {
  alarmArn,
  anomalyAlarmEvent,
  classicNotification,
  classicSnsEvent,
  compositeAlarmEvent,
  metricAlarmEvent,
  metricMathAlarmEvent,
} from '../alert-enricher/support/alarm-events';

function onlyChange(event: unknown): AlarmChange {
  const [item, ...rest] = parseAlarmEvent(event);
  expect(rest).toHaveLength(0);
  if (!item?.ok) throw new Error(`expected a change, got ${JSON.stringify(item)}`);
  return item.change;
}

describe('EventBridge alarm state changes', () => {
  it('reads a single-metric alarm: state, time, threshold and evaluated value from reasonData', () => {
    const change = onlyChange(metricAlarmEvent());
    expect(change).toMatchObject({
      origin: 'eventbridge',
      eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
      alarmArn: alarmArn('vigil-dev-predictor-api-errors'),
      alarmName: 'vigil-dev-predictor-api-errors',
      account: '123456789012',
      region: 'eu-west-1',
      kind: 'metric',
      state: 'ALARM',
      previousState: 'OK',
      changedAt: '2026-11-23T03:12:00.000Z',
      threshold: 5,
      recentDatapoints: [37],
      triggeringAlarms: [],
    });
    expect(change.metrics).toEqual([
      {
        id: 'm1',
        returnData: true,
        metricStat: {
          namespace: 'AWS/Lambda',
          metricName: 'Errors',
          dimensions: { FunctionName: 'vigil-dev-predictor-api' },
          period: 300,
          stat: 'Sum',
        },
      },
    ]);
  });

  it('reads the Vigil description the monitoring constructs wrote', () => {
    expect(onlyChange(metricAlarmEvent()).vigil).toMatchObject({
      service: 'predictor',
      resource: 'api',
      severity: 'critical',
      playbook: 'lambda-alias-rollback',
      logGroup: '/aws/lambda/vigil-dev-predictor-api',
    });
  });

  it('tells metric-math alarms apart and keeps the expression and its inputs', () => {
    const change = onlyChange(metricMathAlarmEvent());
    expect(change.kind).toBe('metric-math');
    expect(change.metrics.map((metric) => [metric.id, metric.returnData, metric.expression])).toEqual([
      ['expr_1', true, 'IF(invocations > 0, 100 * errors / invocations, 0)'],
      ['errors', false, undefined],
      ['invocations', false, undefined],
    ]);
    expect(change.recentDatapoints).toEqual([12.5, 18.2]);
  });

  it('tells anomaly-band alarms apart and reads the band edges CloudWatch compared with', () => {
    const change = onlyChange(anomalyAlarmEvent());
    expect(change).toMatchObject({
      kind: 'anomaly-band',
      thresholdMetricId: 'ad1',
      recentDatapoints: [0.61],
      recentLowerThresholds: [0.18],
      recentUpperThresholds: [0.34],
    });
    expect(change.threshold).toBeUndefined();
  });

  it('reads a composite alarm: its rule and the children that triggered it', () => {
    const change = onlyChange(compositeAlarmEvent());
    expect(change.kind).toBe('composite');
    expect(change.alarmRule).toContain('ALARM("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:');
    expect(change.triggeringAlarms).toEqual([
      {
        arn: alarmArn('vigil-dev-predictor-api-availability-burn-fast-long-window'),
        name: 'vigil-dev-predictor-api-availability-burn-fast-long-window',
        state: 'ALARM',
        changedAt: '2026-11-23T03:11:00.000Z',
      },
    ]);
    expect(change.metrics).toEqual([]);
  });

  it.each([
    ['OK', 'ALARM'],
    ['INSUFFICIENT_DATA', 'OK'],
    ['ALARM', 'INSUFFICIENT_DATA'],
  ] as const)('reads a change to %s from %s', (state, previous) => {
    expect(onlyChange(metricAlarmEvent({ state, previous }))).toMatchObject({
      state,
      previousState: previous,
    });
  });

  it('treats an alarm without a Vigil description as an outside alarm', () => {
    const change = onlyChange(metricAlarmEvent({ description: 'CPU too high' }));
    expect(change.vigil).toBeUndefined();
    expect(change.description).toBe('CPU too high');
  });
});

describe('what AWS documents beyond the state (documented samples)', () => {
  it('reads when the previous state began, in the same ISO form as the change time', () => {
    const change = onlyChange(stateChange('singleMetricAlarm'));
    // previousState.timestamp `2019-10-01T13:56:40.987+0000`, state.timestamp `2019-10-02T17:04:40.989+0000`.
    expect(change.previousChangedAt).toBe('2019-10-01T13:56:40.987Z');
    expect(change.changedAt).toBe('2019-10-02T17:04:40.989Z');
  });

  it('has no previous-state time for a classic SNS notification: its documented schemas have none', () => {
    const times = (sample: object) => Object.keys(sample).filter((key) => /time/i.test(key));
    // The time of the new state, and (metric alarms) of the last configuration change: nothing else.
    expect(times(SNS_METRIC_ALARM_SCHEMA.sample)).toEqual([
      'AlarmConfigurationUpdatedTimestamp',
      'StateChangeTime',
    ]);
    expect(times(SNS_COMPOSITE_ALARM_SCHEMA.sample)).toEqual(['StateChangeTime']);
    expect(onlyChange(classicSnsEvent()).previousChangedAt).toBeUndefined();
  });

  it('reads the actions suppression of the composite sample with a suppressor alarm', () => {
    expect(onlyChange(stateChange('compositeAlarmWithSuppressor')).actionsSuppressed).toEqual({
      by: 'WaitPeriod',
      reason: 'Actions suppressed by WaitPeriod',
      suppressor: 'ServiceMaintenanceAlarm',
      waitPeriodSeconds: 120,
      extensionPeriodSeconds: 180,
    });
  });

  it.each(allStateChanges().filter(([kind]) => kind !== 'compositeAlarmWithSuppressor'))(
    'finds no suppression in the %s sample',
    (_kind, event) => {
      expect(onlyChange(event).actionsSuppressed).toBeUndefined();
    },
  );
});

describe('a description that looks like Vigil’s but cannot be read', () => {
  const documented = stateChange('singleMetricAlarm');

  it('is not taken as Vigil’s, and says which fields the schema refuses', () => {
    const description = JSON.stringify({ vigil: 1, service: 'predictor', severity: 'urgent' });
    const change = onlyChange(withDescription(documented, description));
    expect(change.vigil).toBeUndefined();
    expect(change.description).toBe(description);
    expect(change.descriptionProblem).toBe(
      'resource: is required; signal: is required; summary: is required; threshold: is required; ' +
        'severity: must be one of critical, high, warning, info',
    );
  });

  it('says it is not JSON when it was cut or hand-edited', () => {
    const change = onlyChange(withDescription(documented, '{"vigil":1,"service":"predictor","summ'));
    expect(change.descriptionProblem).toMatch(/^not JSON: /);
  });

  it.each([
    ['a sentence', 'Goes into alarm when server CPU utilization is too high!'],
    ['JSON that is not Vigil’s', '{"team":"orders"}'],
    ['no description', undefined],
  ])('has no problem with %s: it is an outside alarm', (_case, description) => {
    const change = onlyChange(withDescription(documented, description));
    expect(change.vigil).toBeUndefined();
    expect(change.descriptionProblem).toBeUndefined();
  });

  it('has no problem when it is Vigil’s', () => {
    const change = onlyChange(metricAlarmEvent());
    expect(change.vigil).toBeDefined();
    expect(change.descriptionProblem).toBeUndefined();
  });
});

describe('classic SNS alarm notifications (alarms made outside Vigil)', () => {
  it('reads the notification, with region and account from the ARN and the statistic GetMetricData spells', () => {
    const change = onlyChange(classicSnsEvent());
    expect(change).toMatchObject({
      origin: 'sns',
      eventId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
      alarmName: 'orders-db-cpu',
      region: 'eu-west-1',
      account: '123456789012',
      kind: 'metric',
      state: 'ALARM',
      previousState: 'OK',
      changedAt: '2026-11-23T03:12:00.123Z',
      threshold: 80,
      comparisonOperator: 'GreaterThanThreshold',
      description: 'CPU of the orders database is above 80%',
    });
    expect(change.vigil).toBeUndefined();
    expect(change.metrics[0]?.metricStat).toEqual({
      namespace: 'AWS/RDS',
      metricName: 'CPUUtilization',
      dimensions: { DBInstanceIdentifier: 'orders-db' },
      period: 60,
      stat: 'Average',
      unit: undefined,
    });
  });

  it('reads a metric-math trigger', () => {
    const change = onlyChange(
      classicSnsEvent(
        classicNotification({
          Trigger: {
            Period: 60,
            EvaluationPeriods: 1,
            ComparisonOperator: 'GreaterThanThreshold',
            Threshold: 0,
            Metrics: [
              { Expression: 'm1*1', Id: 'e1', Label: 'Expression1', ReturnData: true },
              {
                Id: 'm1',
                MetricStat: {
                  Metric: {
                    Dimensions: [{ value: 'i-1', name: 'InstanceId' }],
                    MetricName: 'NetworkOut',
                    Namespace: 'AWS/EC2',
                  },
                  Period: 60,
                  Stat: 'Average',
                },
                ReturnData: false,
              },
            ],
          },
        }),
      ),
    );
    expect(change.kind).toBe('metric-math');
    expect(change.metrics[1]?.metricStat?.dimensions).toEqual({ InstanceId: 'i-1' });
  });

  it('turns a non-alarm SNS message into one unparseable item carrying the message', () => {
    const [item] = parseAlarmEvent(classicSnsEvent('hello, not JSON'));
    expect(item).toEqual({
      ok: false,
      error: 'SNS message is not JSON, so not a CloudWatch alarm notification',
      raw: 'hello, not JSON',
    });
  });

  it('names the missing fields of an SNS message that is JSON but not an alarm notification', () => {
    const [item] = parseAlarmEvent(classicSnsEvent({ AlarmName: 'x' }));
    expect(item?.ok).toBe(false);
    expect(item?.ok === false && item.error).toMatch(/: AlarmArn: .*; NewStateValue: /);
  });
});

describe('anything else', () => {
  it('is one unparseable item naming what is wrong, with the payload kept verbatim', () => {
    const event = { 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2' };
    const [item, ...rest] = parseAlarmEvent(event);
    expect(rest).toEqual([]);
    expect(item).toMatchObject({ ok: false, raw: JSON.stringify(event) });
    expect(item?.ok === false && item.error).toMatch(/^Not a CloudWatch alarm state change: .*detail-type/);
  });

  it('never throws and always yields at least one item, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.json().map((text) => JSON.parse(text) as unknown),
        ),
        (input) => {
          const items = parseAlarmEvent(input);
          expect(items.length).toBeGreaterThanOrEqual(1);
          for (const item of items) if (!item.ok) expect(typeof item.raw).toBe('string');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('survives events that are almost right', () => {
    const base = metricAlarmEvent();
    fc.assert(
      fc.property(
        fc.constantFrom(
          'detail',
          'resources',
          'id',
          'time',
          'detail.state',
          'detail.configuration',
          'detail.alarmName',
        ),
        fc.anything(),
        (field, value) => {
          const event = structuredClone(base) as Record<string, unknown>;
          const [head, tail] = field.split('.') as [string, string | undefined];
          if (tail) (event[head] as Record<string, unknown>)[tail] = value;
          else event[head] = value;
          expect(parseAlarmEvent(event).length).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
