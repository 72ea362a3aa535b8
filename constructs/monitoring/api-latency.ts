import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { AlarmSpec } from './alarm-spec';

/** How long a request may take before the API gives up on it, and where that limit comes from. */
export interface Timeout {
  /** The limit, in milliseconds. */
  readonly ms: number;
  /** Where it comes from, worded to end a threshold explanation, e.g. `29 s integration timeout`. */
  readonly reason: string;
}

/** The latency settings HTTP and REST API monitors share. */
export interface ApiLatencyOptions {
  /**
   * Timeout of the backend behind the integrations, such as the Lambda function's timeout, when it is
   * shorter than the integration timeout: callers then see 5XX before API Gateway gives up.
   * @default the integration timeout
   */
  readonly backendTimeout?: Duration;
  /** p99 latency, as a share of the timeout, at which timeouts are near. @default 0.8 */
  readonly latencyShareOfTimeout?: number;
}

/** Milliseconds as seconds with one decimal, for threshold explanations. */
export function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/**
 * The p99-latency alarm of an API or one of its routes: the threshold is a share of the shorter of
 * the integration's timeout and the backend's, since whichever fires first turns slow requests into 5XX.
 */
export function p99LatencySpec(
  prefix: string,
  latency: cloudwatch.IMetric,
  integration: Timeout,
  options: ApiLatencyOptions,
  what: string,
): AlarmSpec & { readonly overrideSignal: 'p99-latency' } {
  const share = options.latencyShareOfTimeout ?? 0.8;
  const backend = options.backendTimeout;
  const backendMs = backend && !backend.isUnresolved() ? backend.toMilliseconds() : undefined;
  const timeout =
    backendMs !== undefined && backendMs < integration.ms
      ? { ms: backendMs, reason: `${seconds(backendMs)} s backend timeout` }
      : integration;
  return {
    signal: `${prefix}p99-latency`,
    // A watched route's or method's latency follows the API's override key.
    overrideSignal: 'p99-latency',
    metric: latency,
    threshold: Math.round(timeout.ms * share),
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 3,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    severity: 'high',
    summary: `The slowest ${what} approach the timeout; timed-out requests fail with 5XX.`,
    thresholdReason: `${Math.round(share * 100)}% of the ${timeout.reason}`,
    thresholdUnit: 'ms',
  };
}
