import { LEVELS, type Level } from './args';

/** One log event, from whichever source: CloudWatch Logs or a local run. */
export interface LogLine {
  /** Epoch ms CloudWatch Logs gives the event (when the line was written). */
  readonly timestamp: number;
  /** The message as the function wrote it. */
  readonly message: string;
  /** Short name of the function whose log group it came from, shown in brackets. */
  readonly source: string;
}

/** What a message says about itself, when it is a structured (JSON) line. */
export interface ParsedMessage {
  /**
   * Powertools' `level`, or Lambda's JSON log format's; undefined for what is shown dimmed: platform
   * lines, plain console output, metrics (EMF).
   */
  readonly level?: Level;
  readonly text: string;
  readonly requestId?: string;
  /** The line's own time (Powertools' `timestamp`, Lambda's `timestamp` or `time`), epoch ms. */
  readonly at?: number;
}

export interface FormatOptions {
  /** ANSI colours: only for a terminal, and not with NO_COLOR set. */
  readonly color: boolean;
}

const ANSI = {
  reset: '\u001b[0m',
  dim: '\u001b[2m',
  level: {
    TRACE: '\u001b[90m',
    DEBUG: '\u001b[36m',
    INFO: '\u001b[32m',
    WARN: '\u001b[33m',
    ERROR: '\u001b[31m',
    CRITICAL: '\u001b[1;41;97m',
  } satisfies Record<Level, string>,
} as const;

/** Width of the level column: the longest level name, so messages line up. */
const LEVEL_WIDTH = Math.max(...LEVELS.map((level) => level.length));

/**
 * Reads a message as one of the shapes a Vigil function writes:
 * - Powertools Logger JSON: `level`, `message`, `timestamp` (ISO), `service`, `xray_trace_id`,
 *   `function_request_id` (the logger's standard keys, `PowertoolsStandardKeys` and
 *   `PowertoolsLambdaContextKeys` in @aws-lambda-powertools/logger's types);
 * - Lambda's JSON log format (the functions set `LoggingFormat: JSON`) for plain console output:
 *   `timestamp`, `level`, `requestId`, `message`; and its platform events: `time`, `type`
 *   (`platform.start`, `platform.report`, …), `record`;
 * - anything else (EMF metrics, text-format START/END/REPORT lines): no level, shown as written.
 */
export function parseMessage(message: string): ParsedMessage {
  const item = jsonObject(message);
  if (item === undefined) return { text: message };
  const level = typeof item.level === 'string' ? asLevel(item.level) : undefined;
  const requestId = firstString(item.function_request_id, item.requestId);
  const at = instant(firstString(item.timestamp, item.time));
  if (level !== undefined && 'message' in item) {
    const text = typeof item.message === 'string' ? item.message : JSON.stringify(item.message);
    return { level, text: withError(text, item.error), requestId, at };
  }
  if (typeof item.type === 'string' && item.type.startsWith('platform.')) {
    const record = typeof item.record === 'object' && item.record !== null ? item.record : {};
    const platformRequestId = firstString((record as Record<string, unknown>).requestId);
    return { text: `${item.type} ${JSON.stringify(record)}`, requestId: platformRequestId, at };
  }
  return { text: message };
}

/** Whether the line is at `minimum` or above; lines without a level count as INFO. */
export function atLeast(parsed: ParsedMessage, minimum: Level | undefined): boolean {
  if (minimum === undefined) return true;
  return LEVELS.indexOf(parsed.level ?? 'INFO') >= LEVELS.indexOf(minimum);
}

/**
 * One readable line, without its newline: `HH:MM:SS.mmm LEVEL  message  (request id) [function]`,
 * the time in UTC. Never contains a line break or a control character from the message (a stack
 * trace's newlines become ` ⏎ `, others their `\u` escape), so one event is always one line and a
 * log line cannot move the terminal's cursor or change its colours.
 */
export function formatLine(
  line: LogLine,
  options: FormatOptions,
  parsed = parseMessage(line.message),
): string {
  const time = clock(parsed.at ?? line.timestamp);
  const source = `[${printable(line.source)}]`;
  const request = parsed.requestId === undefined ? '' : `  (${shortId(printable(parsed.requestId))})`;
  const text = printable(parsed.text);
  if (parsed.level === undefined) {
    const plain = `${time} ${' '.repeat(LEVEL_WIDTH)}  ${text}${request} ${source}`;
    return options.color ? `${ANSI.dim}${plain}${ANSI.reset}` : plain;
  }
  const label = parsed.level.padEnd(LEVEL_WIDTH);
  const level = options.color ? `${ANSI.level[parsed.level]}${label}${ANSI.reset}` : label;
  return `${time} ${level}  ${text}${request} ${source}`;
}

/** Colours for a stream: a terminal, and NO_COLOR (no-color.org) unset or empty. */
export function colorFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

function jsonObject(message: string): Record<string, unknown> | undefined {
  const trimmed = message.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function asLevel(text: string): Level | undefined {
  const upper = text.toUpperCase();
  // Lambda's JSON format writes WARN; Python-style WARNING and FATAL come from other runtimes' loggers.
  const known = upper === 'WARNING' ? 'WARN' : upper === 'FATAL' ? 'CRITICAL' : upper;
  return (LEVELS as readonly string[]).includes(known) ? (known as Level) : undefined;
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value !== '');
}

function instant(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

/** Powertools logs an error under `error` as `{ name, message, stack, … }`: its name and message are the point. */
function withError(text: string, error: unknown): string {
  if (typeof error !== 'object' || error === null) return text;
  const { name, message } = error as { name?: unknown; message?: unknown };
  if (typeof message !== 'string' || message === '') return text;
  return `${text} — ${typeof name === 'string' ? `${name}: ` : ''}${message}`;
}

function clock(epochMs: number): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? '--:--:--.---' : date.toISOString().slice(11, 23);
}

/** A Lambda request id is a UUID: its first group tells requests apart on one screen. */
function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f-]+$/i.test(id) ? id.slice(0, 8) : id;
}

/**
 * The text with every line break and control character made visible: C0 and C1 controls, DEL, and
 * Unicode's line and paragraph separators (which some terminals and viewers break lines on).
 */
function printable(text: string): string {
  let out = '';
  for (const char of text.replace(/\r\n|\r|\n/g, ' ⏎ ')) {
    const code = char.codePointAt(0) as number;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
    out += control ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return out;
}
