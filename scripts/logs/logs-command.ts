import * as path from 'node:path';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { createAwsClients } from '../../lambda/shared/aws-clients';
import { type AppCatalog, selectFunctions, synthesizeCatalog, unknownName } from './app-catalog';
import { HELP, HELP_REQUESTED, type LogsArgs, parseLogsArgs, type Since } from './args';
import { CliError } from './cli-error';
import { deployedLogGroups, type LogGroupTarget, physicalFunctionLogGroup } from './deployed-log-groups';
import { readLogEvents } from './filter-log-events';
import { filterPatternFor, matchesFilter } from './filter-pattern';
import { atLeast, formatLine, type LogLine, parseMessage } from './format-line';
import { followLogEvents, type LiveTailOptions } from './live-tail';
import { newestRun, readRunLogs } from './local-run-logs';

/** Where the command writes, what it reads, and what a test replaces. */
export interface LogsIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** ANSI colours in the readable lines (format-line.ts `colorFor`). */
  readonly color: boolean;
  /** Ctrl-C: stops a `--follow` (exit 0) or a read (exit 130). */
  readonly signal?: AbortSignal;
  /** @default Date.now() */
  readonly now?: number;
  /** The synthesized app's functions. @default synthesizeCatalog(env) */
  readonly catalog?: (env: string | undefined) => AppCatalog;
  /** @default the project's clients (lambda/shared/aws-clients.ts), with the caller's credentials and region */
  readonly logs?: () => CloudWatchLogsClient;
  readonly lambda?: () => LambdaClient;
  /** Where `--local` looks for the newest run. @default .vigil-runs/ */
  readonly runsRoot?: string;
  /** Live Tail's timings (tests shorten them). */
  readonly liveTail?: Pick<
    LiveTailOptions,
    'idleTimeoutMs' | 'startTimeoutMs' | 'retryDelayMs' | 'maxFailures'
  >;
}

/** Runs `npm run logs` with `argv`; returns the exit code. Problems are one line on stderr, without a stack. */
export async function runLogsCommand(argv: readonly string[], io: LogsIo): Promise<number> {
  const signal = io.signal ?? new AbortController().signal;
  try {
    const args = parseLogsArgs(argv, io.now ?? Date.now());
    if (args === HELP_REQUESTED) {
      io.stdout(`${HELP}\n`);
      return 0;
    }
    if (args.source.kind === 'local') await local(args, args.source.folder, io);
    else await aws(args, io, signal);
    return signal.aborted && !args.follow ? 130 : 0;
  } catch (error) {
    if (signal.aborted) return 130;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`logs: ${message.split('\n')[0]}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}

/** Prints the lines at or above `--level`, readable or (`--json`) raw. */
function printer(args: LogsArgs, io: LogsIo): (lines: readonly LogLine[]) => void {
  return (lines) => {
    let text = '';
    for (const line of lines) {
      const parsed = parseMessage(line.message);
      if (!atLeast(parsed, args.level)) continue;
      text += `${args.json ? line.message : formatLine(line, { color: io.color }, parsed)}\n`;
    }
    if (text !== '') io.stdout(text);
  };
}

async function aws(args: LogsArgs, io: LogsIo, signal: AbortSignal): Promise<void> {
  const catalog = (io.catalog ?? synthesizeCatalog)(args.env);
  // The factory makes each client on first use: replaced ones are never made.
  const clients = createAwsClients();
  const lambda = io.lambda?.() ?? clients.lambda;
  const logs = io.logs?.() ?? clients.logs;
  const groups = await logGroupsFor(args.name, catalog, lambda, signal);
  const filterPattern = args.filter === undefined ? undefined : filterPatternFor(args.filter);
  const print = printer(args, io);
  const now = io.now ?? Date.now();
  if (args.since !== undefined) {
    print(
      await readLogEvents(logs, groups, {
        startTime: start(args.since, now),
        endTime: now,
        filterPattern,
        signal,
      }),
    );
  }
  if (args.follow) {
    await followLogEvents(logs, groups, {
      ...io.liveTail,
      filterPattern,
      signal,
      onLines: print,
      onNotice: (text) => io.stderr(`logs: ${text}\n`),
    });
  }
}

async function logGroupsFor(
  name: string,
  catalog: AppCatalog,
  lambda: LambdaClient,
  signal: AbortSignal,
): Promise<LogGroupTarget[]> {
  const functions = selectFunctions(catalog, name);
  if (functions !== undefined) return deployedLogGroups(lambda, functions, { signal });
  const physical = await physicalFunctionLogGroup(lambda, name, { signal });
  if (physical === undefined)
    throw unknownName(catalog, name, 'nor a deployed Lambda function in this region');
  return [physical];
}

async function local(args: LogsArgs, folder: string | undefined, io: LogsIo): Promise<void> {
  // The local loop runs the dev app (scripts/local-loop/synthesize.ts), whatever cdk.json says.
  const catalog = (io.catalog ?? synthesizeCatalog)('dev');
  const functions = selectFunctions(catalog, args.name);
  if (functions === undefined) throw unknownName(catalog, args.name);
  const runFolder = folder ?? newestRun(io.runsRoot);
  const labels = new Map(functions.map((fn) => [fn.localLogGroup, fn.id]));
  const events = readRunLogs(runFolder).filter((event) => labels.has(event.logGroup));
  const last = events.reduce((latest, event) => Math.max(latest, event.timestamp), 0);
  const from = args.since === undefined ? Number.NEGATIVE_INFINITY : start(args.since, last);
  io.stderr(`logs: ${path.relative(process.cwd(), runFolder) || runFolder}\n`);
  printer(
    args,
    io,
  )(
    events
      .filter((event) => event.timestamp >= from && matchesFilter(event.message, args.filter))
      .map((event) => ({
        timestamp: event.timestamp,
        message: event.message,
        source: labels.get(event.logGroup) as string,
      }))
      .sort((a, b) => a.timestamp - b.timestamp),
  );
}

function start(since: Since, now: number): number {
  return 'at' in since ? since.at : now - since.agoMs;
}
