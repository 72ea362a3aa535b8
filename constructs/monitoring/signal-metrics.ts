import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { MonitorSignal } from './monitor-signals';

/**
 * The metric behind each signal a monitor watches, by signal (`monitor.metrics['error-rate']`), for
 * a team's own alarms, dashboard widgets or metric math. Kept for a signal whose alarm an override
 * switched off too: the metric is still there to use. A variant signal (an HTTP API route's
 * `<route>-server-error-rate`) is keyed by its own name.
 */
export type SignalMetrics<K extends string> = Readonly<
  Partial<Record<MonitorSignal<K> | (string & {}), cloudwatch.IMetric>>
>;

/** Keeps `spec.metric` under `spec.signal`: the one place monitors fill their {@link SignalMetrics}. */
export function keepSignalMetric<K extends string>(
  metrics: SignalMetrics<K>,
  spec: { readonly signal: string; readonly metric: cloudwatch.IMetric },
): void {
  (metrics as Record<string, cloudwatch.IMetric>)[spec.signal] = spec.metric;
}
