import type { MetricAlarmDefinition, MetricStat } from '../../../constructs/alarm-engine/alarm-definition';
import { compileAlarmMetric } from '../../../constructs/alarm-engine/compile-alarm-metric';
import type { CompiledAlarmMetric } from '../../../constructs/alarm-engine/compiled-metric';
import { SeriesMetricSource } from '../../../constructs/alarm-engine/metric-source';

const T0 = Date.UTC(2026, 11, 6, 10);
const MINUTE = 60_000;

const errors: MetricStat = {
  metric: { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'orders' } },
  period: 60,
  stat: 'Sum',
};

function alarm(overrides: Partial<MetricAlarmDefinition> = {}): MetricAlarmDefinition {
  return {
    kind: 'metric',
    name: 'orders-errors',
    metricStat: errors,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    evaluationPeriods: 3,
    ...overrides,
  };
}

function compiled(definition: MetricAlarmDefinition): CompiledAlarmMetric {
  const result = compileAlarmMetric(definition);
  if (Array.isArray(result)) throw new Error(result.map((entry) => entry.feature).join('; '));
  return result;
}

function problems(definition: MetricAlarmDefinition): string[] {
  const result = compileAlarmMetric(definition);
  if (!Array.isArray(result)) throw new Error('expected the alarm to be refused');
  for (const entry of result) expect(entry.alarm).toBe(definition.name);
  return result.map((entry) => entry.feature);
}

const source = new SeriesMetricSource([
  {
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: 'orders' },
    samples: [
      [T0 + 1000, 2],
      [T0 + 2000, 3],
    ],
  },
]);

describe('compileAlarmMetric, single-metric alarms', () => {
  it('reads the metric over the period ending at each window end', () => {
    const metric = compiled(alarm());
    expect(metric.datapoint(source, T0 + MINUTE)).toEqual({ value: 5, sampleCount: 2 });
    expect(metric.datapoint(source, T0 + 2 * MINUTE)).toEqual({ value: undefined });
    expect(metric).toMatchObject({ period: 60, approximate: false, dynamoDb: false, percentile: undefined });
  });

  it('reads a new source object afresh', () => {
    const metric = compiled(alarm());
    expect(metric.datapoint(source, T0 + MINUTE).value).toBe(5);
    expect(metric.datapoint(new SeriesMetricSource([]), T0 + MINUTE).value).toBeUndefined();
  });

  it('flags AWS/DynamoDB metrics, for the missing-data rule', () => {
    const throttles = { ...errors, metric: { ...errors.metric, namespace: 'AWS/DynamoDB' } };
    expect(compiled(alarm({ metricStat: throttles })).dynamoDb).toBe(true);
  });

  it('gives a percentile alarm its percentile, for the low-sample rule', () => {
    expect(compiled(alarm({ metricStat: { ...errors, stat: 'p99' } })).percentile).toBeCloseTo(0.99);
    expect(compiled(alarm({ metricStat: { ...errors, stat: 'tm99' } })).percentile).toBeUndefined();
  });
});

describe('compileAlarmMetric refuses what PutMetricAlarm refuses, and what the engine cannot compute', () => {
  it.each([
    [{ datapointsToAlarm: 4 }, 'DatapointsToAlarm must be between 1 and EvaluationPeriods (3) (got 4)'],
    [{ evaluationPeriods: 0 }, 'EvaluationPeriods must be a whole number of at least 1 (got 0)'],
    [{ threshold: undefined }, 'GreaterThanOrEqualToThreshold needs a Threshold'],
    [
      { comparisonOperator: 'GreaterThanUpperThreshold' as const },
      'GreaterThanUpperThreshold compares with an anomaly band and needs ThresholdMetricId',
    ],
    [{ metricStat: { ...errors, period: 45 } }, 'period 45 s: must be 10, 20, 30 or a multiple of 60'],
    [
      { evaluationPeriods: 1441, datapointsToAlarm: 1 },
      "Period × EvaluationPeriods (86460 s) is over PutMetricAlarm's limit",
    ],
    [
      { metricStat: { ...errors, stat: 'Median' } },
      'statistic Median: not a CloudWatch statistic the engine knows',
    ],
    [{ metricStat: undefined }, 'an alarm needs exactly one of a single metric and a Metrics array'],
  ] as const)('%j → %s', (overrides, problem) => {
    expect(problems(alarm(overrides))).toContain(problem);
  });

  it('checks the statistics of a Metrics array too', () => {
    const math = alarm({
      metricStat: undefined,
      metrics: [
        { id: 'm1', metricStat: { ...errors, stat: 'P99' }, returnData: false },
        { id: 'e1', expression: 'm1 * 2' },
      ],
    });
    expect(problems(math)).toEqual(['statistic P99: not a CloudWatch statistic the engine knows']);
  });

  it('a one-hour period may span up to seven days', () => {
    expect(
      Array.isArray(
        compileAlarmMetric(alarm({ metricStat: { ...errors, period: 3600 }, evaluationPeriods: 168 })),
      ),
    ).toBe(false);
  });
});

describe('compileAlarmMetric, alarms on a Metrics array', () => {
  it('hands them to compileMetricQueries', () => {
    const math = alarm({
      metricStat: undefined,
      metrics: [
        { id: 'm1', metricStat: errors, returnData: false },
        { id: 'e1', expression: 'm1 * 2' },
      ],
    });
    expect(compiled(math).datapoint(source, T0 + MINUTE).value).toBe(10);
  });
});
