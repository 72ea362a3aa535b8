import { CloudWatchClient, type CompositeAlarm, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import {
  childAlarmNames,
  childrenFromEvent,
  describeChildren,
} from '../../../../lambda/alert-enricher/context/composite-children';
import {
  ERROR_RATE_CHILD,
  errorRateAlarm,
  errorRateChange,
  healthCompositeChange,
  THROTTLES_CHILD,
  throttlesAlarm,
} from '../support/alarm-changes';

const cloudWatchMock = mockClient(CloudWatchClient);
const cloudWatch = new CloudWatchClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const signal = new AbortController().signal;

beforeEach(() => cloudWatchMock.reset());

test('children are those that triggered, then those the rule names, in any of its forms', () => {
  expect(
    childAlarmNames({
      triggeringAlarms: healthCompositeChange.triggeringAlarms,
      alarmRule:
        'ALARM("vigil-dev-predictor-api-error-rate") OR (ALARM(plain-name) AND NOT OK("with \\"quotes\\"")) ' +
        'OR INSUFFICIENT_DATA("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:by-arn") OR ' +
        'ALARM(arn:aws:cloudwatch:eu-west-1:123456789012:alarm:bare-arn)',
    }),
  ).toEqual([ERROR_RATE_CHILD, 'plain-name', 'with "quotes"', 'by-arn', 'bare-arn']);
});

test('describes the children, metric and composite, by name', async () => {
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [throttlesAlarm, errorRateAlarm] });
  await describeChildren(cloudWatch, healthCompositeChange, signal);
  expect(cloudWatchMock.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toEqual({
    AlarmNames: [ERROR_RATE_CHILD, THROTTLES_CHILD],
    AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    MaxRecords: 100,
  });
});

test('each child with its state and Vigil summary, those that triggered first', async () => {
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [throttlesAlarm, errorRateAlarm] });
  const { children } = await describeChildren(cloudWatch, healthCompositeChange, signal);
  expect(children).toEqual([
    { name: ERROR_RATE_CHILD, state: 'ALARM', summary: 'Callers see 5XX answers.' },
    { name: THROTTLES_CHILD, state: 'OK', summary: 'Results writes are throttled.' },
  ]);
});

test('the metric child in ALARM becomes the view the metric sources read', async () => {
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [throttlesAlarm, errorRateAlarm] });
  const { metricChild } = await describeChildren(cloudWatch, healthCompositeChange, signal);
  expect(metricChild).toEqual({
    alarmName: ERROR_RATE_CHILD,
    region: 'eu-west-1',
    state: 'ALARM',
    changedAt: '2026-11-23T03:10:00.000Z',
    metrics: errorRateChange.metrics,
    threshold: 5,
    thresholdMetricId: undefined,
    vigil: expect.objectContaining({ signal: 'error-rate', logGroup: '/aws/lambda/vigil-dev-predictor-api' }),
  });
});

test('a single-metric child is viewed as one metric entry', async () => {
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [{ ...throttlesAlarm, StateValue: 'ALARM', StateTransitionedTimestamp: undefined }],
  });
  const { metricChild } = await describeChildren(
    cloudWatch,
    { ...healthCompositeChange, triggeringAlarms: [] },
    signal,
  );
  expect(metricChild?.changedAt).toBe(healthCompositeChange.changedAt);
  expect(metricChild?.metrics).toEqual([
    {
      id: 'm1',
      returnData: true,
      metricStat: {
        namespace: 'AWS/DynamoDB',
        metricName: 'ThrottledRequests',
        dimensions: { TableName: 'vigil-dev-results' },
        period: 60,
        stat: 'Sum',
        unit: undefined,
      },
    },
  ]);
});

test('a composite whose children in ALARM are composites has no metric child', async () => {
  const nested: CompositeAlarm = { AlarmName: ERROR_RATE_CHILD, StateValue: 'ALARM', AlarmRule: 'ALARM(x)' };
  cloudWatchMock
    .on(DescribeAlarmsCommand)
    .resolves({ CompositeAlarms: [nested], MetricAlarms: [throttlesAlarm] });
  const described = await describeChildren(cloudWatch, healthCompositeChange, signal);
  expect(described.metricChild).toBeUndefined();
  expect(described.children.map((child) => child.state)).toEqual(['ALARM', 'OK']);
});

test('a child that triggered but is gone is still listed, with the state the event gave', async () => {
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [throttlesAlarm] });
  const { children } = await describeChildren(cloudWatch, healthCompositeChange, signal);
  expect(children).toEqual([
    { name: ERROR_RATE_CHILD, state: 'ALARM' },
    { name: THROTTLES_CHILD, state: 'OK', summary: 'Results writes are throttled.' },
  ]);
});

test('follows NextToken', async () => {
  cloudWatchMock
    .on(DescribeAlarmsCommand)
    .resolvesOnce({ MetricAlarms: [throttlesAlarm], NextToken: 'next' })
    .resolvesOnce({ MetricAlarms: [errorRateAlarm] });
  const { children } = await describeChildren(cloudWatch, healthCompositeChange, signal);
  expect(children).toHaveLength(2);
  expect(cloudWatchMock.commandCalls(DescribeAlarmsCommand)[1]?.args[0].input.NextToken).toBe('next');
});

test('what the event says of the children, for when they cannot be described', () => {
  expect(childrenFromEvent(healthCompositeChange)).toEqual([{ name: ERROR_RATE_CHILD, state: 'ALARM' }]);
});
