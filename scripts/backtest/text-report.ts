import type { BacktestReport, ReportedAlarm } from './backtest-report';

/** Why datapoint-based results can be approximate, printed once under the alarms that are. */
export const DATAPOINT_NOTE =
  'CloudWatch keeps datapoints, not samples. One-minute Sum, SampleCount, Minimum and Maximum datapoints ' +
  're-aggregate exactly into longer periods; an Average of one-minute Averages weighs every minute alike ' +
  'whatever its sample count, and a percentile of one-minute percentiles is not the percentile of the samples.';

/** The report as text: per alarm (noisiest first) its pages, time in ALARM and transitions, then what had no data or was left out. */
export function textReport(report: BacktestReport): string {
  const lines: string[] = [];
  const days = (report.to - report.from) / 86_400_000;
  lines.push(
    `Backtest of ${report.alarms.length} alarm${report.alarms.length === 1 ? '' : 's'}, ` +
      `${iso(report.from)} to ${iso(report.to)} (${days.toFixed(1)} days)`,
    '',
  );
  const withData = report.alarms.filter((alarm) => !alarm.neverHadData);
  for (const alarm of withData) lines.push(...alarmLines(alarm), '');
  const noData = report.alarms.filter((alarm) => alarm.neverHadData);
  if (noData.length > 0) {
    lines.push(`Never had data (${noData.length}):`, ...noData.map((alarm) => `  ${alarm.name}`), '');
  }
  if (report.unsupported.length > 0) {
    lines.push(
      `Not evaluated (${report.unsupported.length}):`,
      ...report.unsupported.map((entry) => `  ${entry.alarm}: ${entry.feature}`),
      '',
    );
  }
  if (report.fromDatapoints && report.alarms.some((alarm) => alarm.approximate)) {
    lines.push(`~ approximate. ${DATAPOINT_NOTE}`, '');
  }
  return lines.join('\n');
}

function alarmLines(alarm: ReportedAlarm): string[] {
  const pages = `${alarm.alarmTransitions} page${alarm.alarmTransitions === 1 ? '' : 's'}`;
  const header =
    `${alarm.approximate ? '~ ' : ''}${alarm.name}: ${pages} (${alarm.alarmTransitionsPerWeek}/week), ` +
    `${duration(alarm.secondsInAlarm)} in ALARM, ends ${alarm.finalState}`;
  return [
    header,
    ...(alarm.approximateReason ? [`    approximate: ${alarm.approximateReason}`] : []),
    ...alarm.transitions.map(
      (transition) =>
        `    ${iso(transition.at)}  ${transition.from} -> ${transition.to}  ${transition.reason}`,
    ),
  ];
}

/** `2026-01-01T00:05:00Z`: second precision, as CloudWatch's evaluation times are. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** `1d 2h 5m`, `3m 10s`, `0s`. */
export function duration(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return parts.slice(0, 3).join(' ');
}
