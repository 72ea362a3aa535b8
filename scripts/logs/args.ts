import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CliError } from './cli-error';

export const USAGE =
  'usage: npm run logs -- <service or function> [--follow] [--since 15m|2h|1d|ISO] [--level WARN] [--filter TEXT] [--json] [--env NAME] [--local [RUN_FOLDER]]';

export const HELP = `${USAGE}

Prints a Vigil service's or function's log lines, one readable line each:
  HH:MM:SS.mmm LEVEL  message  (request id) [function]      (times in UTC)

  <service or function>  a service of the synthesized app (e.g. predictor: both its functions), a
                         function's construct id in kebab case (upload-scorer), its Powertools service
                         name (predictor-upload-scorer), or a deployed function's physical name
  --since 15m|2h|1d|ISO  how far back to read (default 15m); with --follow, history is read first only
                         when --since is given; with --local, counted back from the run's last line
                         (its clock is simulated), and the whole run by default
  --follow               keep printing new lines (CloudWatch Logs Live Tail; a new session is started
                         whenever one ends, e.g. after Live Tail's three-hour limit); Ctrl-C stops
  --level LEVEL          TRACE, DEBUG, INFO, WARN, ERROR or CRITICAL: that level and above. Lines without
                         a level (Lambda's platform lines, plain console output, metrics) count as INFO
  --filter TEXT          only lines containing TEXT (case-sensitive): sent to CloudWatch Logs as one
                         quoted filter-pattern term, matched as a substring with --local
  --json                 the raw log messages, one per line
  --env NAME             the Vigil environment whose app names the functions (default: cdk.json's)
  --local [RUN_FOLDER]   read a local run's logs (npm start) instead of AWS: the run folder given
                         right after --local, else the newest run under .vigil-runs/

A deployed function's log group is found with the Lambda API in the current AWS region and
credentials: the function whose description is the synthesized one and whose CloudFormation tags
(aws:cloudformation:stack-name, aws:cloudformation:logical-id) name its stack and logical id.
Colours only when stdout is a terminal and NO_COLOR is not set.`;

/** Powertools for AWS Lambda's log levels, lowest first (SILENT is a setting, not a line's level). */
export const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL'] as const;
export type Level = (typeof LEVELS)[number];

/** Where the lines come from. */
export type LogSource =
  | { readonly kind: 'aws' }
  /** `folder` undefined: the newest run under `.vigil-runs/`. */
  | { readonly kind: 'local'; readonly folder?: string };

/** The command line of `npm run logs`, checked. */
export interface LogsArgs {
  /** The service, function or physical function name asked for. */
  readonly name: string;
  readonly follow: boolean;
  /**
   * Where reading starts: a duration back (`15m`), counted from now on AWS and from a local run's
   * last line (its clock is simulated), or an instant. Undefined: only new lines with `--follow`,
   * the whole run with `--local`.
   */
  readonly since?: Since;
  /** Lines below this level are left out; undefined keeps every line. */
  readonly level?: Level;
  readonly filter?: string;
  readonly json: boolean;
  readonly env?: string;
  readonly source: LogSource;
}

export type Since = { readonly agoMs: number } | { readonly at: number };

/** `--help`: print {@link HELP}, exit 0. */
export const HELP_REQUESTED = Symbol('help');

const DEFAULT_SINCE = '15m';
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
// A date, or a date-time with its offset: a time without one would depend on the machine's zone.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `15m`, `2h`, `1d`, or an ISO-8601 instant not after `now`; anything else is a CliError. */
export function parseSince(text: string, now: number): Since {
  const relative = /^(\d+)([mhd])$/.exec(text);
  if (relative) return { agoMs: Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS] };
  const at = ISO_8601.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new CliError(
      `--since: expected 15m, 2h, 1d or an ISO-8601 time such as 2026-12-01T08:00:00Z (got "${text}")`,
      2,
    );
  }
  if (at > now) throw new CliError(`--since ${text} is in the future`, 2);
  return { at };
}

/**
 * Parses `npm run logs` arguments (a leading `--`, as `npx tsx scripts/logs/logs-cli.ts -- …` passes it,
 * is skipped). `isDirectory` decides whether the argument after `--local` is a run folder.
 */
export function parseLogsArgs(
  argv: readonly string[],
  now: number,
  isDirectory: (path: string) => boolean = directoryExists,
): LogsArgs | typeof HELP_REQUESTED {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new CliError(`${(error as Error).message}; ${USAGE}`, 2);
  }
  const { values } = parsed;
  if (values.help) return HELP_REQUESTED;
  // `--local` takes an optional value, which parseArgs cannot express: with two positionals, the one
  // right after `--local` is the run folder if it is a directory. With one it is always the name
  // (`--local predictor`: this repository has a predictor/ folder too).
  const positionals = [...parsed.positionals];
  const afterLocal = args[args.indexOf('--local') + 1];
  let localFolder: string | undefined;
  if (values.local && positionals.length === 2 && afterLocal !== undefined && isDirectory(afterLocal)) {
    localFolder = afterLocal;
    positionals.splice(positionals.indexOf(afterLocal), 1);
  }
  const [name, ...extra] = positionals;
  if (name === undefined) throw new CliError(`name a service or function; ${USAGE}`, 2);
  if (extra.length > 0)
    throw new CliError(`one service or function at a time (got ${positionals.join(', ')})`, 2);
  const level = values.level?.toUpperCase();
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level)) {
    throw new CliError(`--level: expected one of ${LEVELS.join(', ')} (got "${values.level}")`, 2);
  }
  if (values.filter !== undefined && values.filter.trim() === '') {
    throw new CliError('--filter: give the text to look for', 2);
  }
  const follow = values.follow ?? false;
  const sinceText = values.since ?? (follow || values.local ? undefined : DEFAULT_SINCE);
  if (values.local && follow) {
    // A run folder is finished when npm start prints it: there is nothing new to wait for.
    throw new CliError('--follow tails AWS; a local run is read whole: drop --follow or --local', 2);
  }
  if (values.local && values.env !== undefined) {
    throw new CliError('--local reads the dev app the local loop runs; --env does not apply', 2);
  }
  return {
    name,
    follow,
    since: sinceText === undefined ? undefined : parseSince(sinceText, now),
    level: level as Level | undefined,
    filter: values.filter,
    json: values.json ?? false,
    env: values.env,
    source: values.local ? { kind: 'local', ...(localFolder && { folder: localFolder }) } : { kind: 'aws' },
  };
}

function directoryExists(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      follow: { type: 'boolean', short: 'f' },
      since: { type: 'string' },
      level: { type: 'string' },
      filter: { type: 'string' },
      json: { type: 'boolean' },
      env: { type: 'string' },
      local: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
