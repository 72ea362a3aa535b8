import fc from 'fast-check';
import type {
  AlarmState,
  ComparisonOperator,
  MetricAlarmDefinition,
  MetricSeries,
  TreatMissingData,
} from '../../../constructs/alarm-engine/alarm-definition';
import { compileAlarmMetric } from '../../../constructs/alarm-engine/compile-alarm-metric';
import type { CompiledAlarmMetric } from '../../../constructs/alarm-engine/compiled-metric';
import {
  effectiveTreatMissingData,
  evaluateWindow,
  evaluationInterval,
  evaluationRange,
  evaluationTimes,
  javaDouble,
  MetricAlarmEvaluator,
  minimumSampleCount,
  type WindowDatapoint,
  type WindowSettings,
} from '../../../constructs/alarm-engine/evaluate-metric-alarm';
import { SeriesMetricSource } from '../../../constructs/alarm-engine/metric-source';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);
const STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const TREATMENTS: readonly TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

/** "0 - X - X" as in the doc's tables: 0 not breaching, X breaching, - missing; most recent on the right. */
function range(pattern: string, periodMinutes = 5): WindowDatapoint[] {
  return pattern.split(' ').map((cell, index) => ({
    timestamp: T0 + index * periodMinutes * MINUTE,
    value: cell === '-' ? undefined : cell === 'X' ? 10 : 0,
  }));
}

function settings(overrides: Partial<WindowSettings> = {}): WindowSettings {
  return {
    comparisonOperator: 'GreaterThanThreshold',
    threshold: 5,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: 'missing',
    ...overrides,
  };
}

type Expected = AlarmState | 'retain';
const PAGE = 'AlarmThatSendsEmail.md, "How alarm state is evaluated when data is missing"';

function checkRow(pattern: string, datapointsToAlarm: number, treat: TreatMissingData, expected: Expected) {
  for (const current of STATES) {
    const result = evaluateWindow(
      range(pattern),
      settings({ datapointsToAlarm, treatMissingData: treat }),
      current,
    );
    expect(result.state).toBe(expected === 'retain' ? current : expected);
  }
}

describe(`${PAGE}, first table (3 of 3, evaluation range 5)`, () => {
  const rows: ReadonlyArray<[string, Expected, Expected, Expected, Expected]> = [
    ['0 - X - X', 'OK', 'OK', 'OK', 'OK'],
    ['0 - - - -', 'OK', 'OK', 'OK', 'OK'],
    ['- - - - -', 'INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK'],
    ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['- - X - -', 'ALARM', 'retain', 'ALARM', 'OK'],
  ];
  for (const [index, [pattern, missing, ignore, breaching, notBreaching]] of rows.entries()) {
    for (const [treat, expected] of [
      ['missing', missing],
      ['ignore', ignore],
      ['breaching', breaching],
      ['notBreaching', notBreaching],
    ] as const) {
      it(`row ${index + 1} "${pattern}", TreatMissingData ${treat} → ${expected}`, () => {
        checkRow(pattern, 3, treat, expected);
      });
    }
  }
});

describe(`${PAGE}, second table (2 of 3, evaluation range 5)`, () => {
  const rows: ReadonlyArray<[string, Expected, Expected, Expected, Expected]> = [
    ['0 - X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 0 X 0 X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 - X - -', 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - - 0', 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - X -', 'ALARM', 'retain', 'ALARM', 'OK'],
  ];
  for (const [index, [pattern, missing, ignore, breaching, notBreaching]] of rows.entries()) {
    for (const [treat, expected] of [
      ['missing', missing],
      ['ignore', ignore],
      ['breaching', breaching],
      ['notBreaching', notBreaching],
    ] as const) {
      it(`row ${index + 1} "${pattern}", TreatMissingData ${treat} → ${expected}`, () => {
        checkRow(pattern, 2, treat, expected);
      });
    }
  }
});

describe('AlarmThatSendsEmail.md, "Avoiding premature transitions to alarm state"', () => {
  it('"- - - - X" and "- - - X -" with 3 of 3 do not go to ALARM: the next datapoint may not breach', () => {
    for (const pattern of ['- - - - X', '- - - X -']) {
      for (const current of ['OK', 'INSUFFICIENT_DATA'] as const) {
        expect(evaluateWindow(range(pattern), settings(), current).state).not.toBe('ALARM');
      }
    }
  });

  it('"- - - X O" and "- - X - O", the non-breaching datapoint that arrived next, are OK', () => {
    expect(evaluateWindow(range('- - - X 0'), settings(), 'INSUFFICIENT_DATA').state).toBe('OK');
    expect(evaluateWindow(range('- - X - 0'), settings(), 'INSUFFICIENT_DATA').state).toBe('OK');
  });

  it('"- - X - -" goes to ALARM "even if missing data points are treated as missing"', () => {
    expect(evaluateWindow(range('- - X - -'), settings(), 'OK').state).toBe('ALARM');
  });

  it('"applies to M out of N alarms as well": "- - - X -" with 2 of 3 goes to ALARM', () => {
    expect(evaluateWindow(range('- - - X -'), settings({ datapointsToAlarm: 2 }), 'OK').state).toBe('ALARM');
  });

  it('with 1 of 3, a single breaching datapoint is enough, missing or ignored', () => {
    for (const treat of ['missing', 'ignore'] as const) {
      const result = evaluateWindow(
        range('- - - - X'),
        settings({ datapointsToAlarm: 1, treatMissingData: treat }),
        'OK',
      );
      expect(result.state).toBe('ALARM');
    }
  });
});

describe('AlarmThatSendsEmail.md, "Evaluating an alarm": M of N', () => {
  it('breaching datapoints "don\'t have to be consecutive, but they must all be within the last" N', () => {
    const twoOfThree = settings({ datapointsToAlarm: 2 });
    expect(evaluateWindow(range('0 0 X 0 X'), twoOfThree, 'OK').state).toBe('ALARM');
    expect(evaluateWindow(range('X X 0 0 X'), twoOfThree, 'OK').state).toBe('OK');
  });

  it('the figure: threshold 3, 3 of 3 — ALARM in periods 3 to 5, OK from period 6, still OK after one breach in period 9', () => {
    const values = [4, 5, 4, 6, 5, 2, 1, 2, 5, 2];
    const samples = values.map((value, index) => [T0 + index * MINUTE + 30_000, value] as const);
    const source = new SeriesMetricSource([lambdaErrors(samples)]);
    const alarm = metricAlarm({ threshold: 3, evaluationPeriods: 3, stat: 'Maximum', period: 60 });
    const evaluator = new MetricAlarmEvaluator(alarm, compiled(alarm));
    let state: AlarmState = 'INSUFFICIENT_DATA';
    const states: AlarmState[] = [];
    for (let period = 1; period <= values.length; period++) {
      state = evaluator.evaluate(source, T0 + period * MINUTE, state).state;
      states.push(state);
    }
    expect(states.slice(2)).toEqual(['ALARM', 'ALARM', 'ALARM', 'OK', 'OK', 'OK', 'OK', 'OK']);
  });

  it('"if the Period is 5 minutes ... at the end of minute 5 the alarm evaluates based on data from minutes 1 to 5. Then at the end of minute 6 ... minutes 2 to 6"', () => {
    const samples = Array.from(
      { length: 10 },
      (_, minute) => [T0 + minute * MINUTE + 1000, minute === 0 ? 100 : 0] as const,
    );
    const source = new SeriesMetricSource([lambdaErrors(samples)]);
    const alarm = metricAlarm({ threshold: 50, evaluationPeriods: 1, stat: 'Maximum', period: 300 });
    const evaluator = new MetricAlarmEvaluator(alarm, compiled(alarm));
    const atEndOfMinute5 = evaluator.evaluate(source, T0 + 5 * MINUTE, 'OK');
    expect(atEndOfMinute5.state).toBe('ALARM');
    expect(atEndOfMinute5.reason).toContain('[100.0 (06/12/26 10:00:00)]');
    const atEndOfMinute6 = evaluator.evaluate(source, T0 + 6 * MINUTE, 'ALARM');
    expect(atEndOfMinute6.state).toBe('OK');
    expect(atEndOfMinute6.reason).toContain('[0.0 (06/12/26 10:01:00)]');
  });
});

describe('AlarmThatSendsEmail.md, "Configuring how CloudWatch alarms treat missing data": AWS/DynamoDB', () => {
  const dynamo = (treatMissingData?: TreatMissingData) =>
    metricAlarm({
      namespace: 'AWS/DynamoDB',
      metricName: 'ThrottledRequests',
      threshold: 1,
      treatMissingData,
    });
  const empty = new SeriesMetricSource([]);

  it('an AWS/DynamoDB alarm without a TreatMissingData keeps its state when data is missing', () => {
    const alarm = dynamo();
    for (const current of STATES) {
      expect(new MetricAlarmEvaluator(alarm, compiled(alarm)).evaluate(empty, T0, current).state).toBe(
        current,
      );
    }
  });

  it('following the newer user guide ("default to ignore ... You can override this"), a chosen treatment applies', () => {
    const alarm = dynamo('breaching');
    expect(new MetricAlarmEvaluator(alarm, compiled(alarm)).evaluate(empty, T0, 'OK').state).toBe('ALARM');
  });

  it('under the API reference reading ("always ignore missing data even if you choose a different option") it is ignored', () => {
    const alarm = dynamo('breaching');
    const evaluator = new MetricAlarmEvaluator(alarm, compiled(alarm), {
      dynamoDbMissingData: 'alwaysIgnore',
    });
    expect(evaluator.evaluate(empty, T0, 'OK').state).toBe('OK');
  });

  it('only alarms that read AWS/DynamoDB are concerned', () => {
    expect(effectiveTreatMissingData(undefined, false)).toBe('missing');
    expect(effectiveTreatMissingData(undefined, true)).toBe('ignore');
    expect(effectiveTreatMissingData('notBreaching', true)).toBe('notBreaching');
    expect(effectiveTreatMissingData('notBreaching', true, 'alwaysIgnore')).toBe('ignore');
  });
});

describe('AlarmThatSendsEmail.md, "Percentile-based CloudWatch alarms and low data samples"', () => {
  it('"this setting would be used if there were fewer than 1000 samples for an alarm on a p99 percentile"', () => {
    expect(minimumSampleCount(0.99)).toBe(1000);
    expect(minimumSampleCount(0.5)).toBe(20);
    expect(minimumSampleCount(0.9)).toBe(100);
    expect(minimumSampleCount(0.25)).toBe(40);
    expect(minimumSampleCount(0.3)).toBe(34);
    expect(minimumSampleCount(1)).toBeUndefined();
    expect(minimumSampleCount(0)).toBeUndefined();
  });

  function p99Alarm(evaluateLowSampleCountPercentile: 'evaluate' | 'ignore') {
    return metricAlarm({
      stat: 'p99',
      threshold: 500,
      evaluationPeriods: 1,
      evaluateLowSampleCountPercentile,
    });
  }
  /** `count` latency samples of 900 ms in the minute before T0 + 1 min. */
  function slowMinute(count: number) {
    const samples = Array.from({ length: count }, (_, i) => [T0 + i, 900] as const);
    return new SeriesMetricSource([lambdaErrors(samples)]);
  }

  it('with ignore, 999 samples of a p99 alarm keep the current state', () => {
    const alarm = p99Alarm('ignore');
    const evaluator = new MetricAlarmEvaluator(alarm, compiled(alarm));
    const result = evaluator.evaluate(slowMinute(999), T0 + MINUTE, 'OK');
    expect(result.state).toBe('OK');
    expect(result.reason).toContain('999 samples, fewer than the 1000 a p99 alarm needs');
  });

  it('with ignore, 1000 samples are enough and the alarm evaluates', () => {
    const alarm = p99Alarm('ignore');
    expect(
      new MetricAlarmEvaluator(alarm, compiled(alarm)).evaluate(slowMinute(1000), T0 + MINUTE, 'OK').state,
    ).toBe('ALARM');
  });

  it('with evaluate, the alarm evaluates "the statistic anyway and possibly change the alarm state"', () => {
    const alarm = p99Alarm('evaluate');
    expect(
      new MetricAlarmEvaluator(alarm, compiled(alarm)).evaluate(slowMinute(3), T0 + MINUTE, 'OK').state,
    ).toBe('ALARM');
  });
});

describe('comparison operators (PutMetricAlarm ComparisonOperator)', () => {
  const one = (value: number, band?: readonly [number, number]): WindowDatapoint[] => [
    { timestamp: T0, value: undefined },
    { timestamp: T0 + MINUTE, value: undefined },
    { timestamp: T0 + 2 * MINUTE, value, band },
  ];
  const at = (comparisonOperator: ComparisonOperator, value: number, band?: readonly [number, number]) =>
    evaluateWindow(
      one(value, band),
      settings({ comparisonOperator, evaluationPeriods: 1, datapointsToAlarm: 1 }),
      'OK',
    ).state;

  it.each([
    ['GreaterThanOrEqualToThreshold', 5, 'ALARM'],
    ['GreaterThanOrEqualToThreshold', 4.9, 'OK'],
    ['GreaterThanThreshold', 5, 'OK'],
    ['GreaterThanThreshold', 5.1, 'ALARM'],
    ['LessThanThreshold', 5, 'OK'],
    ['LessThanThreshold', 4.9, 'ALARM'],
    ['LessThanOrEqualToThreshold', 5, 'ALARM'],
    ['LessThanOrEqualToThreshold', 5.1, 'OK'],
  ] as const)('%s with threshold 5 and value %d → %s', (operator, value, expected) => {
    expect(at(operator, value)).toBe(expected);
  });

  it.each([
    ['LessThanLowerOrGreaterThanUpperThreshold', 0.5, 'ALARM'],
    ['LessThanLowerOrGreaterThanUpperThreshold', 2.5, 'ALARM'],
    ['LessThanLowerOrGreaterThanUpperThreshold', 1, 'OK'],
    ['LessThanLowerOrGreaterThanUpperThreshold', 2, 'OK'],
    ['LessThanLowerThreshold', 0.5, 'ALARM'],
    ['LessThanLowerThreshold', 2.5, 'OK'],
    ['GreaterThanUpperThreshold', 2.5, 'ALARM'],
    ['GreaterThanUpperThreshold', 0.5, 'OK'],
  ] as const)('%s with band [1, 2] and value %d → %s', (operator, value, expected) => {
    expect(at(operator, value, [1, 2])).toBe(expected);
  });

  it('a band alarm datapoint without a band is missing', () => {
    const result = evaluateWindow(
      one(10),
      settings({
        comparisonOperator: 'GreaterThanUpperThreshold',
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
      }),
      'OK',
    );
    expect(result.state).toBe('INSUFFICIENT_DATA');
  });
});

describe('reasons, worded like the StateReason samples of cloudwatch-and-eventbridge.md', () => {
  const single = (value: number, timestamp: number, band?: readonly [number, number]): WindowDatapoint[] => [
    { timestamp: timestamp - 10 * MINUTE, value: undefined },
    { timestamp: timestamp - 5 * MINUTE, value: undefined },
    { timestamp, value, band },
  ];
  const oneOfOne = (overrides: Partial<WindowSettings>) =>
    settings({ evaluationPeriods: 1, datapointsToAlarm: 1, ...overrides });

  it('"State change for a single-metric alarm", to ALARM', () => {
    const result = evaluateWindow(
      single(99.50160229693434, Date.UTC(2019, 9, 2, 16, 59)),
      oneOfOne({ threshold: 50 }),
      'OK',
    );
    expect(result).toEqual({
      state: 'ALARM',
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than ' +
        'the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).',
    });
  });

  it('"State change for a single-metric alarm", the previous OK', () => {
    const result = evaluateWindow(
      single(0.0666851903306472, Date.UTC(2019, 9, 1, 13, 46)),
      oneOfOne({ threshold: 50 }),
      'ALARM',
    );
    expect(result.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] was not greater ' +
        'than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
  });

  it('"State change for a metric math alarm"', () => {
    const result = evaluateWindow(
      single(45628, Date.UTC(2019, 9, 2, 17, 10)),
      oneOfOne({ threshold: 10000 }),
      'OK',
    );
    expect(result.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [45628.0 (02/10/19 17:10:00)] was greater than the ' +
        'threshold (10000.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
  });

  it('"State change for an anomaly detection alarm", both states', () => {
    const band = oneOfOne({
      comparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      threshold: undefined,
    });
    const alarm = evaluateWindow(
      single(0, Date.UTC(2019, 9, 3, 15, 58), [0.020599444741798756, 0.3006915352732461]),
      band,
      'OK',
    );
    expect(alarm.reason).toBe(
      'Thresholds Crossed: 1 out of the last 1 datapoints [0.0 (03/10/19 15:58:00)] was less than the lower ' +
        'thresholds [0.020599444741798756] or greater than the upper thresholds [0.3006915352732461] (minimum 1 ' +
        'datapoint for OK -> ALARM transition).',
    );
    const ok = evaluateWindow(
      single(0.166666666664241, Date.UTC(2019, 9, 3, 15, 57), [0.0206719426210418, 0.30076870222143803]),
      band,
      'ALARM',
    );
    expect(ok.reason).toBe(
      'Thresholds Crossed: 1 out of the last 1 datapoints [0.166666666664241 (03/10/19 15:57:00)] was not less than ' +
        'the lower thresholds [0.0206719426210418] or not greater than the upper thresholds [0.30076870222143803] ' +
        '(minimum 1 datapoint for ALARM -> OK transition).',
    );
  });

  it('M of N lists the breaching datapoints newest first', () => {
    const datapoints: WindowDatapoint[] = [
      { timestamp: T0, value: undefined },
      { timestamp: T0 + 5 * MINUTE, value: 8433 },
      { timestamp: T0 + 10 * MINUTE, value: 100 },
      { timestamp: T0 + 15 * MINUTE, value: 9874 },
      { timestamp: T0 + 20 * MINUTE, value: undefined },
    ];
    const result = evaluateWindow(
      datapoints,
      settings({
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 8000,
        datapointsToAlarm: 2,
      }),
      'OK',
    );
    expect(result.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [9874.0 (06/12/26 10:15:00), 8433.0 (06/12/26 10:05:00)] ' +
        'were greater than or equal to the threshold (8000.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
  });

  it('missing datapoints filled by the treatment are named', () => {
    expect(evaluateWindow(range('- - - - -'), settings({ treatMissingData: 'breaching' }), 'OK').reason).toBe(
      'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].',
    );
    expect(
      evaluateWindow(range('0 - - - -'), settings({ treatMissingData: 'breaching' }), 'ALARM').reason,
    ).toBe(
      'Threshold Crossed: 1 out of the last 3 datapoints [0.0 (06/12/26 10:00:00)] was not greater than the threshold ' +
        '(5.0) and 2 missing datapoints were treated as [Breaching] (minimum 1 datapoint for ALARM -> OK transition).',
    );
    expect(
      evaluateWindow(
        range('- - - - 0'),
        settings({ treatMissingData: 'breaching', datapointsToAlarm: 2 }),
        'OK',
      ).reason,
    ).toBe(
      'Threshold Crossed: 1 datapoint was received for 3 periods and 2 missing datapoints were treated as [Breaching].',
    );
  });

  it('all missing under missing is INSUFFICIENT_DATA, "Insufficient Data: 1 datapoint was unknown."', () => {
    const oneOf = settings({ evaluationPeriods: 1, datapointsToAlarm: 1 });
    expect(evaluateWindow(range('- - -'), oneOf, 'OK').reason).toBe(
      'Insufficient Data: 1 datapoint was unknown.',
    );
  });

  it('prints numbers like Java, as CloudWatch does', () => {
    expect(javaDouble(50)).toBe('50.0');
    expect(javaDouble(0)).toBe('0.0');
    expect(javaDouble(-2.5)).toBe('-2.5');
    expect(javaDouble(12_345_678)).toBe('1.2345678E7');
    expect(javaDouble(0.00015)).toBe('1.5E-4');
    expect(javaDouble(1e7)).toBe('1.0E7');
    expect(javaDouble(0.001)).toBe('0.001');
  });
});

describe('evaluation schedule and range (alarm-evaluation.md, alarm-evaluation-window.md)', () => {
  it("reads Evaluation Periods + 2 datapoints, as the docs' 5 for 3", () => {
    expect(evaluationRange(3)).toBe(5);
    const alarm = metricAlarm({ evaluationPeriods: 3 });
    const result = new MetricAlarmEvaluator(alarm, compiled(alarm)).evaluate(
      new SeriesMetricSource([]),
      T0,
      'OK',
    );
    expect(result.datapoints).toHaveLength(5);
  });

  it('evaluates every minute, every 10 seconds for 10/20/30 s periods, hourly for multi-day alarms', () => {
    expect(evaluationInterval(300, 3)).toBe(MINUTE);
    expect(evaluationInterval(60, 1)).toBe(MINUTE);
    expect(evaluationInterval(10, 6)).toBe(10_000);
    expect(evaluationInterval(20, 3)).toBe(10_000);
    expect(evaluationInterval(30, 1)).toBe(10_000);
    expect(evaluationInterval(86_400, 3)).toBe(60 * MINUTE);
    expect(evaluationTimes(300, T0 - 30_000, T0 + 2 * MINUTE)).toEqual([T0, T0 + MINUTE, T0 + 2 * MINUTE]);
    expect(evaluationTimes(10, T0, T0 + 30_000)).toEqual([T0, T0 + 10_000, T0 + 20_000, T0 + 30_000]);
  });

  it('a multi-day alarm reads data only up to the top of the hour ("At 10:02, the job fails ... At 10:03, the alarm evaluates and stays in OK ... At 11:03 ... goes into ALARM")', () => {
    const day = 24 * 60 * MINUTE;
    const tenOClock = T0;
    const runs = new SeriesMetricSource([
      lambdaErrors([
        [tenOClock - 3 * day, 0],
        [tenOClock + 2 * MINUTE, 1],
      ]),
    ]);
    const alarm = metricAlarm({
      period: 86_400,
      evaluationPeriods: 2,
      datapointsToAlarm: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const evaluator = new MetricAlarmEvaluator(alarm, compiled(alarm));
    expect(evaluator.evaluate(runs, tenOClock + 3 * MINUTE, 'OK').state).toBe('OK');
    expect(evaluator.evaluate(runs, tenOClock + 63 * MINUTE, 'OK').state).toBe('ALARM');
  });

  it('reports each value of the range oldest first, missing as undefined', () => {
    const source = new SeriesMetricSource([lambdaErrors([[T0 - 30_000, 4]])]);
    const alarm = metricAlarm({ evaluationPeriods: 1, period: 60 });
    const result = new MetricAlarmEvaluator(alarm, compiled(alarm)).evaluate(source, T0 + MINUTE, 'OK');
    expect(result.datapoints).toEqual([undefined, 4, undefined]);
  });
});

describe('MetricAlarmEvaluator results', () => {
  const source = new SeriesMetricSource([
    lambdaErrors([
      [T0 + 1000, 9],
      [T0 + 2 * MINUTE + 1000, 1],
    ]),
  ]);
  const alarm = metricAlarm({ evaluationPeriods: 1, period: 60, threshold: 5 });

  it('give the newest value and whether the range had data without building the array', () => {
    const evaluator = new MetricAlarmEvaluator(alarm, compiled(alarm));
    const withData = evaluator.evaluate(source, T0 + MINUTE, 'OK');
    expect(withData).toMatchObject({ state: 'ALARM', newest: 9, hadData: true });
    const newestMissing = evaluator.evaluate(source, T0 + 2 * MINUTE, 'ALARM');
    expect(newestMissing).toMatchObject({ newest: undefined, hadData: true });
    expect(evaluator.evaluate(source, T0 + 10 * MINUTE, 'ALARM')).toMatchObject({
      newest: undefined,
      hadData: false,
    });
  });

  it('keep their values and reason once the evaluator has moved on', () => {
    const evaluator = new MetricAlarmEvaluator(alarm, compiled(alarm));
    const first = evaluator.evaluate(source, T0 + MINUTE, 'OK');
    const second = evaluator.evaluate(source, T0 + 3 * MINUTE, 'ALARM');
    expect(first.datapoints).toEqual([undefined, undefined, 9]);
    expect(first.reason).toContain('[9.0 (06/12/26 10:00:00)] was greater than the threshold (5.0)');
    expect(second.datapoints).toEqual([9, undefined, 1]);
    expect(second.state).toBe('OK');
  });
});

describe('properties', () => {
  const settingsArbitrary = fc
    .record({
      evaluationPeriods: fc.integer({ min: 1, max: 6 }),
      toAlarm: fc.integer({ min: 1, max: 6 }),
      comparisonOperator: fc.constantFrom<ComparisonOperator>(
        'GreaterThanOrEqualToThreshold',
        'GreaterThanThreshold',
        'LessThanThreshold',
        'LessThanOrEqualToThreshold',
      ),
      threshold: fc.integer({ min: -5, max: 5 }),
      treatMissingData: fc.constantFrom(...TREATMENTS),
    })
    .map(({ toAlarm, evaluationPeriods, ...rest }) =>
      settings({ ...rest, evaluationPeriods, datapointsToAlarm: Math.min(toAlarm, evaluationPeriods) }),
    );
  const windowOf = (length: number) =>
    fc.array(fc.option(fc.integer({ min: -10, max: 10 }), { nil: undefined }), {
      minLength: length,
      maxLength: length,
    });
  const toPoints = (values: readonly (number | undefined)[]) =>
    values.map((value, index) => ({ timestamp: T0 + index * MINUTE, value }));

  it('with ignore, a range of missing datapoints never changes the state', () => {
    fc.assert(
      fc.property(settingsArbitrary, fc.constantFrom(...STATES), (base, current) => {
        const ignore = { ...base, treatMissingData: 'ignore' as const };
        const empty = toPoints(
          Array.from({ length: evaluationRange(base.evaluationPeriods) }, () => undefined),
        );
        expect(evaluateWindow(empty, ignore, current).state).toBe(current);
      }),
    );
  });

  it('evaluateWindow is deterministic: the same range, settings and state give the same result', () => {
    fc.assert(
      fc.property(
        settingsArbitrary.chain((s) =>
          fc.tuple(fc.constant(s), windowOf(evaluationRange(s.evaluationPeriods))),
        ),
        fc.constantFrom(...STATES),
        ([s, values], current) => {
          expect(evaluateWindow(toPoints(values), s, current)).toEqual(
            evaluateWindow(toPoints([...values]), { ...s }, current),
          );
        },
      ),
    );
  });

  it('with no missing datapoint, ALARM exactly when at least M of the last N breach, whatever the treatment', () => {
    fc.assert(
      fc.property(
        settingsArbitrary.chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.array(fc.integer({ min: -10, max: 10 }), {
              minLength: evaluationRange(s.evaluationPeriods),
              maxLength: evaluationRange(s.evaluationPeriods),
            }),
          ),
        ),
        fc.constantFrom(...STATES),
        ([s, values], current) => {
          const threshold = s.threshold as number;
          const breach = (value: number) =>
            ({
              GreaterThanOrEqualToThreshold: value >= threshold,
              GreaterThanThreshold: value > threshold,
              LessThanThreshold: value < threshold,
              LessThanOrEqualToThreshold: value <= threshold,
            })[s.comparisonOperator as 'GreaterThanThreshold'];
          const breaching = values.slice(-s.evaluationPeriods).filter(breach).length;
          expect(evaluateWindow(toPoints(values), s, current).state).toBe(
            breaching >= s.datapointsToAlarm ? 'ALARM' : 'OK',
          );
        },
      ),
    );
  });

  it('the evaluator, with its datapoint cache, agrees with evaluateWindow over freshly read datapoints, in any order of evaluations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 * 40 }), fc.integer({ min: 0, max: 10 })), {
          maxLength: 60,
        }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 30 }),
        (raw, minutes) => {
          const source = new SeriesMetricSource([
            lambdaErrors(raw.map(([s, v]) => [T0 + s * 1000, v] as const)),
          ]);
          const alarm = metricAlarm({ period: 300, evaluationPeriods: 2, threshold: 5, stat: 'Sum' });
          const metric = compiled(alarm);
          const evaluator = new MetricAlarmEvaluator(alarm, metric);
          for (const minute of minutes) {
            const at = T0 + minute * MINUTE;
            const fresh = Array.from({ length: 4 }, (_, i) => {
              const end = at - (3 - i) * 300_000;
              return { timestamp: end - 300_000, ...metric.datapoint(source, end) };
            });
            const expected = evaluateWindow(
              fresh,
              settings({ evaluationPeriods: 2, datapointsToAlarm: 2 }),
              'OK',
            );
            const actual = evaluator.evaluate(source, at, 'OK');
            expect({ state: actual.state, reason: actual.reason }).toEqual(expected);
          }
        },
      ),
    );
  });
});

function lambdaErrors(samples: ReadonlyArray<readonly [number, number]>): MetricSeries {
  return { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'orders' }, samples };
}

function metricAlarm(options: {
  readonly namespace?: string;
  readonly metricName?: string;
  readonly stat?: string;
  readonly period?: number;
  readonly threshold?: number;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  readonly comparisonOperator?: ComparisonOperator;
  readonly treatMissingData?: TreatMissingData;
  readonly evaluateLowSampleCountPercentile?: 'evaluate' | 'ignore';
}): MetricAlarmDefinition {
  return {
    kind: 'metric',
    name: 'orders-errors',
    metricStat: {
      metric: {
        namespace: options.namespace ?? 'AWS/Lambda',
        metricName: options.metricName ?? 'Errors',
        dimensions: { FunctionName: 'orders' },
      },
      period: options.period ?? 60,
      stat: options.stat ?? 'Sum',
    },
    threshold: options.threshold ?? 5,
    comparisonOperator: options.comparisonOperator ?? 'GreaterThanThreshold',
    evaluationPeriods: options.evaluationPeriods ?? 1,
    datapointsToAlarm: options.datapointsToAlarm,
    treatMissingData: options.treatMissingData,
    evaluateLowSampleCountPercentile: options.evaluateLowSampleCountPercentile,
  };
}

function compiled(alarm: MetricAlarmDefinition): CompiledAlarmMetric {
  const result = compileAlarmMetric(alarm);
  if (Array.isArray(result)) throw new Error(result.map((entry) => entry.feature).join('; '));
  return result;
}
