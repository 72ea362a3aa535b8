import type { CloudWatchLogsClient, ResultField } from '@aws-sdk/client-cloudwatch-logs';
import type { AlarmChange } from '../../shared/alarm-change';
import { LogsInsightsQueryError, runLogsInsightsQuery } from '../../shared/logs-insights-query';
import type { ErrorExcerpt, LogErrors } from '../enriched-alert';
import { type LogsInsightsQuery, logsInsightsUrl } from './console-links';
import { ContextUnavailableError } from './with-timeout';

const MINUTE_MS = 60_000;
const MAX_MESSAGE_LENGTH = 500;

// JSON logs (Powertools, Lambda's JSON format) say ERROR in `level`; plain-text logs only in words.
// The text is the error's own message where the line carries one: Powertools logs it under
// `error.message` beside a generic `message` ("Invocation failed"), and Lambda's JSON log format puts
// an unhandled error's `errorMessage` inside `message`; "Invocation failed" × 40 tells on-call nothing.
const ERRORS_QUERY = [
  'fields coalesce(error.message, message.errorMessage, message, @message) as text',
  'filter level = "ERROR" or @message like /(?i)(error|exception|timed out)/',
  'stats count(*) as occurrences by text',
  'sort occurrences desc',
  'limit 5',
].join('\n| ');

/** The most frequent error lines from half an hour before the transition to five minutes after it. */
export function errorLogsQuery(logGroup: string, change: Pick<AlarmChange, 'changedAt'>): LogsInsightsQuery {
  const changedAt = Date.parse(change.changedAt);
  return {
    logGroup,
    query: ERRORS_QUERY,
    start: new Date(changedAt - 30 * MINUTE_MS),
    end: new Date(changedAt + 5 * MINUTE_MS),
  };
}

/**
 * Runs the query and polls for its results, less often the longer it runs. When the signal aborts,
 * the query is stopped so it does not keep scanning (and billing) for an alert that has gone out.
 */
export async function findLogErrors(
  logs: CloudWatchLogsClient,
  region: string,
  query: LogsInsightsQuery,
  signal: AbortSignal,
): Promise<LogErrors> {
  try {
    const { rows } = await runLogsInsightsQuery(
      logs,
      { logGroupNames: [query.logGroup], queryString: query.query, start: query.start, end: query.end },
      signal,
    );
    return { logGroup: query.logGroup, top: rows.map(toExcerpt), queryUrl: logsInsightsUrl(region, query) };
  } catch (error) {
    if (error instanceof LogsInsightsQueryError) throw new ContextUnavailableError(error.message);
    throw error;
  }
}

function toExcerpt(row: ResultField[]): ErrorExcerpt {
  const field = (name: string) => row.find((entry) => entry.field === name)?.value;
  const text = field('text') ?? '';
  return {
    message: text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text,
    count: Number(field('occurrences') ?? 0),
  };
}
