import type { MetricFeed } from '../../constructs/alarm-engine/simulated-time';
import type { LocalLambdaFunction } from './lambda-aliases';

export interface TrafficOptions {
  readonly requestsPerMinute: number;
  /** Share of requests (0..1) that fail on each version; versions not listed never fail. */
  readonly failureShare: (version: string) => number;
  /** Milliseconds one successful request takes. */
  readonly durationMs: number;
}

/**
 * Requests through the function's alias, one second at a time, and the built-in metrics Lambda
 * publishes for them (Invocations, Errors, Duration, Throttles, ConcurrentExecutions) under the
 * dimension sets Lambda uses: the function, the alias (`Resource`), and the alias with the version
 * that ran (`ExecutedVersion`). The handler's own work per request is modelled here, not executed:
 * which version the alias serves decides how many requests fail.
 */
export function aliasTraffic(feed: MetricFeed, fn: LocalLambdaFunction, options: TrafficOptions) {
  let owedErrors = 0;
  let total = { invocations: 0, errors: 0 };
  const publish = (at: number, invocations: number, errors: number, version: string) => {
    const resource = `${fn.functionName}:${fn.aliasName}`;
    const dimensionSets: Record<string, string>[] = [
      { FunctionName: fn.functionName },
      { FunctionName: fn.functionName, Resource: resource },
      { FunctionName: fn.functionName, Resource: resource, ExecutedVersion: version },
    ];
    // A failed request stops early: the bad model throws before scoring.
    const durations = Array.from({ length: invocations }, (_, i) =>
      i < errors ? options.durationMs / 4 : options.durationMs * (0.8 + (0.4 * ((i * 7919) % 100)) / 100),
    );
    const concurrency = Math.ceil(durations.reduce((sum, ms) => sum + ms, 0) / 1000);
    for (const dimensions of dimensionSets) {
      const metric = (metricName: string) => ({ namespace: 'AWS/Lambda', metricName, dimensions });
      feed.put(metric('Invocations'), at, invocations, 'Count');
      feed.put(metric('Errors'), at, errors, 'Count');
      feed.put(metric('Throttles'), at, 0, 'Count');
      feed.put(metric('ConcurrentExecutions'), at, concurrency, 'Count');
      for (const ms of durations) feed.put(metric('Duration'), at, ms, 'Milliseconds');
    }
  };
  const traffic = (from: number, to: number) => {
    for (let second = Math.ceil(from / 1000) * 1000; second < to; second += 1000) {
      const invocations = Math.round(options.requestsPerMinute / 60);
      const version = fn.aliasVersion;
      owedErrors += invocations * options.failureShare(version);
      const errors = Math.min(invocations, Math.floor(owedErrors));
      owedErrors -= errors;
      total = { invocations: total.invocations + invocations, errors: total.errors + errors };
      publish(second, invocations, errors, version);
    }
  };
  return { traffic, totals: () => total };
}
