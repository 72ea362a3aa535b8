import {
  type CloudWatchClient,
  type Dimension,
  type DimensionFilter,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  ListMetricsCommand,
  type MetricDataQuery,
  type StandardUnit,
} from '@aws-sdk/client-cloudwatch';
import { backOff } from 'exponential-backoff';
import type {
  AlarmDefinition,
  MetricIdentity,
  UnsupportedFeature,
} from '../../constructs/alarm-engine/alarm-definition';
import { CliError } from './cli-error';
import { insightsMatches } from './insights-query';
import {
  INSIGHTS_STATISTIC,
  type InsightsRead,
  lookbackMs,
  metricReads,
  type StatRead,
} from './metric-reads';
import type { RecordedMetric } from './metrics-file';
import type { Progress } from './progress-bar';

/**
 * "A single GetMetricData call can include as many as 500 MetricDataQuery structures" (GetMetricData
 * API reference, MetricDataQueries). The other limit, "a total of as many as 100,800 data points"
 * per call (the default and largest MaxDatapoints), is met by paging with NextToken.
 */
export const MAX_QUERIES_PER_REQUEST = 500;

// Every page costs money: a token that never runs out must not become an endless bill.
const MAX_PAGES = 10_000;

/**
 * CloudWatch answers a throttled Query API call with the code `Throttling` (knowledge-center article
 * "cloudwatch-400-error-throttling"); the SDK retries those within about a second, and these waits
 * go longer. `TooManyRequestsException` and HTTP 429 are the same condition elsewhere in AWS.
 */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Options of {@link fetchLiveMetrics}. */
export interface LiveMetricsOptions {
  /** Epoch ms of the first and last evaluation. */
  readonly from: number;
  readonly to: number;
  /** The clock that decides which resolution CloudWatch still keeps. @default Date.now() */
  readonly now?: number;
  readonly progress?: Progress;
  /** Attempts per request while throttled, the first included. @default 8 */
  readonly attempts?: number;
  /** First wait after a throttled request; later ones double, up to 20 s. @default 500 ms */
  readonly retryDelayMs?: number;
}

/** What `--live` read: datapoints in the metrics-file form, and alarms it could not read for. */
export interface LiveMetrics {
  readonly recorded: readonly RecordedMetric[];
  readonly unsupported: readonly UnsupportedFeature[];
  readonly requests: number;
}

interface Target {
  readonly metric: MetricIdentity;
  readonly stat: string;
  readonly unit?: string;
  readonly period: number;
}

/**
 * Reads from CloudWatch every metric the metric alarms among `definitions` read, at the finest
 * period CloudWatch keeps for the range, from the evaluation range before `from` to `to`.
 */
export async function fetchLiveMetrics(
  client: CloudWatchClient,
  definitions: readonly AlarmDefinition[],
  options: LiveMetricsOptions,
): Promise<LiveMetrics> {
  const calls = new Calls(options);
  const reads = metricReads(definitions);
  const unsupported = [...reads.unsupported];
  const stats = [...reads.stats];
  for (const read of reads.insights) stats.push(...(await discover(client, calls, read)));

  const start = Math.floor((options.from - lookbackMs(definitions)) / 60_000) * 60_000;
  const end = Math.ceil(options.to / 60_000) * 60_000;
  const { targets, tooCoarse } = plan(stats, start, options.now ?? Date.now());
  unsupported.push(...tooCoarse);

  const batches: Target[][] = [];
  for (let index = 0; index < targets.length; index += MAX_QUERIES_PER_REQUEST) {
    batches.push(targets.slice(index, index + MAX_QUERIES_PER_REQUEST));
  }
  const recorded: RecordedMetric[] = [];
  for (const [number, batch] of batches.entries()) {
    options.progress?.advance(number, batches.length, 'GetMetricData batches');
    recorded.push(...(await fetchBatch(client, calls, batch, start, end)));
  }
  options.progress?.advance(batches.length, batches.length, 'GetMetricData batches');
  options.progress?.finish();
  return { recorded, unsupported, requests: calls.count };
}

/**
 * The period to fetch each metric at. "If the StartTime parameter specifies a time stamp that is
 * greater than 3 hours ago, you must specify the period as follows or no data points in that time
 * range is returned: between 3 hours and 15 days ago a multiple of 60 seconds, between 15 and 63 days
 * a multiple of 300, greater than 63 days a multiple of 3600" (MetricStat API reference, Period).
 * Within three hours, 10 s datapoints serve high-resolution alarms (periods of 10, 20 and 30 s).
 * An alarm whose period is not a multiple of what is kept cannot be recomputed.
 */
function plan(
  reads: readonly StatRead[],
  start: number,
  now: number,
): { targets: Target[]; tooCoarse: UnsupportedFeature[] } {
  const age = now - start;
  const kept = age > 63 * DAY ? 3600 : age > 15 * DAY ? 300 : age > 3 * HOUR ? 60 : undefined;
  const byKey = new Map<string, { target: Target; reads: StatRead[] }>();
  for (const read of reads) {
    const { metric, stat, unit } = read.stat;
    const period = kept ?? (read.stat.period < 60 ? 10 : 60);
    const key = JSON.stringify([
      metric.namespace,
      metric.metricName,
      sortedDimensions(metric),
      stat,
      unit ?? null,
    ]);
    const existing = byKey.get(key);
    const target = {
      metric,
      stat,
      ...(unit === undefined ? {} : { unit }),
      period: Math.min(period, existing?.target.period ?? period),
    };
    byKey.set(key, { target, reads: [...(existing?.reads ?? []), read] });
  }
  const tooCoarse = new Map<string, string>();
  for (const { target, reads: readers } of byKey.values()) {
    for (const read of readers) {
      if (read.stat.period % target.period === 0 || tooCoarse.has(read.alarm)) continue;
      tooCoarse.set(
        read.alarm,
        `--live: its ${read.stat.period} s period is finer than the ${target.period} s datapoints CloudWatch keeps from ${new Date(start).toISOString()}`,
      );
    }
  }
  return {
    targets: [...byKey.values()].map((entry) => entry.target),
    tooCoarse: [...tooCoarse].map(([alarm, feature]) => ({ alarm, feature })),
  };
}

/**
 * The series a Metrics Insights query reads, found with ListMetrics: its namespace and metric name,
 * the equality filters of WHERE and the dimension keys of SCHEMA as dimension filters, then the
 * query's exact matching on what comes back. "ListMetrics doesn't return information about metrics
 * if those metrics haven't reported data in the past two weeks" (ListMetrics API reference), so a
 * backtest further back than that can miss series.
 */
async function discover(client: CloudWatchClient, calls: Calls, read: InsightsRead): Promise<StatRead[]> {
  const { selection } = read;
  const filters: DimensionFilter[] = [
    ...Object.entries(selection.equals).map(([Name, Value]) => ({ Name, Value })),
    ...(selection.schemaKeys ?? [])
      .filter((key) => selection.equals[key] === undefined)
      .map((Name) => ({ Name })),
  ];
  const found: StatRead[] = [];
  let NextToken: string | undefined;
  let pages = 0;
  do {
    const page = await calls.send(`ListMetrics ${selection.namespace} ${selection.metricName}`, () =>
      client.send(
        new ListMetricsCommand({
          Namespace: selection.namespace,
          MetricName: selection.metricName,
          ...(filters.length > 0 ? { Dimensions: filters } : {}),
          ...(NextToken ? { NextToken } : {}),
        }),
      ),
    );
    for (const metric of page.Metrics ?? []) {
      const identity: MetricIdentity = {
        namespace: metric.Namespace ?? selection.namespace,
        metricName: metric.MetricName ?? selection.metricName,
        dimensions: Object.fromEntries((metric.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? ''])),
      };
      if (!insightsMatches(selection, identity)) continue;
      found.push({
        alarm: read.alarm,
        stat: { metric: identity, period: read.period, stat: INSIGHTS_STATISTIC[selection.fn] ?? 'Sum' },
      });
    }
    NextToken = page.NextToken;
    pages++;
  } while (NextToken && pages < MAX_PAGES);
  return found;
}

async function fetchBatch(
  client: CloudWatchClient,
  calls: Calls,
  batch: readonly Target[],
  start: number,
  end: number,
): Promise<RecordedMetric[]> {
  const queries: MetricDataQuery[] = batch.map((target, index) => ({
    Id: `m${index}`,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: target.metric.namespace,
        MetricName: target.metric.metricName,
        Dimensions: sortedDimensions(target.metric),
      },
      Period: target.period,
      Stat: target.stat,
      ...(target.unit === undefined ? {} : { Unit: target.unit as StandardUnit }),
    },
  }));
  const samples = batch.map((): Array<readonly [number, number]> => []);
  let NextToken: string | undefined;
  let pages = 0;
  do {
    const page: GetMetricDataCommandOutput = await calls.send('GetMetricData', () =>
      client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          // StartTime is inclusive and EndTime exclusive (GetMetricData API reference).
          StartTime: new Date(start),
          EndTime: new Date(end),
          ScanBy: 'TimestampAscending',
          ...(NextToken ? { NextToken } : {}),
        }),
      ),
    );
    for (const result of page.MetricDataResults ?? []) {
      const index = Number(result.Id?.slice(1));
      const target = batch[index];
      if (target === undefined) continue;
      if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
        const why = (result.Messages ?? []).map((message) => message.Value).join(' ');
        throw new CliError(
          `GetMetricData: ${result.StatusCode} for ${target.metric.namespace} ${target.metric.metricName}${why ? `: ${why}` : ''}`,
        );
      }
      const timestamps = result.Timestamps ?? [];
      const values = result.Values ?? [];
      for (const [position, timestamp] of timestamps.entries()) {
        const value = values[position];
        if (value !== undefined) samples[index]?.push([timestamp.getTime(), value]);
      }
    }
    NextToken = page.NextToken;
    pages++;
  } while (NextToken && pages < MAX_PAGES);
  return batch.map((target, index) => ({
    ...target.metric,
    ...(target.unit === undefined ? {} : { unit: target.unit }),
    statistic: target.stat,
    period: target.period,
    samples: samples[index] ?? [],
  }));
}

function sortedDimensions(metric: MetricIdentity): Dimension[] {
  return Object.entries(metric.dimensions)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([Name, Value]) => ({ Name, Value }));
}

/** Sends requests with backoff while CloudWatch throttles, counting them; any other failure is one line. */
class Calls {
  count = 0;
  constructor(private readonly options: LiveMetricsOptions) {}

  async send<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await backOff(
        () => {
          this.count++;
          return request();
        },
        {
          numOfAttempts: this.options.attempts ?? 8,
          startingDelay: this.options.retryDelayMs ?? 500,
          timeMultiple: 2,
          maxDelay: 20_000,
          jitter: 'full',
          retry: (error: unknown) => isThrottling(error),
        },
      );
    } catch (error) {
      if (error instanceof CliError) throw error;
      const name = (error as { name?: string }).name ?? 'Error';
      const still = isThrottling(error) ? ' (still throttled after every retry)' : '';
      throw new CliError(`${what} failed: ${name}: ${(error as Error).message ?? String(error)}${still}`);
    }
  }
}

function isThrottling(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return THROTTLING.has(name ?? '') || $metadata?.httpStatusCode === 429;
}
