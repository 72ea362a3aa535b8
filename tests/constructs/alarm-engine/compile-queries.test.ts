import type {
  MetricAlarmDefinition,
  MetricDataQuery,
  MetricIdentity,
  MetricSeries,
  MetricStat,
} from '../../../constructs/alarm-engine/alarm-definition';
import { compileMetricQueries } from '../../../constructs/alarm-engine/compile-queries';
import type {
  CompiledAlarmMetric,
  Datapoint,
  MetricSource,
} from '../../../constructs/alarm-engine/compiled-metric';

const END = 10 * 86_400_000;
const lambda = (metricName: string): MetricIdentity => ({
  namespace: 'AWS/Lambda',
  metricName,
  dimensions: { FunctionName: 'checkout' },
});
const stat = (id: string, metric: MetricIdentity, statistic = 'Sum', period = 300): MetricDataQuery => ({
  id,
  metricStat: { metric, period, stat: statistic },
  returnData: false,
});
const expression = (id: string, text: string, period?: number): MetricDataQuery => ({
  id,
  expression: text,
  ...(period !== undefined && { period }),
});
const alarm = (
  metrics: MetricDataQuery[],
  extra: Partial<MetricAlarmDefinition> = {},
): MetricAlarmDefinition => ({
  kind: 'metric',
  name: 'checkout-errors',
  metrics,
  threshold: 1,
  comparisonOperator: 'GreaterThanThreshold',
  evaluationPeriods: 1,
  ...extra,
});

/** A tiny source: each metric's Sum per window end, from a map keyed by metric name. */
function sourceOf(
  values: Readonly<Record<string, number | undefined>>,
  series: MetricSeries[] = [],
): MetricSource {
  return {
    series: () => series,
    datapoint: (s: MetricStat, end: number): Datapoint | undefined => {
      const fromSeries = series.find(
        (x) => x.metricName === s.metric.metricName && x.dimensions === s.metric.dimensions,
      );
      if (fromSeries) {
        const inWindow = fromSeries.samples
          .filter(([t]) => t >= end - s.period * 1000 && t < end)
          .map(([, v]) => v);
        return inWindow.length
          ? { value: inWindow.reduce((a, b) => a + b, 0), sampleCount: inWindow.length }
          : undefined;
      }
      const value = values[s.metric.metricName];
      return value === undefined ? undefined : { value, sampleCount: 1 };
    },
  };
}

function compiled(definition: MetricAlarmDefinition): CompiledAlarmMetric {
  const result = compileMetricQueries(definition);
  if (Array.isArray(result)) throw new Error(JSON.stringify(result));
  return result;
}

describe('compileMetricQueries: the expressions Vigil synthesizes', () => {
  const lambdaErrorRate = alarm([
    stat('invocations', lambda('Invocations')),
    stat('errors', lambda('Errors')),
    expression('rate', 'IF(invocations > 0, 100 * errors / invocations, 0)'),
  ]);

  it('IF(invocations > 0, 100 * errors / invocations, 0): rate, 0 without errors, missing without invocations', () => {
    const metric = compiled(lambdaErrorRate);
    expect(metric).toMatchObject({ period: 300, approximate: false, dynamoDb: false });
    expect(metric.datapoint(sourceOf({ Invocations: 200, Errors: 5 }), END)).toEqual({ value: 2.5 });
    // "Missing values in a time series are treated as 0" (using-metric-math).
    expect(metric.datapoint(sourceOf({ Invocations: 200 }), END)).toEqual({ value: 0 });
    expect(metric.datapoint(sourceOf({ Invocations: 0, Errors: 0 }), END)).toEqual({ value: 0 });
    // A missing condition datapoint drops the output datapoint ("Using IF expressions").
    expect(metric.datapoint(sourceOf({ Errors: 3 }), END)).toEqual({ value: undefined });
  });

  it('IF(requests >= 20, 100 * clientErrors / requests, 0): 0 below the minimum traffic', () => {
    const metric = compiled(
      alarm([
        stat('requests', lambda('Count')),
        stat('clientErrors', lambda('4xx')),
        expression('e', 'IF(requests >= 20, 100 * clientErrors / requests, 0)'),
      ]),
    );
    expect(metric.datapoint(sourceOf({ Count: 40, '4xx': 10 }), END).value).toBe(25);
    expect(metric.datapoint(sourceOf({ Count: 19, '4xx': 10 }), END).value).toBe(0);
    expect(metric.datapoint(sourceOf({ '4xx': 10 }), END).value).toBeUndefined();
  });

  it('IF(total > 0, bad / total, 0) with the expression period', () => {
    const metric = compiled(
      alarm([
        stat('bad', lambda('Errors'), 'Sum', 3600),
        stat('total', lambda('Invocations'), 'Sum', 3600),
        expression('share', 'IF(total > 0, bad / total, 0)', 3600),
      ]),
    );
    expect(metric.period).toBe(3600);
    expect(metric.datapoint(sourceOf({ Errors: 1, Invocations: 4 }), END).value).toBe(0.25);
    expect(metric.datapoint(sourceOf({ Invocations: 4 }), END).value).toBe(0);
  });

  it('IF(ISNUMBER(fast), 1 - fast / 100, 0) is reported: ISNUMBER is not a documented function', () => {
    expect(
      compileMetricQueries(
        alarm([
          stat('fast', lambda('Duration'), 'PR(0:300)'),
          expression('bad', 'IF(ISNUMBER(fast), 1 - fast / 100, 0)'),
        ]),
      ),
    ).toEqual([
      { alarm: 'checkout-errors', feature: 'query "bad": ISNUMBER (not a documented metric-math function)' },
    ]);
  });

  it('ANOMALY_DETECTION_BAND(m0, 3) as ThresholdMetricId gives a band and flags the values approximate', () => {
    const definition = alarm(
      [
        {
          id: 'm0',
          metricStat: { metric: lambda('Duration'), period: 300, stat: 'Average' },
          returnData: true,
        },
        { id: 'ad1', expression: 'ANOMALY_DETECTION_BAND(m0, 3)', returnData: true },
      ],
      {
        threshold: undefined,
        thresholdMetricId: 'ad1',
        comparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      },
    );
    const metric = compiled(definition);
    expect(metric.approximate).toBe(true);
    // A flat history gives a zero-width band at the history's value.
    expect(metric.datapoint(sourceOf({ Duration: 40 }), END)).toEqual({ value: 40, band: [40, 40] });
    // No history: no band, so no datapoint to compare.
    expect(metric.datapoint(sourceOf({}), END)).toEqual({ value: undefined });
  });

  it('a Metrics Insights query on AWS/DynamoDB sums the matching series and marks the alarm dynamoDb', () => {
    const dims = { TableName: 'orders', Operation: 'GetItem' };
    const series: MetricSeries[] = [
      { namespace: 'AWS/DynamoDB', metricName: 'SystemErrors', dimensions: dims, samples: [[END - 1000, 2]] },
      {
        namespace: 'AWS/DynamoDB',
        metricName: 'SystemErrors',
        dimensions: { TableName: 'orders', Operation: 'PutItem' },
        samples: [[END - 2000, 3]],
      },
      {
        namespace: 'AWS/DynamoDB',
        metricName: 'SystemErrors',
        dimensions: { TableName: 'other', Operation: 'PutItem' },
        samples: [[END - 2000, 50]],
      },
    ];
    const metric = compiled(
      alarm([
        expression(
          'q',
          `SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) WHERE TableName = 'orders'`,
          300,
        ),
      ]),
    );
    expect(metric).toMatchObject({ period: 300, dynamoDb: true, approximate: false });
    expect(metric.datapoint(sourceOf({}, series), END).value).toBe(5);
  });

  it('a metric in AWS/DynamoDB read by math marks the alarm dynamoDb; PERIOD reads its period', () => {
    const consumed: MetricIdentity = {
      namespace: 'AWS/DynamoDB',
      metricName: 'ConsumedReadCapacityUnits',
      dimensions: { TableName: 'orders' },
    };
    const metric = compiled(
      alarm([stat('consumed', consumed), expression('e', 'consumed / PERIOD(consumed)', 300)]),
    );
    expect(metric.dynamoDb).toBe(true);
    expect(metric.datapoint(sourceOf({ ConsumedReadCapacityUnits: 600 }), END).value).toBe(2);
  });

  it('expressions may refer to other expressions', () => {
    const metric = compiled(
      alarm([
        stat('m1', lambda('Errors')),
        { ...expression('e1', 'm1 * 2'), returnData: false },
        expression('e2', 'e1 + 1'),
      ]),
    );
    expect(metric.datapoint(sourceOf({ Errors: 3 }), END).value).toBe(7);
  });
});

describe('compileMetricQueries: problems are reported, never approximated', () => {
  const report = (metrics: MetricDataQuery[], extra?: Partial<MetricAlarmDefinition>) =>
    compileMetricQueries(alarm(metrics, extra));

  it('names a malformed expression with its position', () => {
    expect(report([stat('m1', lambda('Errors')), expression('e', 'm1 * (2 +')])).toEqual([
      {
        alarm: 'checkout-errors',
        feature: 'query "e": invalid expression: Unexpected end of expression at position 10',
      },
    ]);
  });

  it('names an unsupported Metrics Insights clause', () => {
    expect(report([expression('q', 'SELECT SUM(x) FROM "AWS/DynamoDB" GROUP BY TableName', 300)])).toEqual([
      {
        alarm: 'checkout-errors',
        feature:
          'query "q": Metrics Insights GROUP BY (returns one time series per group; an alarm watches one)',
      },
    ]);
  });

  it('requires exactly one returned query', () => {
    expect(
      report([{ ...stat('m1', lambda('Errors')), returnData: true }, expression('e', 'm1 * 2')]),
    ).toEqual([
      {
        alarm: 'checkout-errors',
        feature: 'exactly one query must have ReturnData (besides the ThresholdMetricId band), found 2',
      },
    ]);
  });

  it('rejects a result that is not one time series, unknown ids and cycles', () => {
    const features = (metrics: MetricDataQuery[]) =>
      (report(metrics) as { feature: string }[]).map((f) => f.feature);
    expect(
      features([stat('m1', lambda('Errors')), stat('m2', lambda('Throttles')), expression('e', 'METRICS()')]),
    ).toEqual(['query "e" returns an array of 2 time series; an alarm needs one time series']);
    expect(features([expression('e', 'nope * 2')])).toEqual(['query "e": unknown query id "nope"']);
    expect(features([{ ...expression('a', 'b + 1'), returnData: false }, expression('b', 'a + 1')])).toEqual([
      'query "a": query "b" refers to itself',
    ]);
  });

  it('requires a Period on a Metrics Insights query', () => {
    expect(report([expression('q', 'SELECT SUM(x) FROM "AWS/DynamoDB"')])).toEqual([
      { alarm: 'checkout-errors', feature: 'Metrics Insights query "q" has no Period' },
    ]);
  });
});
