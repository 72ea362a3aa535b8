import {
  type CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { CliError } from './cli-error';
import type { LogGroupTarget } from './deployed-log-groups';
import { describeError } from './deployed-log-groups';
import type { LogLine } from './format-line';

export interface ReadOptions {
  /** Epoch ms, inclusive. */
  readonly startTime: number;
  /** Epoch ms. @default now */
  readonly endTime?: number;
  /** A CloudWatch Logs filter pattern (filter-pattern.ts); undefined matches every event. */
  readonly filterPattern?: string;
  /** Aborts the reads (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Most milliseconds one FilterLogEvents call may take. @default 30 s */
  readonly callTimeoutMs?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 30_000;
// Every page costs a request: a token that never runs out must not become an endless loop (and bill).
const MAX_PAGES = 10_000;

/**
 * Every event of `groups` in the time range, oldest first. FilterLogEvents reads one log group per
 * call, so each group is paged on its own and the results merged by timestamp: "The returned log
 * events are sorted by event timestamp, the timestamp when the event was ingested by CloudWatch Logs,
 * and the ID of the PutLogEvents request" holds within one group's pages, not across groups. Paging
 * follows `nextToken` until a page has none: "This operation can return empty results while there
 * are more log events available through the token" (FilterLogEvents API reference), so an empty
 * page does not end the read.
 */
export async function readLogEvents(
  logs: CloudWatchLogsClient,
  groups: readonly LogGroupTarget[],
  options: ReadOptions,
): Promise<LogLine[]> {
  const perGroup = await Promise.all(groups.map((group) => readGroup(logs, group, options)));
  // Array.prototype.sort is stable: events of one timestamp keep each group's own order.
  return perGroup.flat().sort((a, b) => a.timestamp - b.timestamp);
}

async function readGroup(
  logs: CloudWatchLogsClient,
  group: LogGroupTarget,
  options: ReadOptions,
): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const timeout = AbortSignal.timeout(options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    const abortSignal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let answer: FilterLogEventsCommandOutput;
    try {
      answer = await logs.send(
        new FilterLogEventsCommand({
          logGroupIdentifier: group.arn,
          startTime: options.startTime,
          endTime: options.endTime,
          filterPattern: options.filterPattern,
          nextToken,
        }),
        { abortSignal },
      );
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new CliError(`FilterLogEvents on ${group.name} failed: ${describeError(error)}`);
    }
    for (const event of answer.events ?? []) {
      if (event.timestamp === undefined || event.message === undefined) continue;
      lines.push({ timestamp: event.timestamp, message: event.message, source: group.label });
    }
    nextToken = answer.nextToken;
    if (nextToken === undefined) return lines;
  }
  throw new CliError(`FilterLogEvents on ${group.name}: still more after ${MAX_PAGES} pages; narrow --since`);
}
