import type {
  AlarmState,
  ComparisonOperator,
  MetricAlarmDefinition,
  TreatMissingData,
} from './alarm-definition';
import type { AlarmDatapoint, CompiledAlarmMetric, MetricSource } from './compiled-metric';

/**
 * The evaluation of one metric alarm at one instant, as the CloudWatch user guide documents it:
 * "Evaluating an alarm", "Configuring how CloudWatch alarms treat missing data", "How alarm state
 * is evaluated when data is missing", "Avoiding premature transitions to alarm state" and
 * "Percentile-based CloudWatch alarms and low data samples" (AlarmThatSendsEmail.md in the archived
 * guide; alarm-evaluation.md, alarms-and-missing-data.md and alarm-evaluation-window.md in the
 * current one).
 */

/** The settings of a metric alarm that decide its state from the datapoints of its evaluation range. */
export interface WindowSettings {
  readonly comparisonOperator: ComparisonOperator;
  /** The static threshold; required unless the operator compares with an anomaly band. */
  readonly threshold?: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** The treatment in force, after the `AWS/DynamoDB` rule ({@link effectiveTreatMissingData}). */
  readonly treatMissingData: TreatMissingData;
  /** The percentile of a percentile alarm as a fraction (0.99 for p99), for the low-sample rule. */
  readonly percentile?: number;
  /** @default 'evaluate' */
  readonly evaluateLowSampleCountPercentile?: 'evaluate' | 'ignore';
}

/** One datapoint of the evaluation range; a missing one has no value (or is undefined in the range). */
export interface WindowDatapoint extends AlarmDatapoint {
  /** Start of the datapoint's period, epoch ms: CloudWatch stamps a datapoint with its period's start. */
  readonly timestamp: number;
}

/** An alarm's state after an evaluation, with CloudWatch's `StateReason` for it. */
export interface WindowEvaluation {
  readonly state: AlarmState;
  readonly reason: string;
}

/**
 * The state an alarm in `current` takes from the datapoints of its evaluation range (oldest
 * first, newest last; an undefined entry or value is a missing datapoint), with its reason.
 */
export function evaluateWindow(
  datapoints: ReadonlyArray<WindowDatapoint | undefined>,
  settings: WindowSettings,
  current: AlarmState,
): WindowEvaluation {
  const decision = decide(datapoints, settings, current);
  const timestampOf = (index: number) => datapoints[index]?.timestamp ?? Number.NaN;
  return { state: decision.state, reason: describe(decision, datapoints, timestampOf, settings, current) };
}

/**
 * How many datapoints an evaluation reads: more than Evaluation Periods, so that missing recent
 * datapoints can be made up from farther back. Not documented exactly ("depends on the length of
 * the alarm period and whether it is based on a metric with standard resolution or high
 * resolution", alarms-and-missing-data.md); the only numbers given are an evaluation range of 5
 * for 3 Evaluation Periods, so we assume Evaluation Periods + 2 for every alarm.
 */
export function evaluationRange(evaluationPeriods: number): number {
  return evaluationPeriods + 2;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY_SECONDS = 24 * 3600;

/**
 * Milliseconds between two evaluations of an alarm (alarm-evaluation.md, "Alarm evaluation
 * settings"): every minute for periods of a minute or longer, every 10 seconds for 10, 20 and
 * 30 second periods, and every hour for a multi-day alarm (Period × Evaluation Periods over a day).
 */
export function evaluationInterval(period: number, evaluationPeriods: number): number {
  if (period * evaluationPeriods > DAY_SECONDS) return HOUR;
  return period < 60 ? 10 * SECOND : MINUTE;
}

/**
 * The instants CloudWatch evaluates an alarm in [from, to], epoch ms. We assume evaluations fall on
 * whole multiples of {@link evaluationInterval} (whole minutes, whole 10 s, whole hours): the docs
 * give the rate, and their examples ("13:07–14:07 ... 13:08–14:08", alarm-evaluation-window.md;
 * datapoints stamped on whole minutes in the EventBridge samples of cloudwatch-and-eventbridge.md)
 * show minute-aligned windows, but the exact second within the minute is not documented.
 */
export function evaluationTimes(period: number, from: number, to: number, evaluationPeriods = 1): number[] {
  const interval = evaluationInterval(period, evaluationPeriods);
  const times: number[] = [];
  for (let at = Math.ceil(from / interval) * interval; at <= to; at += interval) times.push(at);
  return times;
}

/**
 * How the `AWS/DynamoDB` missing-data rule is read. The sources disagree:
 * - the PutMetricAlarm API reference (`TreatMissingData`) and the archived user guide
 *   (AlarmThatSendsEmail.md): such alarms "always ignore missing data even if you choose a
 *   different option";
 * - the current user guide (alarms-and-missing-data.md): they "default to ignore missing data. You
 *   can override this if you choose a different option".
 * `ignoreByDefault` follows the newer user guide and is the default; `alwaysIgnore` is the API
 * reference's reading.
 */
export type DynamoDbMissingDataRule = 'ignoreByDefault' | 'alwaysIgnore';

/** The reading of the `AWS/DynamoDB` rule the evaluator uses unless told otherwise. */
export const DEFAULT_DYNAMODB_MISSING_DATA_RULE: DynamoDbMissingDataRule = 'ignoreByDefault';

/** The missing-data treatment in force: the alarm's own (default `missing`), or `ignore` under the DynamoDB rule. */
export function effectiveTreatMissingData(
  configured: TreatMissingData | undefined,
  readsDynamoDb: boolean,
  rule: DynamoDbMissingDataRule = DEFAULT_DYNAMODB_MISSING_DATA_RULE,
): TreatMissingData {
  if (readsDynamoDb && (rule === 'alwaysIgnore' || configured === undefined)) return 'ignore';
  return configured ?? 'missing';
}

/**
 * The fewest samples a percentile datapoint needs before EvaluateLowSampleCountPercentile applies
 * (AlarmThatSendsEmail.md, "Percentile-based CloudWatch alarms and low data samples"): 10/(1-p)
 * for p in [0.5, 1), 10/p for p in (0, 0.5) — 1000 for p99; undefined outside those ranges.
 */
export function minimumSampleCount(percentile: number): number | undefined {
  let exact: number;
  if (percentile >= 0.5 && percentile < 1) exact = 10 / (1 - percentile);
  else if (percentile > 0 && percentile < 0.5) exact = 10 / percentile;
  else return undefined;
  // Whole sample counts below 10/(1-p) are those below its ceiling; 1e-9 absorbs rounding
  // (10 / (1 - 0.99) is 1000.0000000000009).
  return Math.ceil(exact - 1e-9);
}

/** Options of a {@link MetricAlarmEvaluator}. */
export interface MetricAlarmEvaluatorOptions {
  /** @default DEFAULT_DYNAMODB_MISSING_DATA_RULE */
  readonly dynamoDbMissingData?: DynamoDbMissingDataRule;
}

/** One evaluation of a metric alarm: its new state, the reason, and the values of its evaluation range. */
export interface MetricAlarmResult extends WindowEvaluation {
  /** The compared value of each datapoint of the evaluation range, oldest first; undefined when missing. */
  readonly datapoints: readonly (number | undefined)[];
  /** The newest datapoint's compared value (undefined when missing): `datapoints` at its end, without the array. */
  readonly newest: number | undefined;
  /** Whether any datapoint of the evaluation range had a value. */
  readonly hadData: boolean;
}

/**
 * Evaluates one metric alarm at any instant against a metric source.
 *
 * The alarm uses CloudWatch's default sliding window (alarm-evaluation-window.md): the newest
 * datapoint is the period ending at the evaluation, the others the periods before it. The window
 * end is the evaluation instant rounded down to its {@link evaluationInterval}; for a multi-day
 * alarm that is the top of the hour ("CloudWatch takes into account only the metrics up to the
 * current hour at the :00 minute", alarm-evaluation.md).
 *
 * Datapoints already read from the same source object are reused (an evaluation a minute later
 * reads mostly the same windows), so a source must not change the samples of past windows while
 * it is in use: hand the evaluator a new source object when recorded data changes.
 */
export class MetricAlarmEvaluator {
  /** Datapoints read by each evaluation. */
  readonly range: number;
  private readonly settings: WindowSettings;
  private readonly periodMs: number;
  private readonly interval: number;
  private readonly band: boolean;
  private readonly cacheKeys: Float64Array;
  private readonly cacheValues: AlarmDatapoint[];
  private readonly slotsPerPeriod: number;
  private readonly context: EvaluatorContext;
  private cachedSource: MetricSource | undefined;
  private lastEnd = Number.NaN;

  constructor(
    alarm: MetricAlarmDefinition,
    private readonly metric: CompiledAlarmMetric,
    options: MetricAlarmEvaluatorOptions = {},
  ) {
    this.settings = {
      comparisonOperator: alarm.comparisonOperator,
      threshold: alarm.threshold,
      evaluationPeriods: alarm.evaluationPeriods,
      datapointsToAlarm: alarm.datapointsToAlarm ?? alarm.evaluationPeriods,
      treatMissingData: effectiveTreatMissingData(
        alarm.treatMissingData,
        metric.dynamoDb,
        options.dynamoDbMissingData,
      ),
      percentile: metric.percentile,
      evaluateLowSampleCountPercentile: alarm.evaluateLowSampleCountPercentile ?? 'evaluate',
    };
    this.range = evaluationRange(alarm.evaluationPeriods);
    this.periodMs = metric.period * SECOND;
    this.interval = evaluationInterval(metric.period, alarm.evaluationPeriods);
    this.band = usesBand(alarm.comparisonOperator);
    // Windows end on evaluation steps when the period is a whole number of them (always, except a
    // multi-day alarm whose period is not a whole number of hours): only then is there a ring of
    // recent windows to reuse. Every alarm reuses the datapoints of an evaluation whose windows end
    // where the previous one's did (a multi-day alarm, 59 minutes in 60).
    const stepsPerPeriod = this.periodMs / this.interval;
    const slots = Math.ceil(this.range * stepsPerPeriod) + 1;
    const ring = Number.isInteger(stepsPerPeriod) && slots <= MAX_CACHE_SLOTS;
    this.cacheKeys = new Float64Array(ring ? slots : 0).fill(Number.NaN);
    this.cacheValues = new Array<AlarmDatapoint>(ring ? slots : 0);
    this.slotsPerPeriod = ring ? stepsPerPeriod : 0;
    this.context = {
      metric,
      settings: this.settings,
      range: this.range,
      periodMs: this.periodMs,
      band: this.band,
      points: new Array<AlarmDatapoint>(this.range),
      generation: 0,
    };
  }

  /** The alarm's state after the evaluation at `at` (epoch ms), given its state before it. */
  evaluate(source: MetricSource, at: number, current: AlarmState): MetricAlarmResult {
    const context = this.context;
    const step = Math.floor(at / this.interval);
    const end = step * this.interval;
    if (source !== this.cachedSource) {
      this.cachedSource = source;
      this.cacheKeys.fill(Number.NaN);
      this.lastEnd = Number.NaN;
    }
    context.generation++;
    if (end !== this.lastEnd) {
      this.lastEnd = end;
      this.readRange(source, step, end);
    }
    const points = context.points;
    let hadData = false;
    for (let index = 0; index < this.range && !hadData; index++) hadData = isReal(points[index], this.band);
    const newestPoint = points[this.range - 1];
    const newest = isReal(newestPoint, this.band) ? newestPoint.value : undefined;
    const decision = decide(points, this.settings, current);
    return new Evaluation(context, context.generation, source, end, current, decision, newest, hadData);
  }

  /**
   * Reads the datapoints of the range ending at `end` (evaluation step `step`) into the context,
   * newest first, through the cache: slot = evaluation step modulo the slot count, walked back one
   * period at a time.
   */
  private readRange(source: MetricSource, step: number, end: number): void {
    const slots = this.cacheKeys.length;
    const points = this.context.points;
    let slot = slots === 0 ? 0 : step % slots;
    for (let index = this.range - 1; index >= 0; index--) {
      const close = windowEnd(this.context, end, index);
      let point: AlarmDatapoint;
      if (slots > 0 && this.cacheKeys[slot] === close) {
        point = this.cacheValues[slot] as AlarmDatapoint;
      } else {
        point = this.metric.datapoint(source, close);
        if (slots > 0) {
          this.cacheKeys[slot] = close;
          this.cacheValues[slot] = point;
        }
      }
      points[index] = point;
      slot -= this.slotsPerPeriod;
      if (slot < 0) slot += slots;
    }
  }
}

// A day of one-minute windows; an alarm whose range is longer reads every new window from the source.
const MAX_CACHE_SLOTS = 1441;

/** An evaluator's fixed settings, and the datapoints of its latest evaluation (`generation`). */
interface EvaluatorContext {
  readonly metric: CompiledAlarmMetric;
  readonly settings: WindowSettings;
  readonly range: number;
  readonly periodMs: number;
  readonly band: boolean;
  readonly points: AlarmDatapoint[];
  generation: number;
}

/** End of the `index`-th window of the range (0 oldest) of the evaluation whose newest window ends at `end`. */
function windowEnd(context: EvaluatorContext, end: number, index: number): number {
  return end - (context.range - 1 - index) * context.periodMs;
}

/**
 * A result whose reason and values are produced only when asked for: most evaluations change
 * nothing and are read for their state alone. While it is the evaluator's latest, the datapoints
 * are the evaluator's own; after that they are read again from the source, which does not change them.
 */
class Evaluation implements MetricAlarmResult {
  readonly state: AlarmState;
  private worded: string | undefined;
  private values: (number | undefined)[] | undefined;

  constructor(
    private readonly context: EvaluatorContext,
    private readonly generation: number,
    private readonly source: MetricSource,
    private readonly end: number,
    private readonly current: AlarmState,
    private readonly decision: Decision,
    readonly newest: number | undefined,
    readonly hadData: boolean,
  ) {
    this.state = decision.state;
  }

  get reason(): string {
    if (this.worded === undefined) {
      const { context, end } = this;
      const timestampOf = (index: number) => windowEnd(context, end, index) - context.periodMs;
      this.worded = describe(this.decision, this.points(), timestampOf, context.settings, this.current);
    }
    return this.worded;
  }

  get datapoints(): readonly (number | undefined)[] {
    if (this.values === undefined) {
      const points = this.points();
      const values = new Array<number | undefined>(points.length);
      for (let index = 0; index < points.length; index++) {
        const point = points[index];
        values[index] = isReal(point, this.context.band) ? point.value : undefined;
      }
      this.values = values;
    }
    return this.values;
  }

  private points(): readonly AlarmDatapoint[] {
    const { context, source, end } = this;
    if (context.generation === this.generation) return context.points;
    return Array.from({ length: context.range }, (_, index) =>
      context.metric.datapoint(source, windowEnd(context, end, index)),
    );
  }
}

type Decision =
  /** Decided by comparing datapoints: the evaluated real ones are those from `from` on. */
  | {
      readonly kind: 'threshold';
      readonly state: 'OK' | 'ALARM';
      readonly from: number;
      /** Missing datapoints filled with the `breaching`/`notBreaching` treatment. */
      readonly filled: number;
    }
  | { readonly kind: 'insufficient'; readonly state: 'INSUFFICIENT_DATA' }
  /** Missing data ignored: the state is kept; the real datapoints, if any, are those from `from` on. */
  | { readonly kind: 'ignored'; readonly state: AlarmState; readonly from: number }
  /** A percentile datapoint with too few samples under `EvaluateLowSampleCountPercentile: ignore`. */
  | {
      readonly kind: 'lowSamples';
      readonly state: AlarmState;
      readonly index: number;
      readonly samples: number;
      readonly needed: number;
    };

const INSUFFICIENT: Decision = { kind: 'insufficient', state: 'INSUFFICIENT_DATA' };

/**
 * The state from the evaluation range, following alarms-and-missing-data.md:
 * - no missing datapoint, or at least Evaluation Periods real ones: the most recent Evaluation
 *   Periods real datapoints decide, M of N, "the value you set for how to treat missing data is not
 *   needed and is ignored";
 * - fewer real datapoints than Evaluation Periods: every real datapoint of the range counts, and
 *   the rest up to Evaluation Periods are filled with the treatment (`breaching` / `notBreaching`);
 *   under `missing` and `ignore` they count as neither breaching nor not breaching;
 * - no real datapoint at all: `missing` → INSUFFICIENT_DATA, `ignore` → current state,
 *   `breaching` → ALARM, `notBreaching` → OK;
 * - premature ALARM: with `missing`, an alarm goes to ALARM when its oldest available datapoint is
 *   breaching and at least Datapoints to Alarm old within the last Evaluation Periods, and every
 *   more recent one is breaching or missing; with `ignore` that case keeps the current state (both
 *   tables, row 5).
 *
 * The tables decide what the prose leaves open. "0 - X - -" with 2 of 3 is OK under `missing`
 * (second table, row 3) although its breaching datapoint is old enough, so the premature rule needs
 * the oldest *available* datapoint to be breaching, not merely the oldest breaching one. And
 * "- - - - X" with 3 of 3 "does not go immediately into ALARM state": the docs do not name the state;
 * like every other row with too few real datapoints, it is decided by the real ones, so OK.
 */
function decide(
  points: ReadonlyArray<AlarmDatapoint | undefined>,
  settings: WindowSettings,
  current: AlarmState,
): Decision {
  const range = points.length;
  const periods = settings.evaluationPeriods;
  const toAlarm = settings.datapointsToAlarm;
  const treat = settings.treatMissingData;
  const band = usesBand(settings.comparisonOperator);

  // One pass from the newest datapoint back, stopping at the Evaluation Periods-th real one: older
  // datapoints play no part once there are that many.
  let real = 0;
  let from = range;
  let breaching = 0;
  let allBreaching = true;
  let oldestRecentBreach = -1;
  for (let index = range - 1; index >= 0 && real < periods; index--) {
    const point = points[index];
    if (!isReal(point, band)) continue;
    real++;
    from = index;
    if (breaches(point, settings)) {
      breaching++;
      if (index >= range - periods) oldestRecentBreach = index;
    } else {
      allBreaching = false;
    }
  }

  if (real === 0) {
    if (treat === 'missing') return INSUFFICIENT;
    if (treat === 'ignore') return { kind: 'ignored', state: current, from };
    return { kind: 'threshold', state: treat === 'breaching' ? 'ALARM' : 'OK', from, filled: periods };
  }

  if (settings.evaluateLowSampleCountPercentile === 'ignore') {
    const low = lowSampleDatapoint(points, from, settings, band);
    if (low) return { kind: 'lowSamples', state: current, ...low };
  }

  if (real === periods)
    return { kind: 'threshold', state: breaching >= toAlarm ? 'ALARM' : 'OK', from, filled: 0 };

  const filled = periods - real;
  if (treat === 'breaching') {
    return { kind: 'threshold', state: breaching + filled >= toAlarm ? 'ALARM' : 'OK', from, filled };
  }
  if (treat === 'notBreaching') {
    return { kind: 'threshold', state: breaching >= toAlarm ? 'ALARM' : 'OK', from, filled };
  }
  if (breaching >= toAlarm) return { kind: 'threshold', state: 'ALARM', from, filled: 0 };
  const premature = allBreaching && oldestRecentBreach >= 0 && range - oldestRecentBreach >= toAlarm;
  if (premature && treat === 'ignore') return { kind: 'ignored', state: current, from };
  return { kind: 'threshold', state: premature ? 'ALARM' : 'OK', from, filled: 0 };
}

/**
 * The first evaluated datapoint with too few samples, for `EvaluateLowSampleCountPercentile: ignore`: "have the alarm ignore the metric while the sample size is low" — we read that as the
 * alarm keeping its state while any datapoint it would evaluate is short of samples (the docs do
 * not say whether one such datapoint suffices; we assume it does).
 */
function lowSampleDatapoint(
  points: ReadonlyArray<AlarmDatapoint | undefined>,
  from: number,
  settings: WindowSettings,
  band: boolean,
): { index: number; samples: number; needed: number } | undefined {
  if (settings.percentile === undefined) return undefined;
  const needed = minimumSampleCount(settings.percentile);
  if (needed === undefined) return undefined;
  for (let index = from; index < points.length; index++) {
    const point = points[index];
    if (!isReal(point, band) || point.sampleCount === undefined) continue;
    if (point.sampleCount < needed) return { index, samples: point.sampleCount, needed };
  }
  return undefined;
}

function usesBand(operator: ComparisonOperator): boolean {
  return (
    operator === 'LessThanLowerOrGreaterThanUpperThreshold' ||
    operator === 'LessThanLowerThreshold' ||
    operator === 'GreaterThanUpperThreshold'
  );
}

/**
 * A datapoint that can be compared: it has a value and, for a band alarm (`band`, from
 * {@link usesBand}), the band: no band, no comparison.
 */
function isReal(
  point: AlarmDatapoint | undefined,
  band: boolean,
): point is AlarmDatapoint & { readonly value: number } {
  return point !== undefined && point.value !== undefined && (!band || point.band !== undefined);
}

/** Whether a real datapoint is outside the threshold (PutMetricAlarm `ComparisonOperator`). */
function breaches(point: AlarmDatapoint & { readonly value: number }, settings: WindowSettings): boolean {
  const value = point.value;
  switch (settings.comparisonOperator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= staticThreshold(settings);
    case 'GreaterThanThreshold':
      return value > staticThreshold(settings);
    case 'LessThanThreshold':
      return value < staticThreshold(settings);
    case 'LessThanOrEqualToThreshold':
      return value <= staticThreshold(settings);
    case 'LessThanLowerOrGreaterThanUpperThreshold':
      return value < lowerOf(point) || value > upperOf(point);
    case 'LessThanLowerThreshold':
      return value < lowerOf(point);
    case 'GreaterThanUpperThreshold':
      return value > upperOf(point);
  }
}

function staticThreshold(settings: WindowSettings): number {
  if (settings.threshold === undefined) {
    throw new Error(`${settings.comparisonOperator} compares with a threshold, and the alarm has none`);
  }
  return settings.threshold;
}

function lowerOf(point: AlarmDatapoint): number {
  return point.band?.[0] ?? Number.NaN;
}

function upperOf(point: AlarmDatapoint): number {
  return point.band?.[1] ?? Number.NaN;
}

/**
 * The reason, worded like CloudWatch's `StateReason`. The documented samples (the EventBridge
 * alarm events of cloudwatch-and-eventbridge.md) fix the threshold form:
 * "Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was
 * greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition)." and the band
 * form "Thresholds Crossed: ... was less than the lower thresholds [..] or greater than the upper
 * thresholds [..]". Numbers are printed like Java's `Double.toString` ("50.0", "45628.0"), times as
 * dd/MM/yy HH:mm:ss in UTC at the datapoint's period start.
 *
 * Not in the documentation, taken from reasons CloudWatch is seen to send: the datapoint list newest
 * first; "Insufficient Data: 1 datapoint was unknown."; "no datapoints were received for 3 periods
 * and 3 missing datapoints were treated as [Breaching]."; "... and 2 missing datapoints were treated
 * as [NonBreaching]" after the comparison; "1 datapoint was received for 3 periods and 2 missing
 * datapoints were treated as [Breaching]." when no real datapoint is on the side of the new state.
 * The minimum for ALARM -> OK is Evaluation Periods − Datapoints to Alarm + 1, the fewest
 * non-breaching datapoints that rule ALARM out (our inference; the samples only show 1 of 1). A
 * kept state (missing data ignored, low sample count) never reaches a transition, so its reason is
 * Vigil's own wording.
 */
function describe(
  decision: Decision,
  points: ReadonlyArray<AlarmDatapoint | undefined>,
  timestampOf: (index: number) => number,
  settings: WindowSettings,
  current: AlarmState,
): string {
  const periods = settings.evaluationPeriods;
  const band = usesBand(settings.comparisonOperator);
  const real: number[] = [];
  const from = decision.kind === 'threshold' || decision.kind === 'ignored' ? decision.from : points.length;
  for (let index = points.length - 1; index >= from; index--) {
    const point = points[index];
    if (isReal(point, band)) real.push(index);
  }
  const list = (indexes: readonly number[]) =>
    indexes.map((index) => `${javaDouble(valueAt(points, index))} (${stamp(timestampOf(index))})`).join(', ');

  switch (decision.kind) {
    case 'insufficient':
      return `Insufficient Data: ${counted(periods, 'datapoint')} ${wasWere(periods)} unknown.`;
    case 'lowSamples': {
      const percent = Number(((settings.percentile ?? 0) * 100).toFixed(8));
      return (
        `Low sample count: the datapoint [${list([decision.index])}] has ${counted(decision.samples, 'sample')}, ` +
        `fewer than the ${decision.needed} a p${percent} alarm needs, and EvaluateLowSampleCountPercentile is ` +
        `ignore, so the alarm stays ${current}.`
      );
    }
    case 'ignored': {
      const received =
        real.length === 0
          ? `no datapoints were received for ${counted(points.length, 'period')}`
          : `${counted(real.length, 'datapoint')} [${list(real)}] ${wasWere(real.length)} received for ` +
            `${counted(points.length, 'period')}, too few to decide`;
      return `Missing data ignored: ${received}, so the alarm stays ${current}.`;
    }
    case 'threshold':
      break;
  }

  const alarm = decision.state === 'ALARM';
  const prefix = band ? 'Thresholds Crossed' : 'Threshold Crossed';
  const filled =
    decision.filled > 0
      ? ` and ${counted(decision.filled, 'missing datapoint')} ${wasWere(decision.filled)} treated as ` +
        `[${settings.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching'}]`
      : '';
  if (real.length === 0)
    return `${prefix}: no datapoints were received for ${counted(periods, 'period')}${filled}.`;
  const sided = real.filter((index) => {
    const point = points[index];
    return isReal(point, band) && breaches(point, settings) === alarm;
  });
  if (sided.length === 0) {
    return (
      `${prefix}: ${counted(real.length, 'datapoint')} ${wasWere(real.length)} received for ` +
      `${counted(periods, 'period')}${filled}.`
    );
  }
  const minimum = alarm ? settings.datapointsToAlarm : periods - settings.datapointsToAlarm + 1;
  const transition = alarm ? 'OK -> ALARM' : 'ALARM -> OK';
  return (
    `${prefix}: ${sided.length} out of the last ${periods} datapoints [${list(sided)}] ${wasWere(sided.length)} ` +
    `${comparison(points, sided, alarm, settings)}${filled} (minimum ${counted(minimum, 'datapoint')} for ` +
    `${transition} transition).`
  );
}

/** "greater than the threshold (50.0)", or for a band "less than the lower thresholds [..] or ...". */
function comparison(
  points: ReadonlyArray<AlarmDatapoint | undefined>,
  indexes: readonly number[],
  alarm: boolean,
  settings: WindowSettings,
): string {
  const not = alarm ? '' : 'not ';
  const bands = (side: 0 | 1) =>
    indexes.map((index) => javaDouble(points[index]?.band?.[side] ?? Number.NaN)).join(', ');
  switch (settings.comparisonOperator) {
    case 'LessThanLowerOrGreaterThanUpperThreshold':
      return `${not}less than the lower thresholds [${bands(0)}] or ${not}greater than the upper thresholds [${bands(1)}]`;
    case 'LessThanLowerThreshold':
      return `${not}less than the lower thresholds [${bands(0)}]`;
    case 'GreaterThanUpperThreshold':
      return `${not}greater than the upper thresholds [${bands(1)}]`;
    default:
      return `${not}${RELATION[settings.comparisonOperator]} the threshold (${javaDouble(staticThreshold(settings))})`;
  }
}

const RELATION: Partial<Record<ComparisonOperator, string>> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

function valueAt(points: ReadonlyArray<AlarmDatapoint | undefined>, index: number): number {
  return points[index]?.value ?? Number.NaN;
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function wasWere(count: number): string {
  return count === 1 ? 'was' : 'were';
}

/**
 * A number as Java's `Double.toString` prints it, which is how CloudWatch's reasons show values:
 * at least one decimal ("50.0"), plain between 10^-3 and 10^7, else "1.0E7" / "1.5E-4".
 */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const plain = String(value);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa = '', exponent = '0'] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** dd/MM/yy HH:mm:ss in UTC, as in "99.50160229693434 (02/10/19 16:59:00)". */
function stamp(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${two(date.getUTCMonth() + 1)}/${two(date.getUTCFullYear() % 100)} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`
  );
}
