import type {
  AlarmDefinition,
  AlarmState,
  AlarmTransition,
  CompositeAlarmDefinition,
  MetricAlarmDefinition,
  UnsupportedFeature,
} from './alarm-definition';
import { compileAlarmMetric } from './compile-alarm-metric';
import type { CompiledAlarmMetric, MetricSource } from './compiled-metric';
import {
  alarmArn,
  type CompositeRule,
  CompositeRuleError,
  compositeState,
  parseCompositeRule,
  referencedAlarmName,
} from './composite-rule';
import { evaluationInterval, MetricAlarmEvaluator } from './evaluate-metric-alarm';

/** A transition of one alarm, as the engine reports it. */
export interface EngineTransition extends AlarmTransition {
  /** The name of the alarm whose state changed. */
  readonly alarm: string;
}

/** What one evaluation of a metric alarm compared, for charts and the alert's "how badly". */
export interface EvaluationRecord {
  /** The name of the metric alarm evaluated. */
  readonly alarm: string;
  /** Epoch milliseconds of the evaluation. */
  readonly at: number;
  /** The newest datapoint compared (null when missing). */
  readonly value: number | null;
  /** Whether the evaluation found at least one real datapoint in its range. */
  readonly hadData: boolean;
}

/** Options of an {@link AlarmEngine}. */
export interface AlarmEngineOptions {
  /** Every alarm's state before its first evaluation. @default 'INSUFFICIENT_DATA' */
  readonly initialState?: AlarmState;
  /** Account of the ARNs in composite transition reasons. @default '123456789012' */
  readonly account?: string;
  /** Region of the ARNs in composite transition reasons. @default 'us-east-1' */
  readonly region?: string;
  /**
   * Alarms evaluated elsewhere that composites may read; their states come in through
   * {@link AlarmEngine.applyExternal} (a backtest evaluates metric alarms in batches, then composites).
   * @default none
   */
  readonly external?: readonly string[];
  /** Alarms left out elsewhere (unsupported): composites over them are reported, not evaluated. @default none */
  readonly unavailable?: readonly string[];
}

interface MetricEntry {
  readonly definition: MetricAlarmDefinition;
  /** The alarm's state, kept here too so that the every-minute loop needs no map lookup. */
  state: AlarmState;
  readonly compiled: CompiledAlarmMetric;
  readonly evaluator: MetricAlarmEvaluator;
  /** Milliseconds between evaluations. */
  readonly interval: number;
}

interface CompositeEntry {
  readonly definition: CompositeAlarmDefinition;
  readonly rule: CompositeRule;
  /** Names of the alarms the rule reads, resolved from names or ARNs. */
  readonly children: readonly string[];
}

const MINUTE = 60_000;
// The finest evaluation interval (10 s periods are evaluated every 10 seconds, alarm-evaluation.md).
const HIGH_RESOLUTION_INTERVAL = 10_000;

/**
 * CloudWatch's alarm evaluation over a metric source, stepped by the caller's clock: a backtest
 * steps it over recorded samples, a test or the local run steps it on simulated time while the
 * samples arrive. Metric alarms are evaluated on their own schedule; a composite is re-evaluated at
 * the instant one of its children changes state, children before parents.
 */
export class AlarmEngine {
  /** Alarms left out because they use something the engine does not evaluate. */
  readonly unsupported: readonly UnsupportedFeature[];
  private readonly metricAlarms: MetricEntry[] = [];
  private composites: CompositeEntry[] = [];
  private readonly states = new Map<string, AlarmState>();
  private readonly arns = new Map<string, string>();
  private readonly external: ReadonlySet<string>;
  private readonly listeners: Array<(transition: EngineTransition) => void> = [];
  private readonly evaluationListeners: Array<(record: EvaluationRecord) => void> = [];
  private lastEvaluation: number | undefined;
  private compositesEvaluated = false;

  constructor(definitions: readonly AlarmDefinition[], options: AlarmEngineOptions = {}) {
    const initial = options.initialState ?? 'INSUFFICIENT_DATA';
    const unsupported: UnsupportedFeature[] = [];
    this.external = new Set(options.external ?? []);
    const names = new Set<string>(this.external);
    for (const name of options.external ?? []) this.states.set(name, initial);
    for (const definition of definitions) {
      if (names.has(definition.name)) throw new Error(`alarm ${definition.name} is defined twice`);
      names.add(definition.name);
      this.arns.set(
        definition.name,
        definition.arn ??
          alarmArn(definition.name, options.region ?? 'us-east-1', options.account ?? '123456789012'),
      );
    }
    for (const definition of definitions) {
      if (definition.kind === 'metric') {
        const compiled = compileAlarmMetric(definition);
        if (Array.isArray(compiled)) {
          unsupported.push(...compiled);
          continue;
        }
        this.metricAlarms.push({
          definition,
          state: initial,
          compiled,
          evaluator: new MetricAlarmEvaluator(definition, compiled),
          interval: evaluationInterval(compiled.period, definition.evaluationPeriods),
        });
      } else {
        let rule: CompositeRule;
        try {
          rule = parseCompositeRule(definition.rule);
        } catch (error) {
          if (!(error instanceof CompositeRuleError)) throw error;
          unsupported.push({ alarm: definition.name, feature: `rule does not parse: ${error.message}` });
          continue;
        }
        const children = [...new Set(rule.children().map(referencedAlarmName))];
        const missing = children.filter((child) => !names.has(child));
        if (missing.length > 0) {
          unsupported.push({
            alarm: definition.name,
            feature: `rule names alarms that are not defined: ${missing.join(', ')}`,
          });
          continue;
        }
        this.composites.push({ definition, rule, children });
      }
      this.states.set(definition.name, initial);
    }
    unsupported.push(...compositeCycles(this.composites));
    const unavailable = (options.unavailable ?? []).map((alarm) => ({ alarm, feature: 'left out' }));
    for (const { alarm } of unavailable) names.add(alarm);
    this.unsupported = dropCompositesOverUnsupported([...unavailable, ...unsupported], this.composites).slice(
      unavailable.length,
    );
    for (const gone of this.unsupported) this.states.delete(gone.alarm);
    this.composites = childrenFirst(
      this.composites.filter((entry) => this.states.has(entry.definition.name)),
    );
  }

  /** Names of the alarms the engine evaluates. */
  alarmNames(): string[] {
    return [...this.states.keys()].filter((name) => !this.external.has(name));
  }

  /** An alarm's current state. */
  state(name: string): AlarmState {
    const state = this.states.get(name);
    if (state === undefined) throw new Error(`no alarm named ${name}`);
    return state;
  }

  /** The compiled metric of a metric alarm (its period, whether it is approximate). */
  metricOf(name: string): CompiledAlarmMetric | undefined {
    return this.metricAlarms.find((entry) => entry.definition.name === name)?.compiled;
  }

  /** Whether an alarm's values are approximations (anomaly bands, or a composite over one). */
  isApproximate(name: string): boolean {
    const metric = this.metricOf(name);
    if (metric) return metric.approximate;
    const composite = this.composites.find((entry) => entry.definition.name === name);
    return composite ? composite.children.some((child) => this.isApproximate(child)) : false;
  }

  /** Calls `listener` with every transition from now on. */
  onTransition(listener: (transition: EngineTransition) => void): void {
    this.listeners.push(listener);
  }

  /** Calls `listener` with every metric-alarm evaluation from now on. */
  onEvaluation(listener: (record: EvaluationRecord) => void): void {
    this.evaluationListeners.push(listener);
  }

  /**
   * Runs every evaluation CloudWatch would run after the previous call up to and including `until`
   * (epoch ms), in time order, and returns the transitions they made. The first call evaluates
   * only at `until` unless `since` says where the schedule starts.
   */
  advanceTo(source: MetricSource, until: number, since?: number): EngineTransition[] {
    const start = since ?? (this.lastEvaluation === undefined ? until : this.lastEvaluation + 1);
    const transitions: EngineTransition[] = [];
    const step = this.metricAlarms.some((entry) => entry.interval < MINUTE)
      ? HIGH_RESOLUTION_INTERVAL
      : MINUTE;
    for (let at = Math.ceil(start / step) * step; at <= until; at += step) {
      transitions.push(...this.evaluateAt(source, at));
    }
    this.lastEvaluation = until;
    return transitions;
  }

  /**
   * Evaluates each metric alarm over every evaluation in `[since, until]`, one alarm after the other,
   * and composites not at all: a backtest's order. Metric alarms never read each other, and staying
   * on one alarm keeps its samples in the processor's cache. Listeners hear each alarm's
   * transitions in time order, alarm by alarm; replay composites with {@link applyExternal}.
   * @returns names of the alarms that found a datapoint in at least one evaluation
   */
  evaluateEachAlarm(source: MetricSource, since: number, until: number): Set<string> {
    const hadData = new Set<string>();
    const listening = this.evaluationListeners.length > 0;
    for (const entry of this.metricAlarms) {
      const name = entry.definition.name;
      let found = false;
      for (let at = Math.ceil(since / entry.interval) * entry.interval; at <= until; at += entry.interval) {
        const current = entry.state;
        const result = entry.evaluator.evaluate(source, at, current);
        found ||= result.hadData;
        if (listening) {
          const record = { alarm: name, at, value: result.newest ?? null, hadData: result.hadData };
          for (const listener of this.evaluationListeners) listener(record);
        }
        if (result.state !== current) {
          entry.state = result.state;
          this.record(name, at, current, result.state, result.reason);
        }
      }
      if (found) hadData.add(name);
    }
    this.lastEvaluation = until;
    return hadData;
  }

  /**
   * Sets the states external alarms reached at `at` (each a transition made elsewhere) and
   * re-evaluates the composites over them.
   */
  applyExternal(
    at: number,
    changes: readonly { readonly alarm: string; readonly to: AlarmState }[],
  ): EngineTransition[] {
    const changed: string[] = [];
    for (const { alarm, to } of changes) {
      if (this.states.get(alarm) === undefined) throw new Error(`no external alarm named ${alarm}`);
      this.states.set(alarm, to);
      changed.push(alarm);
    }
    return this.propagate(changed, at);
  }

  /** Evaluates the metric alarms due at `at` (a multiple of their interval), then affected composites. */
  private evaluateAt(source: MetricSource, at: number): EngineTransition[] {
    const transitions: EngineTransition[] = [];
    const changed: string[] = [];
    const listening = this.evaluationListeners.length > 0;
    for (const entry of this.metricAlarms) {
      if (at % entry.interval !== 0) continue;
      const name = entry.definition.name;
      const current = entry.state;
      const result = entry.evaluator.evaluate(source, at, current);
      if (listening) {
        const record = { alarm: name, at, value: result.newest ?? null, hadData: result.hadData };
        for (const listener of this.evaluationListeners) listener(record);
      }
      if (result.state !== current) {
        entry.state = result.state;
        transitions.push(this.record(name, at, current, result.state, result.reason));
        changed.push(name);
      }
    }
    transitions.push(...this.propagate(changed, at));
    return transitions;
  }

  /**
   * Re-evaluates, children before parents, every composite that reads a changed alarm (all of them at
   * the first evaluation: a new composite is evaluated at once, "was created and its alarm rule
   * evaluates to OK" in the composite sample of cloudwatch-and-eventbridge.md).
   */
  private propagate(changed: readonly string[], at: number): EngineTransition[] {
    const transitions: EngineTransition[] = [];
    const moved = new Set(changed);
    const first = !this.compositesEvaluated;
    this.compositesEvaluated = true;
    for (const composite of this.composites) {
      const triggers = composite.children.filter((child) => moved.has(child));
      if (!first && triggers.length === 0) continue;
      const name = composite.definition.name;
      const current = this.state(name);
      const next = compositeState(composite.rule, (child) => this.states.get(referencedAlarmName(child)));
      if (next === current) continue;
      // CloudWatch names the child whose change moved the composite (cloudwatch-and-eventbridge.md,
      // composite samples: "<child ARN> transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC").
      const trigger = triggers[0];
      const reason =
        first || trigger === undefined
          ? `${this.arns.get(name) ?? name} was created and its alarm rule evaluates to ${next}`
          : `${this.arns.get(trigger) ?? trigger} transitioned to ${this.state(trigger)} at ${longUtc(at)}`;
      transitions.push(this.record(name, at, current, next, reason));
      moved.add(name);
    }
    return transitions;
  }

  private record(
    alarm: string,
    at: number,
    from: AlarmState,
    to: AlarmState,
    reason: string,
  ): EngineTransition {
    this.states.set(alarm, to);
    const transition = { alarm, at, from, to, reason };
    for (const listener of this.listeners) listener(transition);
    return transition;
  }
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** A time as composite reasons print it: `Friday 22 July, 2022 15:57:45 UTC`. */
function longUtc(at: number): string {
  const date = new Date(at);
  const time = date.toISOString().slice(11, 19);
  return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}, ${date.getUTCFullYear()} ${time} UTC`;
}

/** A composite over an alarm the engine cannot evaluate cannot be evaluated either. */
function dropCompositesOverUnsupported(
  unsupported: UnsupportedFeature[],
  composites: readonly CompositeEntry[],
): UnsupportedFeature[] {
  const result = [...unsupported];
  let dropped = new Set(unsupported.map((entry) => entry.alarm));
  for (let grew = true; grew; ) {
    grew = false;
    for (const composite of composites) {
      const name = composite.definition.name;
      if (dropped.has(name)) continue;
      const over = composite.children.filter((child) => dropped.has(child));
      if (over.length > 0) {
        result.push({
          alarm: name,
          feature: `rule reads alarms the engine does not evaluate: ${over.join(', ')}`,
        });
        dropped = new Set([...dropped, name]);
        grew = true;
      }
    }
  }
  return result;
}

/** Composites ordered so that every composite comes after the composites it reads (no cycles left). */
function childrenFirst(composites: readonly CompositeEntry[]): CompositeEntry[] {
  const byName = new Map(composites.map((entry) => [entry.definition.name, entry]));
  const ordered: CompositeEntry[] = [];
  const placed = new Set<string>();
  const place = (entry: CompositeEntry): void => {
    if (placed.has(entry.definition.name)) return;
    placed.add(entry.definition.name);
    for (const child of entry.children) {
      const inner = byName.get(child);
      if (inner) place(inner);
    }
    ordered.push(entry);
  };
  for (const entry of composites) place(entry);
  return ordered;
}

/**
 * Composites in a dependency cycle, and those that read one: CloudWatch stops evaluating them
 * ("your composite alarms stop being evaluated", Create_Composite_Alarm.md), so the engine reports
 * them instead of inventing states.
 */
function compositeCycles(composites: readonly CompositeEntry[]): UnsupportedFeature[] {
  const byName = new Map(composites.map((entry) => [entry.definition.name, entry]));
  const stalled = new Map<string, string>();
  const done = new Set<string>();
  const visit = (name: string, path: readonly string[]): void => {
    if (done.has(name) || !byName.has(name)) return;
    const index = path.indexOf(name);
    if (index >= 0) {
      const cycle = [...path.slice(index), name].join(' -> ');
      for (const member of path.slice(index)) if (!stalled.has(member)) stalled.set(member, cycle);
      return;
    }
    for (const child of byName.get(name)?.children ?? []) visit(child, [...path, name]);
    done.add(name);
  };
  for (const name of byName.keys()) visit(name, []);
  return [...stalled].map(([alarm, cycle]) => ({
    alarm,
    feature: `composite cycle ${cycle}: CloudWatch stops evaluating it`,
  }));
}
