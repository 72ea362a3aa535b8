import { ALARM_SEVERITIES, type AlarmSeverity } from '../contracts/alarm-severity';
import type { MonitorSignal } from './monitor-signals';

/**
 * What a team may change about one signal's alarm: its severity, its threshold, several thresholds
 * at different severities, or switching it off. Set for every resource of a kind on the service
 * (`ServiceMonitoring` `overrides`, keyed `<kind>/<signal>`) or for one resource on its monitor
 * (`overrides`, keyed by signal); a monitor's fields win over the service's.
 */
export interface SignalOverride {
  /** The alarm's severity, which decides where it notifies and whether it pages. @default the monitor's severity for the signal */
  readonly severity?: AlarmSeverity;
  /** `false` makes no alarm for the signal, e.g. where the team already has its own. @default true */
  readonly enabled?: boolean;
  /**
   * The threshold, in the metric's unit as the alarm's description states it (for an anomaly alarm,
   * the band's width in standard deviations). @default what the monitor derives from the resource
   */
  readonly threshold?: number;
  /**
   * One alarm per severity on the same metric, e.g. `{ warning: 2, critical: 10 }`. The most severe
   * keeps the signal's alarm name and playbook; each other is named `<signal>-<severity>` and never
   * starts a playbook. @default one alarm, at the monitor's threshold and severity
   */
  readonly thresholds?: Readonly<Partial<Record<AlarmSeverity, number>>>;
}

/** Overrides of one resource's signals, keyed by the signals its kind raises. */
export type SignalOverrides<K extends string> = Readonly<Partial<Record<MonitorSignal<K>, SignalOverride>>>;

const FIELDS: readonly (keyof SignalOverride)[] = ['severity', 'enabled', 'threshold', 'thresholds'];

/** Every problem with one override, each naming `where` (e.g. `lambda/errors`); empty when it is sound. */
export function signalOverrideProblems(where: string, override: unknown): string[] {
  if (typeof override !== 'object' || override === null || Array.isArray(override)) {
    return [`${where}: an override is an object with ${FIELDS.join(', ')}`];
  }
  const record = override as Record<string, unknown>;
  const problems = Object.keys(record)
    .filter((field) => !(FIELDS as readonly string[]).includes(field))
    .map(
      (field) => `${where}: unknown field ${JSON.stringify(field)}; an override sets ${FIELDS.join(', ')}`,
    );
  if (record.severity !== undefined && !ALARM_SEVERITIES.includes(record.severity as AlarmSeverity)) {
    problems.push(`${where}: severity must be one of ${ALARM_SEVERITIES.join(', ')}`);
  }
  if (record.enabled !== undefined && typeof record.enabled !== 'boolean') {
    problems.push(`${where}: enabled must be true or false`);
  }
  if (record.threshold !== undefined && !Number.isFinite(record.threshold)) {
    problems.push(`${where}: threshold must be a finite number`);
  }
  if (record.thresholds !== undefined) {
    problems.push(...thresholdsProblems(where, record));
  }
  return problems;
}

function thresholdsProblems(where: string, record: Record<string, unknown>): string[] {
  const thresholds = record.thresholds;
  if (typeof thresholds !== 'object' || thresholds === null || Array.isArray(thresholds)) {
    return [`${where}: thresholds maps severities to numbers, e.g. { warning: 2, critical: 10 }`];
  }
  const entries = Object.entries(thresholds);
  const problems: string[] = [];
  if (entries.length === 0) problems.push(`${where}: thresholds needs at least one severity`);
  for (const [severity, value] of entries) {
    if (!ALARM_SEVERITIES.includes(severity as AlarmSeverity)) {
      problems.push(
        `${where}: thresholds key ${JSON.stringify(severity)} is not one of ${ALARM_SEVERITIES.join(', ')}`,
      );
    } else if (!Number.isFinite(value)) {
      problems.push(`${where}: thresholds.${severity} must be a finite number`);
    }
  }
  if (record.threshold !== undefined) {
    problems.push(`${where}: set threshold or thresholds, not both`);
  }
  if (record.severity !== undefined) {
    problems.push(`${where}: thresholds name their severities; drop severity`);
  }
  return problems;
}

/** One alarm an override asks for on a signal: the signal (or `<signal>-<severity>`), severity and threshold. */
export interface OverriddenAlarm {
  readonly signal: string;
  readonly severity: AlarmSeverity;
  /** Undefined: the monitor's threshold. */
  readonly threshold?: number;
  /** False for the lower severities of a several-threshold signal: they never start a playbook. */
  readonly keepsPlaybook: boolean;
}

/**
 * The alarms one signal gets under an override, most severe first; empty when it is switched off.
 * `higherIsWorse` says which way the thresholds must be ordered (a critical error rate above the
 * warning one; a critical success ratio below it); thresholds the other way round are refused.
 */
export function overriddenAlarms(
  where: string,
  signal: string,
  monitorSeverity: AlarmSeverity,
  override: SignalOverride | undefined,
  higherIsWorse: boolean,
): OverriddenAlarm[] {
  if (override?.enabled === false) return [];
  if (override?.thresholds === undefined) {
    return [
      {
        signal,
        severity: override?.severity ?? monitorSeverity,
        threshold: override?.threshold,
        keepsPlaybook: true,
      },
    ];
  }
  const bySeverity = ALARM_SEVERITIES.flatMap((severity) => {
    const threshold = override.thresholds?.[severity];
    return threshold === undefined ? [] : [{ severity, threshold }];
  });
  for (let i = 1; i < bySeverity.length; i++) {
    const [worse, milder] = [bySeverity[i - 1], bySeverity[i]] as [
      { severity: AlarmSeverity; threshold: number },
      { severity: AlarmSeverity; threshold: number },
    ];
    const ordered = higherIsWorse ? worse.threshold > milder.threshold : worse.threshold < milder.threshold;
    if (!ordered) {
      throw new Error(
        `${where}: the ${worse.severity} threshold (${worse.threshold}) must be ${higherIsWorse ? 'above' : 'below'} ` +
          `the ${milder.severity} one (${milder.threshold}); this alarm fires ${higherIsWorse ? 'above' : 'below'} its threshold`,
      );
    }
  }
  return bySeverity.map(({ severity, threshold }, index) => ({
    signal: index === 0 ? signal : `${signal}-${severity}`,
    severity,
    threshold,
    keepsPlaybook: index === 0,
  }));
}
