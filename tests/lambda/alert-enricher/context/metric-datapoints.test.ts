import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { getBreachData } from '../../../../lambda/alert-enricher/context/metric-datapoints';
import { parseAlarmEvent } from '../../../../lambda/shared/alarm-event';
import {
  API_FUNCTION,
  errorRateChange,
  lambdaErrorsChange,
  trafficDropChange,
} from '../support/alarm-changes';
import { documentedSingleMetricAlarmEvent } from '../support/documented-events';

const cloudWatchMock = mockClient(CloudWatchClient);
const cloudWatch = new CloudWatchClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const signal = new AbortController().signal;

/** Five-minute timestamps ending at the transition (03:10 is the breaching period). */
const at = (minutesBefore: number) =>
  new Date(Date.parse('2026-11-23T03:10:00.000Z') - minutesBefore * 60_000);

beforeEach(() => cloudWatchMock.reset());

test('asks for the alarm’s metric over three hours before the transition and one period after', async () => {
  cloudWatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  await getBreachData(cloudWatch, lambdaErrorsChange, signal);
  const [call] = cloudWatchMock.commandCalls(GetMetricDataCommand);
  expect(call?.args[0].input).toEqual({
    MetricDataQueries: [
      {
        Id: 'm1',
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName: 'Errors',
            Dimensions: [{ Name: 'FunctionName', Value: API_FUNCTION }],
          },
          Period: 300,
          Stat: 'Sum',
        },
      },
    ],
    StartTime: new Date('2026-11-23T00:12:00.000Z'),
    EndTime: new Date('2026-11-23T03:17:00.000Z'),
    ScanBy: 'TimestampAscending',
  });
  expect(call?.args.at(1)).toEqual({ abortSignal: signal });
});

test('the compared series, oldest first, with the alarm’s threshold', async () => {
  cloudWatchMock.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'm1', Label: 'Errors', Timestamps: [at(0), at(5), at(10)], Values: [37, 2, 0] },
    ],
  });
  expect(await getBreachData(cloudWatch, lambdaErrorsChange, signal)).toEqual({
    label: 'Errors',
    datapoints: [
      { timestamp: '2026-11-23T03:00:00.000Z', value: 0 },
      { timestamp: '2026-11-23T03:05:00.000Z', value: 2 },
      { timestamp: '2026-11-23T03:10:00.000Z', value: 37 },
    ],
    period: 300,
    threshold: 5,
  });
});

test('keeps the last 30 datapoints', async () => {
  const minutes = Array.from({ length: 37 }, (_, i) => i * 5);
  cloudWatchMock.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'm1', Timestamps: minutes.map(at), Values: minutes.map((m) => m) }],
  });
  const breach = await getBreachData(cloudWatch, lambdaErrorsChange, signal);
  expect(breach.datapoints).toHaveLength(30);
  expect(breach.datapoints.at(-1)).toEqual({ timestamp: '2026-11-23T03:10:00.000Z', value: 0 });
  expect(breach.datapoints[0]?.value).toBe(145);
});

test('follows NextToken and joins the pages of a series', async () => {
  cloudWatchMock
    .on(GetMetricDataCommand)
    .resolvesOnce({
      MetricDataResults: [{ Id: 'm1', Label: 'Errors', Timestamps: [at(10)], Values: [1] }],
      NextToken: 'page-2',
    })
    .resolvesOnce({ MetricDataResults: [{ Id: 'm1', Label: 'Errors', Timestamps: [at(0)], Values: [37] }] });
  const breach = await getBreachData(cloudWatch, lambdaErrorsChange, signal);
  expect(breach.datapoints.map((point) => point.value)).toEqual([1, 37]);
  const calls = cloudWatchMock.commandCalls(GetMetricDataCommand);
  expect(calls.map((call) => call.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
});

test('stops following NextToken after a bounded number of pages', async () => {
  cloudWatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [], NextToken: 'again' });
  await getBreachData(cloudWatch, lambdaErrorsChange, signal);
  expect(cloudWatchMock.commandCalls(GetMetricDataCommand)).toHaveLength(5);
});

test('a metric-math alarm sends its expression and hidden inputs, and reports the expression', async () => {
  cloudWatchMock.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'rate', Label: 'rate', Timestamps: [at(0)], Values: [12.5] }],
  });
  const breach = await getBreachData(cloudWatch, errorRateChange, signal);
  const queries = cloudWatchMock.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries;
  expect(
    queries?.map(({ Id, Expression, ReturnData, Period }) => ({ Id, Expression, ReturnData, Period })),
  ).toEqual([
    {
      Id: 'rate',
      Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
      ReturnData: true,
      Period: 300,
    },
    { Id: 'errors', Expression: undefined, ReturnData: false, Period: undefined },
    { Id: 'invocations', Expression: undefined, ReturnData: false, Period: undefined },
  ]);
  expect(breach).toEqual({
    label: 'Error rate (%)',
    datapoints: [{ timestamp: '2026-11-23T03:10:00.000Z', value: 12.5 }],
    period: 300,
    threshold: 5,
  });
});

test('an anomaly-band alarm reports the band at the transition, whichever series is the upper', async () => {
  cloudWatchMock.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'm1', Label: 'Invocations', Timestamps: [at(0), at(5)], Values: [3, 95] },
      { Id: 'ad1', Label: 'Invocations (expected) Lower', Timestamps: [at(5), at(0)], Values: [45, 40] },
      { Id: 'ad1', Label: 'Invocations (expected) Upper', Timestamps: [at(5), at(0)], Values: [150, 160] },
    ],
  });
  expect(await getBreachData(cloudWatch, trafficDropChange, signal)).toEqual({
    label: 'Invocations',
    datapoints: [
      { timestamp: '2026-11-23T03:05:00.000Z', value: 95 },
      { timestamp: '2026-11-23T03:10:00.000Z', value: 3 },
    ],
    period: 300,
    threshold: undefined,
    lowerBound: 40,
    upperBound: 160,
  });
});

test('an anomaly band with a single series gives no bounds rather than wrong ones', async () => {
  cloudWatchMock.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'm1', Timestamps: [at(0)], Values: [3] },
      { Id: 'ad1', Timestamps: [at(0)], Values: [40] },
    ],
  });
  const breach = await getBreachData(cloudWatch, trafficDropChange, signal);
  expect([breach.lowerBound, breach.upperBound]).toEqual([undefined, undefined]);
});

test('the documented single-metric alarm event, whose metric id is a UUID, is queried under valid ids', async () => {
  const [parsed] = parseAlarmEvent(documentedSingleMetricAlarmEvent);
  if (!parsed?.ok) throw new Error('the documented sample must parse');
  // GetMetricData answers under the ids it was asked for, as CloudWatch does.
  cloudWatchMock.on(GetMetricDataCommand).callsFake((input) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((query: { Id: string }) => ({
      Id: query.Id,
      Label: 'CPUUtilization',
      Timestamps: [new Date('2019-10-02T16:59:00Z')],
      Values: [99.50160229693434],
    })),
  }));
  const breach = await getBreachData(cloudWatch, parsed.change, signal);
  const ids = cloudWatchMock
    .commandCalls(GetMetricDataCommand)
    .flatMap((call) => call.args[0].input.MetricDataQueries ?? [])
    .map((query) => query.Id);
  expect(ids).toHaveLength(1);
  // MetricDataQuery.Id: letters, digits and underscores, starting with a lowercase letter.
  for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
  expect(breach.datapoints).toEqual([{ timestamp: '2019-10-02T16:59:00.000Z', value: 99.50160229693434 }]);
  expect(breach.threshold).toBe(50);
});
