import fc from 'fast-check';
import type { MetricSeries, MetricStat } from '../../../constructs/alarm-engine/alarm-definition';
import { SeriesMetricSource } from '../../../constructs/alarm-engine/metric-source';
import { aggregate, parseStatistic, type Statistic } from '../../../constructs/alarm-engine/statistics';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 1);

const orders = { FunctionName: 'orders', Resource: 'orders' };

function series(
  samples: ReadonlyArray<readonly [number, number]>,
  extra: Partial<MetricSeries> = {},
): MetricSeries {
  return { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: orders, samples, ...extra };
}

function stat(statistic: string, extra: Partial<MetricStat> = {}): MetricStat {
  return {
    metric: { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: orders },
    period: 300,
    stat: statistic,
    ...extra,
  };
}

describe('SeriesMetricSource: which samples a MetricStat reads', () => {
  const source = new SeriesMetricSource([
    series([
      [T0, 1],
      [T0 + MINUTE, 2],
    ]),
    series([[T0 + 2 * MINUTE, 4]], { dimensions: { FunctionName: 'orders' } }),
    series([[T0 + 3 * MINUTE, 8]], { metricName: 'Errors' }),
  ]);

  it('matches namespace, name and the complete dimension set, in any order of the dimensions', () => {
    const reordered = stat('Sum', {
      metric: {
        namespace: 'AWS/Lambda',
        metricName: 'Duration',
        dimensions: { Resource: 'orders', FunctionName: 'orders' },
      },
    });
    expect(source.datapoint(reordered, T0 + 5 * MINUTE)).toEqual({ value: 3, sampleCount: 2 });
  });

  it('a subset of the dimensions is another metric', () => {
    const fewer = stat('Sum', {
      metric: { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: { FunctionName: 'orders' } },
    });
    expect(source.datapoint(fewer, T0 + 5 * MINUTE)).toEqual({ value: 4, sampleCount: 1 });
  });

  it('has no datapoint for a metric it does not hold', () => {
    expect(
      source.datapoint(
        stat('Sum', { metric: { namespace: 'AWS/SQS', metricName: 'Duration', dimensions: orders } }),
        T0 + 5 * MINUTE,
      ),
    ).toBeUndefined();
  });

  it('returns every series as given', () => {
    expect(source.series()).toHaveLength(3);
  });
});

describe('SeriesMetricSource: units', () => {
  const source = new SeriesMetricSource([
    series([[T0, 1]], { unit: 'Count' }),
    series([[T0 + 1000, 10]], { unit: 'Milliseconds' }),
    series([[T0 + 2000, 100]]),
  ]);

  it('without a unit in the stat, samples of every unit count', () => {
    expect(source.datapoint(stat('Sum'), T0 + MINUTE)).toEqual({ value: 111, sampleCount: 3 });
  });

  it('with a unit, only samples published with it count', () => {
    expect(source.datapoint(stat('Sum', { unit: 'Milliseconds' }), T0 + MINUTE)).toEqual({
      value: 10,
      sampleCount: 1,
    });
    expect(source.datapoint(stat('Sum', { unit: 'Bytes' }), T0 + MINUTE)).toBeUndefined();
  });

  it('a sample published without a unit has the unit None', () => {
    expect(source.datapoint(stat('Sum', { unit: 'None' }), T0 + MINUTE)).toEqual({
      value: 100,
      sampleCount: 1,
    });
  });
});

describe('SeriesMetricSource: windows', () => {
  const source = new SeriesMetricSource([
    series([
      [T0 - 1, 1000],
      [T0, 1],
      [T0 + 299_999, 2],
      [T0 + 300_000, 4000],
    ]),
  ]);

  it('reads [end - period, end): the start included, the end excluded', () => {
    expect(source.datapoint(stat('Sum'), T0 + 300_000)).toEqual({ value: 3, sampleCount: 2 });
  });

  it('has no datapoint for a window without samples', () => {
    expect(source.datapoint(stat('Sum'), T0 + 2 * 300_000 + 1)).toBeUndefined();
  });

  it('gives no datapoint for a percentile over negative samples, as CloudWatch', () => {
    const negative = new SeriesMetricSource([series([[T0, -1]])]);
    expect(negative.datapoint(stat('p90'), T0 + MINUTE)).toBeUndefined();
    expect(negative.datapoint(stat('Minimum'), T0 + MINUTE)).toEqual({ value: -1, sampleCount: 1 });
  });

  it('refuses a statistic it does not compute rather than guess', () => {
    expect(() => source.datapoint(stat('Median'), T0 + MINUTE)).toThrow('statistic Median is not supported');
  });
});

describe('SeriesMetricSource agrees with the statistics over the same samples', () => {
  const statistics = [
    'SampleCount',
    'Sum',
    'Average',
    'Minimum',
    'Maximum',
    'p50',
    'p99',
    'tm90',
    'PR(:500)',
    'WM(10%:90%)',
  ];
  const samples = fc.array(fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 1000 })), {
    maxLength: 1500,
  });
  const queries = fc.array(fc.tuple(fc.integer({ min: 0, max: 2100 }), fc.constantFrom(10, 60, 600, 1200)), {
    minLength: 1,
    maxLength: 25,
  });

  it('for any samples (in any order) and windows (short and long, in any order)', () => {
    fc.assert(
      fc.property(samples, queries, fc.constantFrom(...statistics), (raw, windows, name) => {
        const source = new SeriesMetricSource([
          series(raw.map(([seconds, value]) => [T0 + seconds * 1000, value] as const)),
        ]);
        const statistic = parseStatistic(name) as Statistic;
        for (const [endSeconds, period] of windows) {
          const end = T0 + endSeconds * 1000;
          const inWindow = raw
            .filter(
              ([seconds]) => seconds * 1000 >= endSeconds * 1000 - period * 1000 && seconds < endSeconds,
            )
            .map(([, value]) => value);
          const actual = source.datapoint(stat(name, { period }), end);
          const expected = aggregate(statistic, inWindow);
          if (expected === undefined) {
            expect(actual).toBeUndefined();
          } else {
            expect(actual?.sampleCount).toBe(inWindow.length);
            expect(actual?.value).toBeCloseTo(expected, 6);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('SeriesMetricSource speed', () => {});
