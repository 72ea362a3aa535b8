import type { MetricAlarmDefinition } from '../../../constructs/alarm-engine/alarm-definition';
import { runBacktest } from '../../../constructs/alarm-engine/backtest';
import type { RecordedMetric } from '../../../scripts/backtest/metrics-file';
import { evaluationInputs } from '../../../scripts/backtest/recorded-inputs';

const T0 = Date.UTC(2026, 0, 1);
const metric = { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: { FunctionName: 'f' } };

function alarm(name: string, stat: string, threshold: number): MetricAlarmDefinition {
  return {
    kind: 'metric',
    name,
    metricStat: { metric, period: 300, stat },
    threshold,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    evaluationPeriods: 1,
  };
}

/** Five one-minute datapoints of `statistic`, as `--live --save` records them. */
function datapoints(statistic: string, values: number[]): RecordedMetric {
  return {
    ...metric,
    statistic,
    period: 60,
    samples: values.map((value, minute) => [T0 + minute * 60_000, value]),
  };
}

describe('alarms over recorded one-minute datapoints', () => {
  it('re-aggregates SampleCount as the sum of the per-minute counts, exactly', () => {
    const inputs = evaluationInputs(
      [alarm('count', 'SampleCount', 50)],
      [datapoints('SampleCount', [10, 10, 10, 10, 10])],
    );
    const result = runBacktest(inputs.definitions, inputs.series, { from: T0 + 300_000, to: T0 + 300_000 });
    // 50 samples in the five minutes: the alarm fires; counting five datapoints would not.
    expect(result.alarms[0]?.finalState).toBe('ALARM');
    expect(inputs.approximate.size).toBe(0);
  });

  it('keeps two statistics of one metric apart and marks the percentile alarm approximate', () => {
    const inputs = evaluationInputs(
      [alarm('max', 'Maximum', 900), alarm('p99', 'p99', 900)],
      [datapoints('Maximum', [100, 950, 100, 100, 100]), datapoints('p99', [90, 90, 90, 90, 90])],
    );
    const result = runBacktest(inputs.definitions, inputs.series, { from: T0 + 300_000, to: T0 + 300_000 });
    const state = Object.fromEntries(result.alarms.map((entry) => [entry.name, entry.finalState]));
    expect(state).toEqual({ max: 'ALARM', p99: 'OK' });
    expect(inputs.approximate.get('p99')).toBe(
      'p99 of AWS/Lambda Duration recomputed from 60-second p99 datapoints',
    );
    expect(inputs.approximate.has('max')).toBe(false);
  });

  it('leaves out an alarm whose statistic was not recorded, saying which were', () => {
    const inputs = evaluationInputs([alarm('avg', 'Average', 1)], [datapoints('Maximum', [1])]);
    expect(inputs.definitions).toEqual([]);
    expect(inputs.unsupported).toEqual([
      { alarm: 'avg', feature: 'reads Average of AWS/Lambda Duration, recorded only as Maximum datapoints' },
    ]);
  });

  it('passes raw samples through unchanged', () => {
    const raw: RecordedMetric = { ...metric, samples: [[T0, 1]] };
    const definitions = [alarm('sum', 'Sum', 1)];
    expect(evaluationInputs(definitions, [raw])).toEqual({
      definitions,
      series: [raw],
      approximate: new Map(),
      unsupported: [],
    });
  });
});
