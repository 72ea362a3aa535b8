import {
  type CloudWatchLogsClient,
  type LiveTailSessionLogEvent,
  StartLiveTailCommand,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { CliError } from './cli-error';
import type { LogGroupTarget } from './deployed-log-groups';
import { describeError } from './deployed-log-groups';
import type { LogLine } from './format-line';

/**
 * "You can include up to 10 log groups" (StartLiveTail API reference, logGroupIdentifiers; the
 * LiveTailSessionStart page: "Maximum number of 10 items").
 */
export const MAX_LOG_GROUPS_PER_SESSION = 10;

export interface LiveTailOptions {
  /** A CloudWatch Logs filter pattern (filter-pattern.ts), as `logEventFilterPattern`. */
  readonly filterPattern?: string;
  /** Ends the tail (Ctrl-C): the session's stream is closed and the promise resolves. */
  readonly signal: AbortSignal;
  /** Each update's events, oldest first. */
  readonly onLines: (lines: readonly LogLine[]) => void;
  /** What the tail is doing (session started, reconnecting), for stderr. */
  readonly onNotice: (text: string) => void;
  /**
   * Most milliseconds without anything on the stream before the session is taken for lost and a new
   * one started: Live Tail sends an update every second, empty when nothing was ingested.
   * @default 30 s
   */
  readonly idleTimeoutMs?: number;
  /** Most milliseconds StartLiveTail may take to answer. @default 30 s */
  readonly startTimeoutMs?: number;
  /** The wait before retrying a failed session; doubles per failure, up to 30 s. @default 1 s */
  readonly retryDelayMs?: number;
  /** Sessions in a row that fail before one starts, after which the tail gives up. @default 5 */
  readonly maxFailures?: number;
}

/**
 * StartLiveTail's errors that another session would meet again (API reference, Errors): said once,
 * and the tail stops. Anything else (a dropped connection, throttling, a server error) is retried.
 */
const FATAL = new Set([
  'AccessDeniedException',
  'InvalidParameterException',
  'InvalidOperationException',
  'LimitExceededException',
  'ResourceNotFoundException',
]);

type SessionEnd =
  | { readonly kind: 'stopped' }
  /** SessionTimeoutException: "Live Tail sessions time out after three hours". */
  | { readonly kind: 'timed-out'; readonly started: boolean }
  /** The stream ended without saying why. */
  | { readonly kind: 'ended'; readonly started: boolean }
  | { readonly kind: 'idle'; readonly started: boolean }
  /** SessionStreamingException ("an unknown error occurs"), or the call or stream failed. */
  | { readonly kind: 'failed'; readonly started: boolean; readonly reason: string };

/**
 * Tails `groups` with CloudWatch Logs Live Tail until `signal` aborts. A session ends after three
 * hours (SessionTimeoutException), on a server error (SessionStreamingException) or when its stream
 * closes; each time a new session is started, so the tail goes on. A new session gets only events
 * ingested after it starts (the StartLiveTail page describes no way to resume), so the lines between
 * two sessions are not shown, and a notice says so.
 */
export async function followLogEvents(
  logs: CloudWatchLogsClient,
  groups: readonly LogGroupTarget[],
  options: LiveTailOptions,
): Promise<void> {
  if (groups.length > MAX_LOG_GROUPS_PER_SESSION) {
    throw new CliError(
      `Live Tail takes at most ${MAX_LOG_GROUPS_PER_SESSION} log groups per session; these are ${groups.length}: name a function rather than the service`,
    );
  }
  const maxFailures = options.maxFailures ?? 5;
  let failures = 0;
  while (!options.signal.aborted) {
    const end = await session(logs, groups, options);
    if (end.kind === 'stopped') return;
    failures = end.started ? 0 : failures + 1;
    if (failures >= maxFailures) {
      const reason = end.kind === 'failed' ? end.reason : `the session ${end.kind}`;
      throw new CliError(`Live Tail failed ${failures} times in a row: ${reason}`);
    }
    options.onNotice(`${explain(end)}; starting a new session (lines ingested in between are not shown)`);
    if (failures > 0) {
      const delay = Math.min(30_000, (options.retryDelayMs ?? 1000) * 2 ** (failures - 1));
      await sleep(delay, options.signal);
    }
  }
}

function explain(end: Exclude<SessionEnd, { kind: 'stopped' }>): string {
  switch (end.kind) {
    case 'timed-out':
      return 'Live Tail session timed out (sessions last at most three hours)';
    case 'ended':
      return 'Live Tail stream closed';
    case 'idle':
      return 'no update from Live Tail (it sends one every second)';
    case 'failed':
      return `Live Tail session failed: ${end.reason}`;
  }
}

async function session(
  logs: CloudWatchLogsClient,
  groups: readonly LogGroupTarget[],
  options: LiveTailOptions,
): Promise<SessionEnd> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  options.signal.addEventListener('abort', stop, { once: true });
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const watch = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      controller.abort();
    }, ms);
  };
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    if (controller.signal.aborted) resolve(ABORTED);
    controller.signal.addEventListener('abort', () => resolve(ABORTED), { once: true });
  });
  let started = false;
  let answered = false;
  let sampledSaid = false;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const ended = (): SessionEnd => {
    if (options.signal.aborted) return { kind: 'stopped' };
    if (!answered)
      return { kind: 'failed', started, reason: `StartLiveTail gave no answer in ${startTimeoutMs} ms` };
    return { kind: 'idle', started };
  };
  try {
    watch(startTimeoutMs);
    const response = await Promise.race([
      logs.send(
        new StartLiveTailCommand({
          logGroupIdentifiers: groups.map((group) => group.arn),
          logEventFilterPattern: options.filterPattern,
        }),
        { abortSignal: controller.signal },
      ),
      aborted,
    ]);
    if (response === ABORTED) return ended();
    answered = true;
    const stream = response.responseStream;
    if (stream === undefined) return { kind: 'failed', started, reason: 'StartLiveTail returned no stream' };
    const iterator = stream[Symbol.asyncIterator]();
    for (;;) {
      watch(options.idleTimeoutMs ?? 30_000);
      const next = await Promise.race([iterator.next(), aborted]);
      if (next === ABORTED) {
        // Closing the stream ends the session ("You can end a session before it times out by closing
        // the session stream"); not awaited: a stream stuck in a read settles only when it ends.
        iterator.return?.().catch(() => undefined);
        return ended();
      }
      if (next.done) return { kind: 'ended', started };
      const event: StartLiveTailResponseStream = next.value;
      if (event.sessionStart !== undefined) {
        started = true;
        const count = event.sessionStart.logGroupIdentifiers?.length ?? groups.length;
        options.onNotice(`Live Tail session started on ${count} log group${count === 1 ? '' : 's'}`);
      } else if (event.sessionUpdate !== undefined) {
        // Said once a session: a busy log group would otherwise repeat it every second.
        if (event.sessionUpdate.sessionMetadata?.sampled && !sampledSaid) {
          sampledSaid = true;
          options.onNotice('more than 500 lines a second matched: Live Tail sends a sample of 500 a second');
        }
        const lines = (event.sessionUpdate.sessionResults ?? []).flatMap((result) => line(result, groups));
        if (lines.length > 0) options.onLines(lines.sort((a, b) => a.timestamp - b.timestamp));
      } else if (event.SessionTimeoutException !== undefined) {
        return { kind: 'timed-out', started };
      } else if (event.SessionStreamingException !== undefined) {
        return {
          kind: 'failed',
          started,
          reason: `SessionStreamingException: ${event.SessionStreamingException.message}`,
        };
      }
    }
  } catch (error) {
    if (options.signal.aborted || idle) return ended();
    // The SDK raises the stream's modelled exceptions from the iterator (@smithy/core's event-stream
    // unmarshaller throws on `:message-type` exception), as AWS's own StartLiveTail example shows
    // ("On-stream exceptions are captured here"); the union type also allows them as members.
    const name = (error as { name?: string }).name ?? '';
    if (name === 'SessionTimeoutException') return { kind: 'timed-out', started };
    if (FATAL.has(name)) throw new CliError(`StartLiveTail failed: ${describeError(error)}`);
    return { kind: 'failed', started, reason: describeError(error) };
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', stop);
    // However the session ended, its request is done with: aborting closes a connection still open.
    controller.abort();
  }
}

const ABORTED = Symbol('aborted');

/** A Live Tail event as a line; the group it names (by name or ARN) gives its label. */
function line(event: LiveTailSessionLogEvent, groups: readonly LogGroupTarget[]): LogLine[] {
  if (event.timestamp === undefined || event.message === undefined) return [];
  const identifier = (event.logGroupIdentifier ?? '').replace(/:\*$/, '');
  const group = groups.find((candidate) => candidate.arn === identifier || candidate.name === identifier);
  return [{ timestamp: event.timestamp, message: event.message, source: group?.label ?? identifier }];
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
