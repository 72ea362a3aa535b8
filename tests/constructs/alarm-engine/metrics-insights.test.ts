import type { MetricSeries, MetricStat } from '../../../constructs/alarm-engine/alarm-definition';
import type { Datapoint, MetricSource } from '../../../constructs/alarm-engine/compiled-metric';
import {
  compileMetricsInsights,
  isMetricsInsightsQuery,
  MetricsInsightsSyntaxError,
  MetricsInsightsUnsupported,
  matchesQuery,
  parseMetricsInsights,
} from '../../../constructs/alarm-engine/metrics-insights';

// A tiny source: series keyed by identity, datapoints aggregated over [end - period, end).
function sourceOf(series: readonly MetricSeries[]): MetricSource & { readonly reads: MetricStat[] } {
  const reads: MetricStat[] = [];
  const key = (m: MetricStat['metric']) => JSON.stringify([m.namespace, m.metricName, m.dimensions]);
  const byKey = new Map(series.map((s) => [key(s), s]));
  return {
    reads,
    series: () => series,
    datapoint: (stat, end): Datapoint | undefined => {
      reads.push(stat);
      const values = (byKey.get(key(stat.metric))?.samples ?? [])
        .filter(([t]) => t >= end - stat.period * 1000 && t < end)
        .map(([, v]) => v);
      if (values.length === 0) return undefined;
      const value =
        stat.stat === 'Minimum'
          ? Math.min(...values)
          : stat.stat === 'Maximum'
            ? Math.max(...values)
            : values.reduce((a, b) => a + b, 0);
      return { value, sampleCount: values.length };
    },
  };
}

const END = 3_600_000;
const at = (offsetS: number) => END - offsetS * 1000;
const dynamo = (metricName: string, dimensions: Record<string, string>, values: number[]): MetricSeries => ({
  namespace: 'AWS/DynamoDB',
  metricName,
  dimensions,
  samples: values.map((v, i) => [at(10 + i), v] as const),
});

const series = [
  dynamo('SystemErrors', { TableName: 'orders', Operation: 'GetItem' }, [1, 2]),
  dynamo('SystemErrors', { TableName: 'orders', Operation: 'PutItem' }, [4]),
  dynamo('SystemErrors', { TableName: 'users', Operation: 'GetItem' }, [100]),
  dynamo('SystemErrors', { TableName: 'orders' }, [1000]),
  dynamo('ThrottledRequests', { TableName: 'orders', Operation: 'GetItem' }, [7]),
];

describe('Metrics Insights (cloudwatch-metrics-insights-querylanguage)', () => {
  const vigilQuery = `SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) WHERE TableName = 'orders'`;

  it('parses the query Vigil synthesizes for DynamoDB tables', () => {
    expect(isMetricsInsightsQuery(vigilQuery)).toBe(true);
    expect(isMetricsInsightsQuery('IF(m1 > 0, 1, 0)')).toBe(false);
    expect(parseMetricsInsights(vigilQuery)).toEqual({
      fn: 'SUM',
      metricName: 'SystemErrors',
      namespace: 'AWS/DynamoDB',
      schemaKeys: ['Operation', 'TableName'],
      where: [{ key: 'TableName', op: '=', value: 'orders' }],
    });
  });

  it('sums every observation of the series with exactly the SCHEMA keys that pass WHERE', () => {
    const source = sourceOf(series);
    // orders/GetItem (1 + 2) and orders/PutItem (4); not users, not the TableName-only series.
    expect(compileMetricsInsights(parseMetricsInsights(vigilQuery), 300)(source, END)).toBe(7);
    expect(source.reads.every((r) => r.period === 300 && r.stat === 'Sum')).toBe(true);
  });

  it('SCHEMA matches the exact set of dimension keys, in any order; FROM namespace matches all', () => {
    const parse = parseMetricsInsights;
    const [getItem, , , tableOnly] = series as [MetricSeries, MetricSeries, MetricSeries, MetricSeries];
    expect(
      matchesQuery(
        parse('SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", TableName, Operation)'),
        getItem,
      ),
    ).toBe(true);
    expect(
      matchesQuery(parse('SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", TableName)'), getItem),
    ).toBe(false);
    expect(
      matchesQuery(parse('SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", TableName)'), tableOnly),
    ).toBe(true);
    expect(matchesQuery(parse('SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB")'), tableOnly)).toBe(
      false,
    );
    const all = compileMetricsInsights(parse('SELECT SUM(SystemErrors) FROM "AWS/DynamoDB"'), 300);
    expect(all(sourceOf(series), END)).toBe(1107);
  });

  it('filters with =, != and AND; keywords are not case sensitive', () => {
    const q = parseMetricsInsights(
      `select max(SystemErrors) from schema("AWS/DynamoDB", Operation, TableName) where TableName != 'users' and Operation = 'GetItem'`,
    );
    expect(compileMetricsInsights(q, 300)(sourceOf(series), END)).toBe(2);
  });

  it('AVG and COUNT aggregate observations; MIN the smallest; no matching datapoint is missing', () => {
    const from = `FROM SCHEMA("AWS/DynamoDB", Operation, TableName) WHERE TableName = 'orders'`;
    const source = sourceOf(series);
    expect(
      compileMetricsInsights(parseMetricsInsights(`SELECT AVG(SystemErrors) ${from}`), 300)(source, END),
    ).toBe(7 / 3);
    expect(
      compileMetricsInsights(parseMetricsInsights(`SELECT COUNT(SystemErrors) ${from}`), 300)(source, END),
    ).toBe(3);
    expect(
      compileMetricsInsights(parseMetricsInsights(`SELECT MIN(SystemErrors) ${from}`), 300)(source, END),
    ).toBe(1);
    expect(
      compileMetricsInsights(parseMetricsInsights(`SELECT SUM(SystemErrors) ${from}`), 300)(
        source,
        END + 600_000,
      ),
    ).toBeUndefined();
  });

  it('reads quoted names with escaped quotes and accepts ORDER BY and LIMIT on a single series', () => {
    const q = parseMetricsInsights(`SELECT AVG("Bytes\\"Input\\"") FROM "My/NS" ORDER BY MAX() DESC LIMIT 5`);
    expect(q).toEqual({ fn: 'AVG', metricName: 'Bytes"Input"', namespace: 'My/NS', where: [] });
  });

  it.each([
    [`SELECT SUM(SystemErrors) FROM "AWS/DynamoDB" GROUP BY TableName`, /GROUP BY/],
    [`SELECT SUM(SystemErrors) FROM "AWS/DynamoDB" WHERE TableName = 'a' OR TableName = 'b'`, /OR in WHERE/],
    [`SELECT SUM(SystemErrors) FROM "AWS/DynamoDB" WHERE TableName IN ('a', 'b')`, /IN in WHERE/],
    [`SELECT SUM(SystemErrors) FROM "AWS/DynamoDB" WHERE TableName LIKE 'a%'`, /LIKE in WHERE/],
  ])('reports %j as unsupported', (query, feature) => {
    expect(() => parseMetricsInsights(query)).toThrow(MetricsInsightsUnsupported);
    expect(() => parseMetricsInsights(query)).toThrow(feature);
  });

  it.each([
    [
      `SELECT PERCENTILE(x) FROM "A"`,
      'Expected one of AVG, COUNT, MAX, MIN, SUM but found "PERCENTILE" at position 8',
    ],
    [
      `SELECT SUM(x) FROM "A" WHERE k = v`,
      'Expected a label value in single quotation marks but found "v" at position 34',
    ],
    [`SELECT SUM(x) "A"`, 'Expected FROM but found "A" at position 15'],
    [`SELECT SUM(x) FROM SCHEMA("A", k`, 'Expected ")" but found end of query at position 33'],
    [
      `SELECT SUM(x) FROM "A" LIMIT 501`,
      'Expected a LIMIT from 1 to 500 but found number 501 at position 30',
    ],
    [`SELECT SUM(x) FROM "A" WHERE k = 'v`, 'Unterminated label value at position 34'],
    [`SELECT SUM(x) FROM "A" extra`, 'Unexpected "extra" at position 24'],
  ])('rejects %j with the problem and its position', (query, message) => {
    expect(() => parseMetricsInsights(query)).toThrow(MetricsInsightsSyntaxError);
    expect(() => parseMetricsInsights(query)).toThrow(message);
  });
});
