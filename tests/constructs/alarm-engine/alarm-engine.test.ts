import fc from 'fast-check';
import type {
  AlarmDefinition,
  MetricAlarmDefinition,
  MetricIdentity,
  MetricSeries,
} from '../../../constructs/alarm-engine/alarm-definition';
import { AlarmEngine, type EngineTransition } from '../../../constructs/alarm-engine/alarm-engine';
import { runBacktest } from '../../../constructs/alarm-engine/backtest';
import { SeriesMetricSource } from '../../../constructs/alarm-engine/metric-source';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);

function errorsOf(fn: string): MetricIdentity {
  return { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: fn } };
}

/** Vigil's Lambda errors alarm shape: Sum over five minutes, at least `threshold` in M of N periods. */
function errorsAlarm(
  name: string,
  fn: string,
  options: Partial<MetricAlarmDefinition> = {},
): MetricAlarmDefinition {
  return {
    kind: 'metric',
    name,
    metricStat: { metric: errorsOf(fn), period: 300, stat: 'Sum' },
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    evaluationPeriods: 1,
    treatMissingData: 'notBreaching',
    ...options,
  };
}

/** One sample a minute, at second 10, from `fromMinute` (inclusive) to `toMinute` (exclusive). */
function minutes(
  fn: string,
  fromMinute: number,
  toMinute: number,
  value: (minute: number) => number,
): MetricSeries {
  const samples: Array<readonly [number, number]> = [];
  for (let minute = fromMinute; minute < toMinute; minute++)
    samples.push([T0 + minute * MINUTE + 10_000, value(minute)]);
  return { ...errorsOf(fn), samples };
}

describe('composite alarms in the engine', () => {
  const definitions: AlarmDefinition[] = [
    errorsAlarm('a', 'fa'),
    errorsAlarm('b', 'fb'),
    {
      kind: 'composite',
      name: 'both',
      rule: 'ALARM("a") AND ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:b)',
    },
    { kind: 'composite', name: 'top', rule: 'ALARM(both) OR FALSE' },
  ];

  it('evaluates a new composite at the first evaluation, worded like the documented sample (cloudwatch-and-eventbridge.md)', () => {
    const engine = new AlarmEngine(definitions);
    const transitions = engine.advanceTo(new SeriesMetricSource([]), T0);
    expect(transitions.find((transition) => transition.alarm === 'both')).toEqual({
      alarm: 'both',
      at: T0,
      from: 'INSUFFICIENT_DATA',
      to: 'OK',
      reason:
        'arn:aws:cloudwatch:us-east-1:123456789012:alarm:both was created and its alarm rule evaluates to OK',
    });
  });

  it('moves a composite, and the composite over it, at the evaluation where the last child breaches, children first', () => {
    const engine = new AlarmEngine(definitions, { initialState: 'OK' });
    const source = new SeriesMetricSource([
      minutes('fa', 0, 30, (minute) => (minute >= 10 ? 1 : 0)),
      minutes('fb', 0, 30, (minute) => (minute >= 20 ? 1 : 0)),
    ]);
    const transitions = engine.advanceTo(source, T0 + 30 * MINUTE, T0);
    const at = (name: string) => transitions.filter((transition) => transition.alarm === name);
    // b's first breaching sample is at 20:10, so the window ending at 20:11 is the first to hold it.
    expect(at('b').map((transition) => [transition.at, transition.to])).toEqual([
      [T0 + 21 * MINUTE, 'ALARM'],
    ]);
    expect(at('both')).toEqual([
      {
        alarm: 'both',
        at: T0 + 21 * MINUTE,
        from: 'OK',
        to: 'ALARM',
        reason:
          'arn:aws:cloudwatch:us-east-1:123456789012:alarm:b transitioned to ALARM at Sunday 6 December, 2026 10:21:00 UTC',
      },
    ]);
    expect(at('top').map((transition) => [transition.at, transition.to])).toEqual([
      [T0 + 21 * MINUTE, 'ALARM'],
    ]);
    const order = transitions.filter((transition) => transition.at === T0 + 21 * MINUTE).map((t) => t.alarm);
    expect(order).toEqual(['b', 'both', 'top']);
  });

  it('reports, and does not evaluate, an alarm using an undocumented function and every composite over it', () => {
    const engine = new AlarmEngine([
      {
        kind: 'metric',
        name: 'latency-burn',
        metrics: [
          { id: 'expr_1', expression: 'IF(ISNUMBER(fast), 1 - fast / 100, 0)' },
          {
            id: 'fast',
            metricStat: { metric: errorsOf('f'), period: 3600, stat: 'PR(0:300)' },
            returnData: false,
          },
        ],
        threshold: 0.144,
        comparisonOperator: 'GreaterThanThreshold',
        evaluationPeriods: 1,
      },
      { kind: 'composite', name: 'burn', rule: 'ALARM(latency-burn)' },
    ]);
    expect(engine.alarmNames()).toEqual([]);
    expect(engine.unsupported).toEqual([
      { alarm: 'latency-burn', feature: 'query "expr_1": ISNUMBER (not a documented metric-math function)' },
      { alarm: 'burn', feature: 'rule reads alarms the engine does not evaluate: latency-burn' },
    ]);
  });

  it('reports composites that read each other in a cycle (Create_Composite_Alarm.md: they stop being evaluated)', () => {
    const engine = new AlarmEngine([
      { kind: 'composite', name: 'x', rule: 'ALARM(y)' },
      { kind: 'composite', name: 'y', rule: 'ALARM(x)' },
    ]);
    expect(engine.unsupported.map((entry) => entry.alarm).sort()).toEqual(['x', 'y']);
    expect(engine.unsupported[0]?.feature).toMatch(/^composite cycle .* CloudWatch stops evaluating it$/);
  });

  it('refuses a rule that names an alarm nobody defined, naming it', () => {
    const engine = new AlarmEngine([{ kind: 'composite', name: 'c', rule: 'ALARM(ghost)' }]);
    expect(engine.unsupported).toEqual([
      { alarm: 'c', feature: 'rule names alarms that are not defined: ghost' },
    ]);
  });
});

describe('runBacktest', () => {
  const definitions: AlarmDefinition[] = [
    errorsAlarm('noisy', 'f1'),
    errorsAlarm('quiet', 'f2'),
    errorsAlarm('silent', 'f3', { treatMissingData: 'missing' }),
    { kind: 'composite', name: 'any', rule: 'ALARM(noisy) OR ALARM(quiet)' },
  ];
  // f1 fails in minutes 10–14 and 40–44, f2 in minutes 20–24; f3 publishes nothing.
  const series = [
    minutes('f1', 0, 60, (minute) =>
      (minute >= 10 && minute < 15) || (minute >= 40 && minute < 45) ? 2 : 0,
    ),
    minutes('f2', 0, 60, (minute) => (minute >= 20 && minute < 25 ? 1 : 0)),
  ];
  const options = { from: T0, to: T0 + 60 * MINUTE };

  it('counts pages and time in ALARM per alarm, noisiest first, and names alarms that never had data', () => {
    const result = runBacktest(definitions, series, options);
    expect(result.alarms.map((alarm) => [alarm.name, alarm.alarmTransitions, alarm.secondsInAlarm])).toEqual([
      // noisy and quiet alternate: noisy clears at 10:20, a minute before quiet breaches at 10:21, so
      // the composite pages three times: 10:11–10:20, 10:21–10:30, 10:41–10:50.
      ['any', 3, 3 * 9 * 60],
      // Each failing stretch of 5 minutes keeps a 5-minute Sum window at or above 1 for 9 evaluations.
      ['noisy', 2, 2 * 9 * 60],
      ['quiet', 1, 9 * 60],
      ['silent', 0, 0],
    ]);
    const silent = result.alarms.find((alarm) => alarm.name === 'silent');
    expect(silent).toMatchObject({ neverHadData: true, finalState: 'INSUFFICIENT_DATA', transitions: [] });
    expect(result.alarms.find((alarm) => alarm.name === 'noisy')?.neverHadData).toBe(false);
    // One hour is 1/168 of a week.
    expect(result.alarms[0]?.alarmTransitionsPerWeek).toBe(3 * 168);
  });

  it('gives the same answer whether metric alarms are evaluated at once or a batch at a time', () => {
    const atOnce = runBacktest(definitions, series, options);
    const loaded: string[][] = [];
    const batched = runBacktest(
      definitions,
      (batch) => {
        loaded.push(batch.map((alarm) => alarm.name));
        return series;
      },
      { ...options, batchSize: 1 },
    );
    expect(loaded).toEqual([['noisy'], ['quiet'], ['silent']]);
    expect(batched).toEqual(atOnce);
  });

  it('keeps the compared value of every evaluation when asked, for charts', () => {
    const result = runBacktest([errorsAlarm('noisy', 'f1')], series, { ...options, keepValues: true });
    const values = result.alarms[0]?.values ?? [];
    expect(values).toHaveLength(61);
    expect(values[15]).toEqual([T0 + 15 * MINUTE, 10]);
    expect(result.alarms[0]?.threshold).toBe(1);
  });

  it('counts an alarm that starts in ALARM as in ALARM until it leaves', () => {
    const result = runBacktest([errorsAlarm('noisy', 'f1')], series, { ...options, initialState: 'ALARM' });
    expect(result.alarms[0]?.transitions[0]).toMatchObject({ at: T0, from: 'ALARM', to: 'OK' });
    expect(result.alarms[0]?.secondsInAlarm).toBe(2 * 9 * 60);
  });
});

describe('engine properties', () => {
  const sampleStream = fc.array(fc.tuple(fc.integer({ min: 0, max: 119 }), fc.integer({ min: 0, max: 3 })), {
    maxLength: 80,
  });
  const alarmShape = fc.record({
    evaluationPeriods: fc.integer({ min: 1, max: 4 }),
    toAlarm: fc.integer({ min: 1, max: 4 }),
    period: fc.constantFrom(60, 300),
    treatMissingData: fc.constantFrom('missing', 'ignore', 'breaching', 'notBreaching' as const),
  });

  it('never reports two transitions of one alarm at one evaluation, and each starts where the last ended', () => {
    fc.assert(
      fc.property(fc.array(alarmShape, { minLength: 1, maxLength: 3 }), sampleStream, (shapes, stream) => {
        const definitions: AlarmDefinition[] = shapes.map((shape, index) =>
          errorsAlarm(`a${index}`, 'f', {
            metricStat: { metric: errorsOf('f'), period: shape.period, stat: 'Sum' },
            evaluationPeriods: shape.evaluationPeriods,
            datapointsToAlarm: Math.min(shape.toAlarm, shape.evaluationPeriods),
            treatMissingData: shape.treatMissingData,
          }),
        );
        definitions.push({
          kind: 'composite',
          name: 'c',
          rule: definitions.map((d) => `ALARM(${d.name})`).join(' OR '),
        });
        const engine = new AlarmEngine(definitions);
        const samples = stream.map(([minute, value]) => [T0 + minute * MINUTE + 5_000, value] as const);
        const transitions: EngineTransition[] = engine.advanceTo(
          new SeriesMetricSource([{ ...errorsOf('f'), samples }]),
          T0 + 120 * MINUTE,
          T0,
        );
        for (const name of engine.alarmNames()) {
          const own = transitions.filter((transition) => transition.alarm === name);
          for (let index = 1; index < own.length; index++) {
            expect((own[index] as EngineTransition).at).toBeGreaterThan(
              (own[index - 1] as EngineTransition).at,
            );
            expect((own[index] as EngineTransition).from).toBe((own[index - 1] as EngineTransition).to);
          }
          if (own.length > 0) expect(engine.state(name)).toBe(own[own.length - 1]?.to);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('with `ignore`, an alarm over a metric that never publishes keeps whatever state it starts in', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('OK', 'ALARM', 'INSUFFICIENT_DATA' as const),
        alarmShape,
        (initial, shape) => {
          const result = runBacktest(
            [
              errorsAlarm('a', 'f', {
                metricStat: { metric: errorsOf('f'), period: shape.period, stat: 'Sum' },
                evaluationPeriods: shape.evaluationPeriods,
                datapointsToAlarm: Math.min(shape.toAlarm, shape.evaluationPeriods),
                treatMissingData: 'ignore',
              }),
            ],
            [],
            { from: T0, to: T0 + 120 * MINUTE, initialState: initial },
          );
          expect(result.alarms[0]).toMatchObject({ finalState: initial, transitions: [] });
        },
      ),
      { numRuns: 60 },
    );
  });
});
