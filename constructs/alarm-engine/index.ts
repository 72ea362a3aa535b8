/**
 * CloudWatch's alarm evaluation, offline: replay metric series through the alarms of a synthesized
 * template (a backtest), or run alarms on a simulated clock in tests.
 *
 * @packageDocumentation
 */
export * from './alarm-definition';
export * from './alarm-engine';
export * from './backtest';
export * from './backtest-result';
export type { AlarmDatapoint, CompiledAlarmMetric, Datapoint, MetricSource } from './compiled-metric';
export * from './metric-source';
export * from './simulated-time';
export * from './template-alarms';
