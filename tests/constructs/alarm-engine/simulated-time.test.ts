import type {
  MetricAlarmDefinition,
  MetricIdentity,
} from '../../../constructs/alarm-engine/alarm-definition';
import { AlarmSimulation, MetricFeed, SimulatedClock } from '../../../constructs/alarm-engine/simulated-time';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);

const invocations: MetricIdentity = {
  namespace: 'AWS/Lambda',
  metricName: 'Invocations',
  dimensions: { FunctionName: 'scorer' },
};
const errors: MetricIdentity = { ...invocations, metricName: 'Errors' };

/** The error-rate alarm `LambdaMonitor` synthesizes: over 5% in 2 of 3 five-minute periods. */
const errorRate: MetricAlarmDefinition = {
  kind: 'metric',
  name: 'vigil-dev-predictor-upload-scorer-error-rate',
  metrics: [
    { id: 'expr_1', expression: 'IF(invocations > 0, 100 * errors / invocations, 0)', period: 300 },
    { id: 'errors', metricStat: { metric: errors, period: 300, stat: 'Sum' }, returnData: false },
    { id: 'invocations', metricStat: { metric: invocations, period: 300, stat: 'Sum' }, returnData: false },
  ],
  threshold: 5,
  comparisonOperator: 'GreaterThanThreshold',
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  treatMissingData: 'notBreaching',
};

/**
 * Ten invocations a second; until `fixAt` a fifth of them fail. After the fix, either traffic goes
 * on without errors, or no traffic arrives at all (the function is not called, so Lambda publishes
 * nothing).
 */
function traffic(simulation: AlarmSimulation, fixAt: number, afterFix: 'clean' | 'silent') {
  return (from: number, to: number) => {
    for (let at = from; at < to; at += SECOND) {
      if (at >= fixAt && afterFix === 'silent') continue;
      simulation.feed.put(invocations, at, 10);
      simulation.feed.put(errors, at, at < fixAt ? 2 : 0);
    }
  };
}

function recoveryAfterFix(offsetSeconds: number, afterFix: 'clean' | 'silent') {
  const simulation = new AlarmSimulation([errorRate], T0);
  // Twenty minutes of failing traffic put the alarm in ALARM; the fix lands `offset` into a period.
  const fixAt = T0 + 20 * MINUTE + offsetSeconds * SECOND;
  simulation.run(fixAt, traffic(simulation, fixAt, afterFix));
  expect(simulation.engine.state(errorRate.name)).toBe('ALARM');
  const okAt = simulation.runUntilState(
    errorRate.name,
    'OK',
    fixAt + 60 * MINUTE,
    traffic(simulation, fixAt, afterFix),
  );
  return { fixAt, okAt };
}

describe('simulated time: when does the error-rate alarm return to OK after a fix?', () => {
  it.each([0, 30, 90, 180, 299])(
    'with traffic after a fix landing %i s into a period: at the first evaluation whose two newest windows are under 5%%',
    (offset) => {
      const { fixAt, okAt } = recoveryAfterFix(offset, 'clean');
      // Windows end on whole minutes (alarm-evaluation-window.md, sliding window). At evaluation T
      // the second-newest window [T-10 min, T-5 min) holds (fixAt - (T-10 min)) s of 20% failures:
      // over 5% only when that is over 75 s. So OK comes at the first whole minute at or after
      // fixAt + 10 min - 75 s: earlier than "10 minutes after the fix", never later.
      const expected = Math.ceil((fixAt + 10 * MINUTE - 75 * SECOND) / MINUTE) * MINUTE;
      expect(okAt).toBe(expected);
    },
  );

  it.each([0, 30, 90, 180, 299])(
    'with no traffic after a fix landing %i s into a period: only once the breaching datapoints leave the evaluation range',
    (offset) => {
      const { fixAt, okAt } = recoveryAfterFix(offset, 'silent');
      // With no new datapoints, CloudWatch keeps evaluating the most recent real ones it can still
      // reach in the evaluation range (alarms-and-missing-data.md): the alarm stays in ALARM while
      // two breaching windows remain, 20 minutes, not 10 — a verifier waiting 10 minutes would
      // undo a fix that worked.
      const lastBreachingWindowEnd = Math.ceil(fixAt / MINUTE) * MINUTE;
      expect(okAt).toBeGreaterThan(fixAt + 10 * MINUTE);
      expect(okAt).toBe(lastBreachingWindowEnd + 20 * MINUTE);
    },
  );

  it('a fix that does not work keeps the alarm in ALARM', () => {
    const simulation = new AlarmSimulation([errorRate], T0);
    const never = Number.POSITIVE_INFINITY;
    simulation.run(T0 + 20 * MINUTE, traffic(simulation, never, 'clean'));
    const okAt = simulation.runUntilState(
      errorRate.name,
      'OK',
      T0 + 80 * MINUTE,
      traffic(simulation, never, 'clean'),
    );
    expect(okAt).toBeUndefined();
    expect(simulation.engine.state(errorRate.name)).toBe('ALARM');
  });
});

describe('SimulatedClock and MetricFeed', () => {
  it('moves only forward', () => {
    const clock = new SimulatedClock('2026-12-06T10:00:00Z');
    expect(clock.advance(5 * MINUTE)).toBe(T0 + 5 * MINUTE);
    expect(() => clock.advance(-1)).toThrow('the clock only moves forward (got -1 ms)');
    expect(() => new SimulatedClock('yesterday')).toThrow('not a time: yesterday');
  });

  it('aggregates what was published, in any order, per window and statistic', () => {
    const feed = new MetricFeed();
    feed.put(errors, T0 + 30 * SECOND, 3);
    feed.put(errors, T0 + 10 * SECOND, 1);
    feed.put(errors, T0 + 70 * SECOND, 5);
    const stat = (statistic: string) => ({ metric: errors, period: 60, stat: statistic });
    expect(feed.datapoint(stat('Sum'), T0 + MINUTE)).toEqual({ value: 4, sampleCount: 2 });
    expect(feed.datapoint(stat('Maximum'), T0 + 2 * MINUTE)).toEqual({ value: 5, sampleCount: 1 });
    expect(feed.datapoint(stat('Sum'), T0)).toBeUndefined();
    expect(feed.series()[0]?.samples).toEqual([
      [T0 + 10 * SECOND, 1],
      [T0 + 30 * SECOND, 3],
      [T0 + 70 * SECOND, 5],
    ]);
  });

  it('refuses to simulate alarms the engine cannot evaluate, naming them', () => {
    expect(
      () => new AlarmSimulation([{ ...errorRate, metrics: [{ id: 'e', expression: 'ISNUMBER(x)' }] }], T0),
    ).toThrow(/^the simulation cannot evaluate: vigil-dev-predictor-upload-scorer-error-rate/);
  });
});
