import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  type QueryStatistics,
  type ResultField,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';

/** A Logs Insights query over a time range. */
export interface LogsInsightsRequest {
  readonly logGroupNames: readonly string[];
  readonly queryString: string;
  readonly start: Date;
  readonly end: Date;
  /** Most rows returned. @default the query's own `limit`, else Logs Insights' 10,000 */
  readonly limit?: number;
}

/** How results are polled: the first wait, doubled each time up to the longest. */
export interface PollingOptions {
  readonly firstMs: number;
  readonly maxMs: number;
}

/** What a completed query found. */
export interface LogsInsightsResult {
  readonly queryId: string;
  readonly rows: ResultField[][];
  readonly statistics?: QueryStatistics;
}

/** The query ended without results (`Failed`, `Cancelled`, `Timeout`, `Unknown`) or never started. */
export class LogsInsightsQueryError extends Error {
  override readonly name = 'LogsInsightsQueryError';

  constructor(
    message: string,
    /** The status GetQueryResults reported, when it reported one. */
    readonly status?: string,
  ) {
    super(message);
  }
}

// "Scheduled, Running, Complete, Failed, Cancelled, Timeout, Unknown" (GetQueryResults, CloudWatch
// Logs API reference): the last four never turn into results.
const ENDED = new Set(['Failed', 'Cancelled', 'Timeout', 'Unknown']);

/**
 * Starts the query and polls for its results, less often the longer it runs. When `signal` aborts
 * (a deadline, an alert that went out without it), the query is stopped so it does not keep
 * scanning, and billing per GB scanned, for a caller that has gone.
 */
export async function runLogsInsightsQuery(
  logs: Pick<CloudWatchLogsClient, 'send'>,
  request: LogsInsightsRequest,
  signal: AbortSignal,
  polling: PollingOptions = { firstMs: 100, maxMs: 1000 },
): Promise<LogsInsightsResult> {
  const started = await logs.send(
    new StartQueryCommand({
      logGroupNames: [...request.logGroupNames],
      queryString: request.queryString,
      startTime: Math.floor(request.start.getTime() / 1000),
      endTime: Math.ceil(request.end.getTime() / 1000),
      ...(request.limit !== undefined && { limit: request.limit }),
    }),
    { abortSignal: signal },
  );
  const queryId = started.queryId;
  if (!queryId) throw new LogsInsightsQueryError('Logs Insights started no query');
  // Best effort: a failure to stop changes nothing for the caller.
  const stop = () => void logs.send(new StopQueryCommand({ queryId })).catch(() => undefined);
  if (signal.aborted) stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (let delay = polling.firstMs; ; delay = Math.min(delay * 2, polling.maxMs)) {
      await sleep(delay, undefined, { signal });
      const response = await logs.send(new GetQueryResultsCommand({ queryId }), { abortSignal: signal });
      const status = response.status ?? 'Unknown';
      if (status === 'Complete') {
        return {
          queryId,
          rows: response.results ?? [],
          ...(response.statistics && { statistics: response.statistics }),
        };
      }
      if (ENDED.has(status)) throw new LogsInsightsQueryError(`Logs Insights query ended ${status}`, status);
    }
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
