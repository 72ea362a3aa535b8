import { GetTraceSummariesCommand, type TraceSummary, type XRayClient } from '@aws-sdk/client-xray';
import type { AlarmChange } from '../../shared/alarm-change';
import type { FailingTrace } from '../enriched-alert';
import { type TraceSearch, traceUrl } from './console-links';

const MINUTE_MS = 60_000;
const MAX_TRACES = 5;
/** X-Ray often answers with an empty page and a token to scan on; a few pages are enough. */
const MAX_PAGES = 5;

/** Faulting, erroring or throttled traces of the service from 15 minutes before the transition. */
export function failingTracesSearch(
  serviceName: string,
  change: Pick<AlarmChange, 'changedAt'>,
): TraceSearch {
  const changedAt = Date.parse(change.changedAt);
  return {
    filterExpression: `service(${JSON.stringify(serviceName)}) AND (fault = true OR error = true OR throttle = true)`,
    start: new Date(changedAt - 15 * MINUTE_MS),
    end: new Date(changedAt + 5 * MINUTE_MS),
  };
}

export async function findFailingTraces(
  xray: XRayClient,
  region: string,
  search: TraceSearch,
  signal: AbortSignal,
): Promise<FailingTrace[]> {
  const summaries: TraceSummary[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES && summaries.length < MAX_TRACES; page++) {
    const response = await xray.send(
      new GetTraceSummariesCommand({
        StartTime: search.start,
        EndTime: search.end,
        FilterExpression: search.filterExpression,
        NextToken: nextToken,
      }),
      { abortSignal: signal },
    );
    summaries.push(...(response.TraceSummaries ?? []));
    nextToken = response.NextToken;
    if (!nextToken) break;
  }
  return summaries.slice(0, MAX_TRACES).flatMap((summary) =>
    summary.Id
      ? [
          {
            id: summary.Id,
            url: traceUrl(region, summary.Id),
            durationSeconds: summary.Duration,
            httpStatus: summary.Http?.HttpStatus,
            fault: summary.HasFault ?? false,
            error: summary.HasError ?? false,
            throttle: summary.HasThrottle ?? false,
          },
        ]
      : [],
  );
}
