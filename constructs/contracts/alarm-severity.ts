/**
 * How urgently a human must act on an alarm. Every Vigil alarm carries exactly one severity, and
 * alert routing (topics, pages, chat) is decided by it alone.
 *
 * - `critical`: user-facing outage or data loss in progress; pages on-call.
 * - `high`: degradation that will become an outage if nobody acts within hours.
 * - `warning`: something is drifting; look during working hours.
 * - `info`: worth knowing (a remediation ran, a deploy happened); never wakes anyone.
 */
export const ALARM_SEVERITIES = ['critical', 'high', 'warning', 'info'] as const;

/** One of {@link ALARM_SEVERITIES}: `critical`, `high`, `warning` or `info`. */
export type AlarmSeverity = (typeof ALARM_SEVERITIES)[number];
