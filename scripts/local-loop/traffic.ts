import type { MetricFeed } from '../../constructs/alarm-engine/simulated-time';
import type { LocalLambdaFunction } from './lambda-aliases';

export interface TrafficOptions {
  /** Requests sent to the alias each minute, at each simulated time (a number for a steady rate). */
  readonly requestsPerMinute: number | ((at: number) => number);
  /** Share of requests (0..1) that fail on each version; versions not listed never fail. */
  readonly failureShare: (version: string) => number;
  /** Milliseconds one successful request takes. */
  readonly durationMs: number;
  /**
   * Requests to run for real: every `everyMs` of simulated time in which the alias served requests,
   * one of them is handed to `take`, on the version that served it.
   */
  readonly sample?: { readonly everyMs: number; readonly take: (request: SampledRequest) => void };
}

/** One of the modelled requests, picked to be run through the real handler. */
export interface SampledRequest {
  /** When it was sent (simulated epoch milliseconds). */
  readonly at: number;
  /** The version the alias sent it to. */
  readonly version: string;
  /**
   * Whether it fails: the sample's failures follow the version's failure share as the modelled
   * requests' do, so the real requests and the metrics tell the same story.
   */
  readonly fails: boolean;
  /** How long it takes, as the model says (a failed request stops early). */
  readonly durationMs: number;
}

/**
 * Requests through the function's alias, one second at a time, and the built-in metrics Lambda
 * publishes for them (Invocations, Errors, Duration, Throttles, ConcurrentExecutions) under the
 * dimension sets Lambda uses: the function, the alias (`Resource`), and the alias with the version
 * that ran (`ExecutedVersion`). The handler's own work per request is modelled here, not executed:
 * which version the alias serves decides how many requests fail; a sample of the requests can be
 * handed on (`sample`) to be run through the real handler. With reserved concurrency, the
 * requests beyond it are throttled: they count as Throttles and not as Invocations ("Invocations
 * aren't recorded if the invocation request is throttled", Lambda developer guide, "Types of
 * metrics for Lambda functions"), and a throttled request ran no version.
 */
export function aliasTraffic(feed: MetricFeed, fn: LocalLambdaFunction, options: TrafficOptions) {
  let owedErrors = 0;
  let owedRequests = 0;
  let total = { invocations: 0, errors: 0, throttles: 0 };
  let nextSampleAt = Number.NEGATIVE_INFINITY;
  const owedSampleFailures = new Map<string, number>();
  const rate = options.requestsPerMinute;
  const publish = (at: number, requests: number, version: string) => {
    const resource = `${fn.functionName}:${fn.aliasName}`;
    const functionSets: Record<string, string>[] = [
      { FunctionName: fn.functionName },
      { FunctionName: fn.functionName, Resource: resource },
    ];
    const executedSet = { FunctionName: fn.functionName, Resource: resource, ExecutedVersion: version };
    const meanSeconds = options.durationMs / 1000;
    const wanted = requests * meanSeconds;
    const limit = fn.reservedConcurrency;
    const invocations = limit !== null && wanted > limit ? Math.floor((requests * limit) / wanted) : requests;
    const throttles = requests - invocations;
    owedErrors += invocations * options.failureShare(version);
    const errors = Math.min(invocations, Math.floor(owedErrors));
    owedErrors -= errors;
    total = {
      invocations: total.invocations + invocations,
      errors: total.errors + errors,
      throttles: total.throttles + throttles,
    };
    // A failed request stops early: the bad model throws before scoring.
    const durations = Array.from({ length: invocations }, (_, i) =>
      i < errors ? options.durationMs / 4 : options.durationMs * (0.8 + (0.4 * ((i * 7919) % 100)) / 100),
    );
    const concurrency = Math.ceil(durations.reduce((sum, ms) => sum + ms, 0) / 1000);
    const metric = (metricName: string, dimensions: Record<string, string>) => ({
      namespace: 'AWS/Lambda',
      metricName,
      dimensions,
    });
    for (const dimensions of [...functionSets, executedSet]) {
      feed.put(metric('Invocations', dimensions), at, invocations, 'Count');
      feed.put(metric('Errors', dimensions), at, errors, 'Count');
      feed.put(metric('ConcurrentExecutions', dimensions), at, concurrency, 'Count');
      for (const ms of durations) feed.put(metric('Duration', dimensions), at, ms, 'Milliseconds');
    }
    for (const dimensions of functionSets) feed.put(metric('Throttles', dimensions), at, throttles, 'Count');
    const sample = options.sample;
    if (sample && invocations > 0 && at >= nextSampleAt) {
      nextSampleAt = at + sample.everyMs;
      // The same rule as the errors above, on the sample alone: its failures owed by the share.
      const owed = (owedSampleFailures.get(version) ?? 0) + options.failureShare(version);
      const fails = owed >= 1;
      owedSampleFailures.set(version, fails ? owed - 1 : owed);
      sample.take({ at, version, fails, durationMs: fails ? options.durationMs / 4 : options.durationMs });
    }
  };
  const traffic = (from: number, to: number) => {
    for (let second = Math.ceil(from / 1000) * 1000; second < to; second += 1000) {
      owedRequests += (typeof rate === 'number' ? rate : rate(second)) / 60;
      const requests = Math.floor(owedRequests);
      owedRequests -= requests;
      publish(second, requests, fn.aliasVersion);
    }
  };
  return { traffic, totals: () => total };
}
