/**
 * The alarm lint on its own, for an app whose alarms are not made by {@link index!ServiceMonitoring | ServiceMonitoring}:
 * `addAlarmLint(app)` checks every alarm of the app at synth.
 *
 * @packageDocumentation
 */
export { AlarmLint, addAlarmLint, lintAlarms } from './alarm-lint';
