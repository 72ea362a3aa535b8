import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import type { MetricAlarmDefinition } from '../../../constructs/alarm-engine/alarm-definition';
import { CliError } from '../../../scripts/backtest/cli-error';
import { fetchLiveMetrics, MAX_QUERIES_PER_REQUEST } from '../../../scripts/backtest/live-metrics';
import { formatMetricsFile, parseMetricsFile } from '../../../scripts/backtest/metrics-file';

const cloudWatch = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1' });

const FROM = Date.UTC(2026, 0, 10);
const TO = Date.UTC(2026, 0, 11);
// Within fifteen days of the start: one-minute datapoints are kept (MetricStat API reference, Period).
const NOW = Date.UTC(2026, 0, 12);

function errorsAlarm(name: string, functionName: string, overrides: Partial<MetricAlarmDefinition> = {}) {
  return {
    kind: 'metric',
    name,
    metricStat: {
      metric: { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: functionName } },
      period: 300,
      stat: 'Sum',
    },
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    evaluationPeriods: 3,
    ...overrides,
  } satisfies MetricAlarmDefinition;
}

/** Answers every query of a request with one datapoint at the request's start. */
function echo(input: GetMetricDataCommandInput, value = 1) {
  return {
    MetricDataResults: (input.MetricDataQueries ?? []).map((query) => ({
      Id: query.Id,
      StatusCode: 'Complete' as const,
      Timestamps: [input.StartTime as Date],
      Values: [value],
    })),
  };
}

beforeEach(() => cloudWatch.reset());

describe('--live: reading the alarms’ metrics with GetMetricData', () => {
  it(`sends at most ${MAX_QUERIES_PER_REQUEST} queries a request (GetMetricData API reference)`, async () => {
    const alarms = Array.from({ length: 501 }, (_, index) => errorsAlarm(`a${index}`, `f${index}`));
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => echo(input));

    const live = await fetchLiveMetrics(client, alarms, { from: FROM, to: TO, now: NOW });

    const sizes = cloudWatch
      .commandCalls(GetMetricDataCommand)
      .map((call) => call.args[0].input.MetricDataQueries?.length);
    expect(sizes).toEqual([500, 1]);
    expect(live.recorded).toHaveLength(501);
    expect(live.recorded.every((metric) => metric.samples.length === 1)).toBe(true);
  });

  it('asks for one-minute Sum datapoints from the evaluation range before --from up to --to', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => echo(input));
    await fetchLiveMetrics(client, [errorsAlarm('a', 'f')], { from: FROM, to: TO, now: NOW });
    const input = cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input?.MetricDataQueries?.[0]?.MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: 'f' }],
      },
      Period: 60,
      Stat: 'Sum',
    });
    // 3 evaluation periods of 300 s: max(3 + 2, 2 × 3) = 6 periods = 30 minutes before --from.
    expect(input?.StartTime).toEqual(new Date(FROM - 30 * 60_000));
    expect(input?.EndTime).toEqual(new Date(TO));
  });

  it('follows NextToken until the last page, keeping every page’s datapoints', async () => {
    const at = (minute: number) => new Date(FROM + minute * 60_000);
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'm0', StatusCode: 'PartialData', Timestamps: [at(0), at(1)], Values: [1, 2] },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [{ Id: 'm0', StatusCode: 'PartialData', Timestamps: [at(2)], Values: [3] }],
        NextToken: 'page-3',
      })
      .resolvesOnce({
        MetricDataResults: [{ Id: 'm0', StatusCode: 'Complete', Timestamps: [at(3)], Values: [4] }],
      });

    const live = await fetchLiveMetrics(client, [errorsAlarm('a', 'f')], { from: FROM, to: TO, now: NOW });

    const tokens = cloudWatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, 'page-2', 'page-3']);
    expect(live.recorded[0]?.samples).toEqual([
      [at(0).getTime(), 1],
      [at(1).getTime(), 2],
      [at(2).getTime(), 3],
      [at(3).getTime(), 4],
    ]);
  });

  it('retries a throttled request with backoff, then succeeds', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    const tooMany = Object.assign(new Error('Too many requests'), {
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 },
    });
    cloudWatch
      .on(GetMetricDataCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(tooMany)
      .callsFake((input) => echo(input));

    const live = await fetchLiveMetrics(client, [errorsAlarm('a', 'f')], {
      from: FROM,
      to: TO,
      now: NOW,
      retryDelayMs: 1,
    });

    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(3);
    expect(live.requests).toBe(3);
    expect(live.recorded[0]?.samples).toHaveLength(1);
  });

  it('gives up with one line when the failure is not throttling', async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));
    await expect(
      fetchLiveMetrics(client, [errorsAlarm('a', 'f')], { from: FROM, to: TO, now: NOW, retryDelayMs: 1 }),
    ).rejects.toThrow(new CliError('GetMetricData failed: AccessDenied: User is not authorized'));
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
  });

  it('saves what it fetched in the --metrics format, which the --metrics parser reads back', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => echo(input, 7));
    const live = await fetchLiveMetrics(client, [errorsAlarm('a', 'f')], { from: FROM, to: TO, now: NOW });

    const saved = parseMetricsFile(formatMetricsFile({ metrics: live.recorded }), 'saved.json');

    expect(saved.metrics).toEqual([
      {
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: 'f' },
        statistic: 'Sum',
        period: 60,
        samples: [[FROM - 30 * 60_000, 7]],
      },
    ]);
  });

  it('fetches 10-second datapoints for a high-resolution alarm within CloudWatch’s three hours', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => echo(input));
    const highResolution = errorsAlarm('fast', 'f');
    const alarm = { ...highResolution, metricStat: { ...highResolution.metricStat, period: 30 } };
    await fetchLiveMetrics(client, [alarm], { from: NOW - 3600_000, to: NOW, now: NOW });
    expect(
      cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries?.[0]?.MetricStat
        ?.Period,
    ).toBe(10);
  });

  it('leaves out, naming why, an alarm whose period is finer than what CloudWatch keeps that far back', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => echo(input));
    const oneMinute = errorsAlarm('a', 'f');
    const alarm = { ...oneMinute, metricStat: { ...oneMinute.metricStat, period: 60 } };
    const live = await fetchLiveMetrics(client, [alarm], { from: FROM, to: TO, now: FROM + 20 * 86_400_000 });
    expect(
      cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries?.[0]?.MetricStat
        ?.Period,
    ).toBe(300);
    expect(live.unsupported).toEqual([
      { alarm: 'a', feature: expect.stringContaining('finer than the 300 s datapoints') },
    ]);
  });

  it('finds the series of a Metrics Insights query with ListMetrics and fetches each', async () => {
    cloudWatch
      .on(ListMetricsCommand)
      .resolvesOnce({
        Metrics: [
          {
            Namespace: 'AWS/DynamoDB',
            MetricName: 'SystemErrors',
            Dimensions: [
              { Name: 'TableName', Value: 'orders' },
              { Name: 'Operation', Value: 'GetItem' },
            ],
          },
          // Not in SCHEMA(…, Operation, TableName): a third dimension.
          {
            Namespace: 'AWS/DynamoDB',
            MetricName: 'SystemErrors',
            Dimensions: [
              { Name: 'TableName', Value: 'orders' },
              { Name: 'Operation', Value: 'Query' },
              { Name: 'StreamLabel', Value: 'x' },
            ],
          },
        ],
        NextToken: 'more',
      })
      .resolvesOnce({
        Metrics: [
          {
            Namespace: 'AWS/DynamoDB',
            MetricName: 'SystemErrors',
            Dimensions: [
              { Name: 'TableName', Value: 'orders' },
              { Name: 'Operation', Value: 'PutItem' },
            ],
          },
        ],
      });
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => echo(input));
    const alarm: MetricAlarmDefinition = {
      kind: 'metric',
      name: 'table-errors',
      metrics: [
        {
          id: 'q',
          expression: `SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) WHERE TableName = 'orders'`,
          period: 60,
        },
      ],
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 1,
    };

    const live = await fetchLiveMetrics(client, [alarm], { from: FROM, to: TO, now: NOW });

    expect(cloudWatch.commandCalls(ListMetricsCommand).map((call) => call.args[0].input)).toEqual([
      {
        Namespace: 'AWS/DynamoDB',
        MetricName: 'SystemErrors',
        Dimensions: [{ Name: 'TableName', Value: 'orders' }, { Name: 'Operation' }],
      },
      {
        Namespace: 'AWS/DynamoDB',
        MetricName: 'SystemErrors',
        Dimensions: [{ Name: 'TableName', Value: 'orders' }, { Name: 'Operation' }],
        NextToken: 'more',
      },
    ]);
    expect(live.recorded.map((metric) => [metric.dimensions.Operation, metric.statistic])).toEqual([
      ['GetItem', 'Sum'],
      ['PutItem', 'Sum'],
    ]);
  });
});
