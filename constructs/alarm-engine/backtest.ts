import type {
  AlarmDefinition,
  AlarmState,
  AlarmTransition,
  CompositeAlarmDefinition,
  MetricAlarmDefinition,
  MetricSeries,
} from './alarm-definition';
import { AlarmEngine } from './alarm-engine';
import type { AlarmBacktest, BacktestOptions, BacktestResult } from './backtest-result';
import { SeriesMetricSource } from './metric-source';

const WEEK_MS = 7 * 24 * 3600_000;

/**
 * The samples a batch of metric alarms reads. A backtest of thousands of alarms over weeks of
 * one-minute samples cannot hold every sample at once; metric alarms are independent of each
 * other, so they are evaluated a batch at a time with only that batch's samples in memory.
 */
export type SeriesProvider = (alarms: readonly MetricAlarmDefinition[]) => readonly MetricSeries[];

/** Options of a batched backtest. */
export interface BatchedBacktestOptions extends BacktestOptions {
  /** Metric alarms evaluated together, their samples loaded together. @default 250 */
  readonly batchSize?: number;
}

/**
 * Evaluates alarms over recorded samples as CloudWatch would have, every evaluation from
 * `options.from` to `options.to`, and reports per alarm its transitions, pages and time in ALARM,
 * noisiest first. Metric alarms are evaluated first (in batches when `series` is a provider), then
 * composites are replayed over their children's transitions in time order.
 */
export function runBacktest(
  definitions: readonly AlarmDefinition[],
  series: readonly MetricSeries[] | SeriesProvider,
  options: BatchedBacktestOptions,
): BacktestResult {
  if (!(options.to >= options.from)) throw new Error('the backtest must end at or after its start');
  const initial = options.initialState ?? 'INSUFFICIENT_DATA';
  const metricAlarms = definitions.filter((definition) => definition.kind === 'metric');
  const composites = definitions.filter((definition) => definition.kind === 'composite');

  const batches = Array.isArray(series) ? [metricAlarms] : chunk(metricAlarms, options.batchSize ?? 250);
  const results: AlarmBacktest[] = [];
  const unsupported: BacktestResult['unsupported'][number][] = [];
  const metricTransitions: Array<AlarmTransition & { readonly alarm: string }> = [];
  for (const alarms of batches) {
    // A provider loads a batch's samples only now, so one batch's samples are alive at a time.
    const samples = Array.isArray(series)
      ? (series as readonly MetricSeries[])
      : (series as SeriesProvider)(alarms);
    const outcome = evaluateMetricAlarms(alarms, samples, options, initial);
    results.push(...outcome.results);
    unsupported.push(...outcome.engine.unsupported);
    for (const result of outcome.results) {
      for (const transition of result.transitions)
        metricTransitions.push({ alarm: result.name, ...transition });
    }
  }

  const evaluated = metricAlarms
    .map((alarm) => alarm.name)
    .filter((name) => !unsupported.some((entry) => entry.alarm === name));
  const composite = evaluateComposites(
    composites,
    evaluated,
    unsupported,
    metricTransitions,
    options,
    initial,
  );
  results.push(...composite.results);
  unsupported.push(...composite.unsupported);

  results.sort(
    (a, b) =>
      b.alarmTransitions - a.alarmTransitions ||
      b.secondsInAlarm - a.secondsInAlarm ||
      a.name.localeCompare(b.name),
  );
  return { from: options.from, to: options.to, alarms: results, unsupported };
}

function evaluateMetricAlarms(
  alarms: readonly MetricAlarmDefinition[],
  series: readonly MetricSeries[],
  options: BacktestOptions,
  initial: AlarmState,
) {
  const engine = new AlarmEngine(alarms, { initialState: initial });
  const names = engine.alarmNames();
  const transitions = new Map<string, AlarmTransition[]>(names.map((name) => [name, []]));
  const values = new Map<string, Array<readonly [number, number | null]>>();
  engine.onTransition(({ alarm, ...transition }) => transitions.get(alarm)?.push(transition));
  if (options.keepValues) {
    engine.onEvaluation((record) => {
      const list = values.get(record.alarm) ?? [];
      list.push([record.at, record.value]);
      values.set(record.alarm, list);
    });
  }
  const hadData = engine.evaluateEachAlarm(new SeriesMetricSource(series), options.from, options.to);

  const byName = new Map(alarms.map((alarm) => [alarm.name, alarm]));
  const results = names.map((name): AlarmBacktest => {
    const definition = byName.get(name);
    return {
      ...summary(name, 'metric', engine.state(name), transitions.get(name) ?? [], options, initial),
      neverHadData: !hadData.has(name),
      approximate: engine.isApproximate(name),
      ...(definition?.threshold === undefined ? {} : { threshold: definition.threshold }),
      ...(options.keepValues ? { values: values.get(name) ?? [] } : {}),
    };
  });
  return { engine, results };
}

function evaluateComposites(
  composites: readonly CompositeAlarmDefinition[],
  evaluated: readonly string[],
  unsupportedSoFar: readonly BacktestResult['unsupported'][number][],
  metricTransitions: ReadonlyArray<AlarmTransition & { readonly alarm: string }>,
  options: BacktestOptions,
  initial: AlarmState,
) {
  const engine = new AlarmEngine(composites, {
    initialState: initial,
    external: evaluated,
    unavailable: unsupportedSoFar.map((entry) => entry.alarm),
  });
  const unsupported = [...engine.unsupported];
  const transitions = new Map<string, AlarmTransition[]>();
  engine.onTransition(({ alarm, ...transition }) => {
    const list = transitions.get(alarm) ?? [];
    list.push(transition);
    transitions.set(alarm, list);
  });

  const ordered = [...metricTransitions].sort((a, b) => a.at - b.at);
  // New composites are evaluated at the first evaluation, before any child has moved.
  engine.applyExternal(options.from, []);
  for (let index = 0; index < ordered.length; ) {
    const at = (ordered[index] as AlarmTransition).at;
    const changes: Array<{ alarm: string; to: AlarmState }> = [];
    for (; index < ordered.length && (ordered[index] as AlarmTransition).at === at; index++) {
      const transition = ordered[index] as AlarmTransition & { alarm: string };
      changes.push({ alarm: transition.alarm, to: transition.to });
    }
    engine.applyExternal(at, changes);
  }

  const results = engine.alarmNames().map(
    (name): AlarmBacktest => ({
      ...summary(name, 'composite', engine.state(name), transitions.get(name) ?? [], options, initial),
      neverHadData: false,
      approximate: false,
    }),
  );
  return { results, unsupported };
}

function summary(
  name: string,
  kind: AlarmBacktest['kind'],
  finalState: AlarmState,
  transitions: readonly AlarmTransition[],
  options: BacktestOptions,
  initial: AlarmState,
) {
  const alarmTransitions = transitions.filter((transition) => transition.to === 'ALARM').length;
  const weeks = Math.max(options.to - options.from, 60_000) / WEEK_MS;
  return {
    name,
    kind,
    finalState,
    transitions,
    alarmTransitions,
    alarmTransitionsPerWeek: Math.round((alarmTransitions / weeks) * 100) / 100,
    secondsInAlarm: secondsInAlarm(initial === 'ALARM', transitions, options.from, options.to),
  };
}

/** Seconds between entering ALARM and leaving it, an open span counted to `to`. */
function secondsInAlarm(
  startsInAlarm: boolean,
  transitions: readonly AlarmTransition[],
  from: number,
  to: number,
): number {
  let total = 0;
  let since: number | undefined = startsInAlarm ? from : undefined;
  for (const transition of transitions) {
    if (transition.to === 'ALARM') since = transition.at;
    else if (since !== undefined) {
      total += transition.at - since;
      since = undefined;
    }
  }
  if (since !== undefined) total += to - since;
  return total / 1000;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}
