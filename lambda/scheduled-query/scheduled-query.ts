import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { BUSINESS_ALERT_MESSAGE_MAX_LENGTH } from '../../constructs/contracts/business-alert';
import { SCHEDULED_QUERY_ALERT_SOURCE } from '../../constructs/contracts/scheduled-query';
import { publishBusinessAlert } from '../shared/business-alert';
import { LogsInsightsQueryError, runLogsInsightsQuery } from '../shared/logs-insights-query';
import { logger, metrics } from '../shared/observability';
import { rowsText } from './rows-text';
import type { ScheduledQueryConfig } from './scheduled-query-config';
import { readScheduledQueryInput } from './scheduled-query-input';

export interface ScheduledQueryDependencies {
  readonly logs: Pick<CloudWatchLogsClient, 'send'>;
  readonly eventBridge: Pick<EventBridgeClient, 'send'>;
  readonly config: ScheduledQueryConfig;
  /** How results are polled. @default from 500 ms, doubling, at most every 5 s */
  readonly polling?: { readonly firstMs: number; readonly maxMs: number };
}

/** What one run found, and what it did about it. */
export interface ScheduledQueryOutcome {
  readonly query: string;
  readonly rows: number;
  readonly bytesScanned?: number;
  /** `alerted`: rows where none should be; `clear`: none; `counted`: rows, and rows are expected. */
  readonly result: 'alerted' | 'clear' | 'counted';
}

/** The query ran out of time; it was stopped and the run fails, so Lambda retries it. */
export class ScheduledQueryTimeoutError extends Error {
  override readonly name = 'ScheduledQueryTimeoutError';
}

const MINUTE_MS = 60_000;

/**
 * Runs one scheduled Logs Insights query over the window ending at the schedule's time: polls with
 * backoff until it completes, publishes the number of rows as `QueryRows` (namespace from the
 * environment's Powertools settings, dimension `Query`), and when a query that should find nothing
 * finds rows, raises a business alert on the platform bus with the first rows in it (dedupe key
 * `scheduled-query/<name>`, so each run while it keeps finding rows threads into one episode), and
 * resolves that episode on the first run that finds none. A query that fails, is cancelled or
 * outlasts the invocation is stopped and the run throws: Lambda's retries and the function's
 * on-failure destination keep it from being lost, and its error alarm tells on-call.
 */
export function createScheduledQuery(deps: ScheduledQueryDependencies) {
  const polling = deps.polling ?? { firstMs: 500, maxMs: 5000 };
  return async (
    event: unknown,
    context: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<ScheduledQueryOutcome> => {
    const input = readScheduledQueryInput(event);
    logger.appendKeys({ query: input.name });
    const end = new Date(input.scheduledTime);
    const start = new Date(end.getTime() - input.lookbackMinutes * MINUTE_MS);
    const budgetMs = context.getRemainingTimeInMillis() - deps.config.reserveMs;
    const signal = AbortSignal.timeout(Math.max(budgetMs, 0));
    let found: Awaited<ReturnType<typeof runLogsInsightsQuery>>;
    try {
      found = await runLogsInsightsQuery(
        deps.logs,
        { logGroupNames: input.logGroupNames, queryString: input.queryString, start, end },
        signal,
        polling,
      );
    } catch (error) {
      metrics.addDimension('Query', input.name);
      metrics.addMetric('QueryFailed', MetricUnit.Count, 1);
      if (signal.aborted) {
        throw new ScheduledQueryTimeoutError(
          `query ${input.name} did not complete within ${Math.round(budgetMs / 1000)} s; it was stopped`,
        );
      }
      if (error instanceof LogsInsightsQueryError) throw new Error(`query ${input.name}: ${error.message}`);
      throw error;
    }
    const rows = found.rows.length;
    metrics.addDimension('Query', input.name);
    metrics.addMetric('QueryRows', MetricUnit.Count, rows);
    const bytesScanned = found.statistics?.bytesScanned;
    const outcome = { query: input.name, rows, ...(bytesScanned !== undefined && { bytesScanned }) };
    if (!input.alertWhenRows) return { ...outcome, result: 'counted' };

    const window = `${start.toISOString()} to ${end.toISOString()}`;
    const intro = `Scheduled query "${input.name}" found ${rows} row${rows === 1 ? '' : 's'} from ${window} in ${input.logGroupNames.join(', ')}; it should find none.\n\n`;
    await publishBusinessAlert(deps.eventBridge, {
      eventBusName: deps.config.eventBusName,
      source: SCHEDULED_QUERY_ALERT_SOURCE,
      time: end,
      alert:
        rows > 0
          ? {
              severity: input.severity,
              title: `${input.service}: scheduled query ${input.name} found ${rows} row${rows === 1 ? '' : 's'}`,
              message: `${intro}${rowsText(found.rows, BUSINESS_ALERT_MESSAGE_MAX_LENGTH - intro.length)}`,
              service: input.service,
              dedupeKey: `scheduled-query/${input.name}`,
              ...(input.runbook !== undefined && { runbook: input.runbook }),
            }
          : {
              title: `${input.service}: scheduled query ${input.name} finds nothing again`,
              message: `Scheduled query "${input.name}" found no rows from ${window}.`,
              service: input.service,
              dedupeKey: `scheduled-query/${input.name}`,
              resolved: true,
            },
    });
    logger.info('Scheduled query run', { ...outcome });
    return { ...outcome, result: rows > 0 ? 'alerted' : 'clear' };
  };
}
