import type { BacktestReport } from './backtest-report';
import { iso } from './text-report';

/**
 * The report as exactly one JSON object: `{"alarms":[{name, finalState, transitions:[{at, from, to,
 * reason}], alarmTransitions, secondsInAlarm, approximate, …}], "unsupported":[…]}`, times as ISO-8601.
 */
export function jsonReport(report: BacktestReport): string {
  return JSON.stringify({
    from: iso(report.from),
    to: iso(report.to),
    alarms: report.alarms.map((alarm) => ({
      name: alarm.name,
      kind: alarm.kind,
      finalState: alarm.finalState,
      transitions: alarm.transitions.map((transition) => ({
        at: iso(transition.at),
        from: transition.from,
        to: transition.to,
        reason: transition.reason,
      })),
      alarmTransitions: alarm.alarmTransitions,
      alarmTransitionsPerWeek: alarm.alarmTransitionsPerWeek,
      secondsInAlarm: alarm.secondsInAlarm,
      neverHadData: alarm.neverHadData,
      approximate: alarm.approximate,
      ...(alarm.approximateReason ? { approximateReason: alarm.approximateReason } : {}),
    })),
    unsupported: report.unsupported,
  });
}
