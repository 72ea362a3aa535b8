/**
 * CloudWatch Logs Insights answered from the run's log store: StartQuery, GetQueryResults and
 * StopQuery, for the part of the Logs Insights query language the alert enricher sends
 * (lambda/alert-enricher/context/log-errors.ts).
 *
 * Supported, as the CloudWatch Logs user guide documents it:
 * - commands separated by `|`, `#` comments ("CloudWatch Logs Insights language query syntax",
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html);
 * - `fields` with `as` and the `coalesce` function (CWL_QuerySyntax-Fields.html,
 *   CWL_QuerySyntax-operations-functions.html);
 * - `filter` with `=`, `!=`, `like "text"`, `like /regex/` (with a leading `(?i)`), `not like`,
 *   `ispresent(field)`, `and`, `or`, `not` and parentheses (CWL_QuerySyntax-Filter.html,
 *   CWL_QuerySyntax-operations-functions.html);
 * - `stats count(*)` / `count()` / `count(field)` `as` a name, `by` fields (CWL_QuerySyntax-Stats.html);
 * - `sort field asc|desc` (CWL_QuerySyntax-Sort.html: every non-number value before every number;
 *   non-numbers here compare by Unicode code units, a simplification of its natural sort);
 * - `limit n`, 10,000 when omitted (CWL_QuerySyntax-Limit.html).
 * Fields: `@timestamp`, `@message`, `@log`, and for a line that is a JSON object its keys, nested ones
 * joined by dots ("Supported logs and discovered fields", CWL_AnalyzeLogData-discoverable-fields.html).
 * Anything else (another command, function or operator) is refused with a
 * `MalformedQueryException` naming it: a stand-in that answered it wrong would be worse than none.
 *
 * Responses as the CloudWatch Logs API reference gives them (API_StartQuery.html,
 * API_GetQueryResults.html: `status`, `results` as rows of `{field, value}`, `statistics`): a query is
 * `Running` on its first GetQueryResults and `Complete` from the second on, so the caller's polling runs.
 */
import type { LocalAws } from './local-aws';
import type { LocalLogStore } from './local-logs';

const DEFAULT_LIMIT = 10_000;

type Value = string | number | undefined;
type Row = Map<string, Value>;

/** A parsed query: the commands in order. */
export type LogsInsightsQuery = readonly Command[];

type Expression =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'literal'; readonly value: string | number }
  | { readonly kind: 'coalesce'; readonly args: readonly Expression[] };

type Condition =
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly inner: Condition }
  | {
      readonly kind: 'compare';
      readonly op: '=' | '!=';
      readonly left: Expression;
      readonly right: Expression;
    }
  | { readonly kind: 'like'; readonly subject: Expression; readonly pattern: RegExp }
  | { readonly kind: 'present'; readonly field: string };

type Command =
  | { readonly kind: 'fields'; readonly fields: readonly { name: string; value: Expression }[] }
  | { readonly kind: 'filter'; readonly condition: Condition }
  | {
      readonly kind: 'stats';
      readonly counts: readonly { name: string; of?: Expression }[];
      readonly by: readonly { name: string; value: Expression }[];
    }
  | { readonly kind: 'sort'; readonly keys: readonly { field: string; descending: boolean }[] }
  | { readonly kind: 'limit'; readonly count: number };

export function malformedQuery(message: string): Error {
  return Object.assign(new Error(message), {
    name: 'MalformedQueryException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

// --- Tokens -----------------------------------------------------------------------------------

type Token =
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'regex'; readonly pattern: RegExp }
  | { readonly kind: 'symbol'; readonly text: string };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const rest = query.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest.startsWith('#')) {
      const end = query.indexOf('\n', i);
      i = end === -1 ? query.length : end;
      continue;
    }
    const quoted = /^(["'`])((?:\\.|(?!\1).)*)\1/.exec(rest);
    if (quoted) {
      tokens.push({ kind: 'string', text: (quoted[2] ?? '').replace(/\\(.)/g, '$1') });
      i += quoted[0].length;
      continue;
    }
    const regex = /^\/((?:\\.|[^/\\])*)\//.exec(rest);
    if (regex) {
      tokens.push({ kind: 'regex', pattern: toRegExp(regex[1] ?? '') });
      i += regex[0].length;
      continue;
    }
    const number = /^\d+(\.\d+)?(?![\w@.])/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    // Words include durations such as `5m` (bin(5m)), so they are refused by the command using them.
    const word = /^(@?[A-Za-z_][\w.@-]*|\d+[A-Za-z]\w*)/.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', text: word[0] });
      i += word[0].length;
      continue;
    }
    const symbol = /^(!=|=~|<=|>=|[|(),=*<>!+\-/%^])/.exec(rest);
    if (symbol) {
      tokens.push({ kind: 'symbol', text: symbol[0] });
      i += symbol[0].length;
      continue;
    }
    throw malformedQuery(`unexpected character ${JSON.stringify(query[i])} at ${i}`);
  }
  return tokens;
}

/** Logs Insights regexes may open with `(?i)` for a case-insensitive match; JavaScript has a flag. */
function toRegExp(source: string): RegExp {
  const insensitive = source.startsWith('(?i)');
  try {
    return new RegExp(insensitive ? source.slice(4) : source, insensitive ? 'i' : '');
  } catch (error) {
    throw malformedQuery(`invalid regular expression /${source}/: ${(error as Error).message}`);
  }
}

// --- Parser -----------------------------------------------------------------------------------

class Parser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  get done(): boolean {
    return this.position >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.position];
  }

  next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw malformedQuery('the query ends too early');
    return token;
  }

  isWord(text: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.text.toLowerCase() === text;
  }

  isSymbol(text: string): boolean {
    const token = this.peek();
    return token?.kind === 'symbol' && token.text === text;
  }

  expectSymbol(text: string): void {
    if (!this.isSymbol(text)) throw malformedQuery(`expected "${text}" ${this.where()}`);
    this.position++;
  }

  word(): string {
    const token = this.next();
    if (token.kind !== 'word') throw malformedQuery(`expected a field name ${this.where(-1)}`);
    return token.text;
  }

  where(offset = 0): string {
    const token = this.tokens[this.position + offset];
    if (!token) return 'at the end of the command';
    const text =
      token.kind === 'number'
        ? String(token.value)
        : token.kind === 'regex'
          ? String(token.pattern)
          : token.text;
    return `at "${text}"`;
  }

  /** `field`, a literal, or `coalesce(...)`; any other function is refused by name. */
  expression(): Expression {
    const token = this.next();
    if (token.kind === 'string') return { kind: 'literal', value: token.text };
    if (token.kind === 'number') return { kind: 'literal', value: token.value };
    if (token.kind !== 'word') throw malformedQuery(`expected a field or value ${this.where(-1)}`);
    if (!this.isSymbol('(')) return { kind: 'field', name: token.text };
    if (token.text.toLowerCase() !== 'coalesce') {
      throw malformedQuery(`function ${token.text}() is not supported by the local Logs Insights stand-in`);
    }
    this.expectSymbol('(');
    const args = [this.expression()];
    while (this.isSymbol(',')) {
      this.position++;
      args.push(this.expression());
    }
    this.expectSymbol(')');
    return { kind: 'coalesce', args };
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.isWord('or')) {
      this.position++;
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.isWord('and')) {
      this.position++;
      left = { kind: 'and', left, right: this.negation() };
    }
    return left;
  }

  private negation(): Condition {
    if (this.isWord('not')) {
      this.position++;
      return { kind: 'not', inner: this.negation() };
    }
    if (this.isSymbol('(')) {
      this.position++;
      const inner = this.condition();
      this.expectSymbol(')');
      return inner;
    }
    // `ispresent(field)`: true when the event has the field (CWL_QuerySyntax-operations-functions.html,
    // "General functions").
    if (this.isWord('ispresent')) {
      this.position++;
      this.expectSymbol('(');
      const field = this.word();
      this.expectSymbol(')');
      return { kind: 'present', field };
    }
    const left = this.expression();
    if (this.isWord('not')) {
      this.position++;
      if (!this.isWord('like')) throw malformedQuery(`expected "like" after "not" ${this.where()}`);
      return { kind: 'not', inner: this.like(left) };
    }
    if (this.isWord('like')) return this.like(left);
    const op = this.peek();
    if (op?.kind === 'symbol' && (op.text === '=' || op.text === '!=')) {
      this.position++;
      return { kind: 'compare', op: op.text, left, right: this.expression() };
    }
    throw malformedQuery(
      `operator ${op ? this.where() : '(none)'} is not supported by the local Logs Insights stand-in (=, !=, like)`,
    );
  }

  private like(subject: Expression): Condition {
    this.position++; // like
    const token = this.next();
    if (token.kind === 'regex') return { kind: 'like', subject, pattern: token.pattern };
    if (token.kind === 'string') {
      return {
        kind: 'like',
        subject,
        pattern: new RegExp(token.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
      };
    }
    throw malformedQuery(`expected a /regex/ or "text" after like ${this.where(-1)}`);
  }

  /** `expression [as name]`; a bare field keeps its name. */
  named(): { name: string; value: Expression } {
    const start = this.position;
    const value = this.expression();
    if (this.isWord('as')) {
      this.position++;
      return { name: this.word(), value };
    }
    if (value.kind === 'field') return { name: value.name, value };
    throw malformedQuery(`name the expression with "as" ${this.whereAt(start)}`);
  }

  private whereAt(position: number): string {
    return this.where(position - this.position);
  }
}

/** Parses a query; throws `MalformedQueryException` naming what the stand-in does not support. */
export function parseLogsInsightsQuery(query: string): LogsInsightsQuery {
  const tokens = tokenize(query);
  const commands: Token[][] = [[]];
  for (const token of tokens) {
    if (token.kind === 'symbol' && token.text === '|') commands.push([]);
    else commands.at(-1)?.push(token);
  }
  return commands.map((commandTokens) => {
    const parser = new Parser(commandTokens);
    const name = parser.word().toLowerCase();
    const command = parseCommand(name, parser);
    if (!parser.done) throw malformedQuery(`unexpected ${parser.where()} in ${name}`);
    return command;
  });
}

function parseCommand(name: string, parser: Parser): Command {
  switch (name) {
    case 'fields': {
      const fields = [parser.named()];
      while (parser.isSymbol(',')) {
        parser.next();
        fields.push(parser.named());
      }
      return { kind: 'fields', fields };
    }
    case 'filter':
      return { kind: 'filter', condition: parser.condition() };
    case 'stats': {
      const counts: { name: string; of?: Expression }[] = [];
      do {
        if (counts.length > 0) parser.next(); // ,
        const fn = parser.word();
        if (fn.toLowerCase() !== 'count') {
          throw malformedQuery(`stats function ${fn}() is not supported by the local Logs Insights stand-in`);
        }
        parser.expectSymbol('(');
        let of: Expression | undefined;
        if (parser.isSymbol('*')) parser.next();
        else if (!parser.isSymbol(')')) of = parser.expression();
        parser.expectSymbol(')');
        let countName = `count(${of === undefined ? '*' : of.kind === 'field' ? of.name : '…'})`;
        if (parser.isWord('as')) {
          parser.next();
          countName = parser.word();
        }
        counts.push({ name: countName, of });
      } while (parser.isSymbol(','));
      const by: { name: string; value: Expression }[] = [];
      if (parser.isWord('by')) {
        parser.next();
        by.push(parser.named());
        while (parser.isSymbol(',')) {
          parser.next();
          by.push(parser.named());
        }
      }
      return { kind: 'stats', counts, by };
    }
    case 'sort': {
      const keys: { field: string; descending: boolean }[] = [];
      do {
        if (keys.length > 0) parser.next(); // ,
        const field = parser.word();
        if (!parser.isWord('asc') && !parser.isWord('desc')) {
          throw malformedQuery(
            `sort ${field}: say asc or desc (the local Logs Insights stand-in assumes neither)`,
          );
        }
        keys.push({ field, descending: parser.word().toLowerCase() === 'desc' });
      } while (parser.isSymbol(','));
      return { kind: 'sort', keys };
    }
    case 'limit': {
      const token = parser.next();
      if (token.kind !== 'number' || !Number.isInteger(token.value) || token.value < 1) {
        throw malformedQuery('limit needs a whole number of at least 1');
      }
      return { kind: 'limit', count: token.value };
    }
    default:
      throw malformedQuery(`command "${name}" is not supported by the local Logs Insights stand-in`);
  }
}

// --- Evaluation -------------------------------------------------------------------------------

export interface QueryEvent {
  readonly logGroup: string;
  readonly timestamp: number;
  readonly message: string;
}

export interface QueryOutcome {
  readonly results: { field: string; value: string }[][];
  readonly statistics: { recordsMatched: number; recordsScanned: number; bytesScanned: number };
}

/** Runs a parsed query over the events, oldest first, as Logs Insights would. */
export function runLogsInsightsQuery(query: LogsInsightsQuery, events: readonly QueryEvent[]): QueryOutcome {
  let rows: Row[] = events.map(rowOf);
  let shown: string[] | undefined;
  let matched = events.length;
  let limit = DEFAULT_LIMIT;
  for (const command of query) {
    switch (command.kind) {
      case 'fields':
        for (const row of rows) {
          for (const field of command.fields) row.set(field.name, evaluate(field.value, row));
        }
        shown = [...(shown ?? []), ...command.fields.map((field) => field.name)];
        break;
      case 'filter':
        rows = rows.filter((row) => holds(command.condition, row));
        matched = rows.length;
        break;
      case 'stats': {
        const groups = new Map<string, { keys: Value[]; counts: number[] }>();
        for (const row of rows) {
          const keys = command.by.map((by) => evaluate(by.value, row));
          const id = JSON.stringify(keys);
          const group = groups.get(id) ?? { keys, counts: command.counts.map(() => 0) };
          command.counts.forEach((count, index) => {
            if (count.of === undefined || evaluate(count.of, row) !== undefined) {
              group.counts[index] = (group.counts[index] ?? 0) + 1;
            }
          });
          groups.set(id, group);
        }
        rows = [...groups.values()].map(
          (group) =>
            new Map<string, Value>([
              ...command.by.map((by, index) => [by.name, group.keys[index]] as [string, Value]),
              ...command.counts.map((count, index) => [count.name, group.counts[index]] as [string, Value]),
            ]),
        );
        shown = [...command.by.map((by) => by.name), ...command.counts.map((count) => count.name)];
        break;
      }
      case 'sort':
        rows = [...rows].sort((a, b) => {
          for (const key of command.keys) {
            const order = compareValues(a.get(key.field), b.get(key.field));
            if (order !== 0) return key.descending ? -order : order;
          }
          return 0;
        });
        break;
      case 'limit':
        limit = Math.min(limit, command.count);
        break;
    }
  }
  const fields = shown ?? ['@timestamp', '@message'];
  const grouped = query.some((command) => command.kind === 'stats');
  const results = rows.slice(0, limit).map((row) => {
    const out = fields.flatMap((field) => {
      const value = row.get(field);
      return value === undefined ? [] : [{ field, value: String(value) }];
    });
    // Every event row carries its record pointer (GetQueryResults); aggregated rows have none.
    const pointer = row.get('@ptr');
    return grouped || pointer === undefined ? out : [...out, { field: '@ptr', value: String(pointer) }];
  });
  return {
    results,
    statistics: {
      recordsMatched: matched,
      recordsScanned: events.length,
      bytesScanned: events.reduce((sum, event) => sum + Buffer.byteLength(event.message), 0),
    },
  };
}

function rowOf(event: QueryEvent, index: number): Row {
  const row: Row = new Map<string, Value>([
    ['@timestamp', insightsTimestamp(event.timestamp)],
    ['@message', event.message],
    ['@log', event.logGroup],
    ['@ptr', `local-${index}`],
  ]);
  const trimmed = event.message.trim();
  if (trimmed.startsWith('{')) {
    try {
      flatten(JSON.parse(trimmed), '', row);
    } catch {
      // Not JSON after all: only the @ fields, as for a plain-text line.
    }
  }
  return row;
}

function flatten(value: unknown, prefix: string, row: Row): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, row);
    return;
  }
  if (!prefix) return;
  row.set(
    prefix,
    typeof value === 'number' ? value : typeof value === 'string' ? value : JSON.stringify(value),
  );
}

/** `2026-12-06 19:24:00.123`, as Logs Insights shows `@timestamp`. */
function insightsTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '');
}

function evaluate(expression: Expression, row: Row): Value {
  switch (expression.kind) {
    case 'field':
      return row.get(expression.name);
    case 'literal':
      return expression.value;
    case 'coalesce':
      for (const arg of expression.args) {
        const value = evaluate(arg, row);
        if (value !== undefined && value !== '') return value;
      }
      return undefined;
  }
}

function holds(condition: Condition, row: Row): boolean {
  switch (condition.kind) {
    case 'and':
      return holds(condition.left, row) && holds(condition.right, row);
    case 'or':
      return holds(condition.left, row) || holds(condition.right, row);
    case 'not':
      return !holds(condition.inner, row);
    case 'present':
      return row.get(condition.field) !== undefined;
    case 'like': {
      const value = evaluate(condition.subject, row);
      return value !== undefined && condition.pattern.test(String(value));
    }
    case 'compare': {
      const left = evaluate(condition.left, row);
      const right = evaluate(condition.right, row);
      // A field the event does not have matches no comparison.
      if (left === undefined || right === undefined) return false;
      const equal =
        typeof left === 'number' || typeof right === 'number'
          ? Number(left) === Number(right)
          : left === right;
      return condition.op === '=' ? equal : !equal;
    }
  }
}

/** Ascending: absent values first, then non-numbers, then numbers by value (CWL_QuerySyntax-Sort). */
function compareValues(a: Value, b: Value): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const aNumber = typeof a === 'number' || /^-?\d+(\.\d+)?$/.test(a);
  const bNumber = typeof b === 'number' || /^-?\d+(\.\d+)?$/.test(b);
  if (aNumber !== bNumber) return aNumber ? 1 : -1;
  if (aNumber) return Number(a) - Number(b);
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

// --- The API ----------------------------------------------------------------------------------

interface RunningQuery {
  readonly outcome: QueryOutcome;
  polled: number;
  stopped: boolean;
}

/**
 * Registers StartQuery, GetQueryResults and StopQuery on `aws`, answered from `logs`. The query runs
 * when it starts (the store holds what was written up to the simulated now).
 */
export function standInLogsInsights(aws: LocalAws, logs: LocalLogStore): void {
  const queries = new Map<string, RunningQuery>();
  const notFound = (queryId: unknown) =>
    Object.assign(new Error(`Query ${String(queryId)} does not exist`), {
      name: 'ResourceNotFoundException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  aws.on(
    'CloudWatchLogs.StartQuery',
    (input: {
      logGroupNames?: string[];
      logGroupName?: string;
      queryString: string;
      startTime: number;
      endTime: number;
      limit?: number;
    }) => {
      const groups = input.logGroupNames ?? (input.logGroupName ? [input.logGroupName] : []);
      if (groups.length === 0) throw malformedQuery('StartQuery names no log group');
      const query = parseLogsInsightsQuery(input.queryString);
      const limited =
        input.limit === undefined ? query : [...query, { kind: 'limit', count: input.limit } as const];
      // startTime and endTime are epoch seconds; both ends are included.
      const events = logs.events(groups, input.startTime * 1000, input.endTime * 1000 + 999);
      const queryId = `local-query-${queries.size + 1}`;
      queries.set(queryId, { outcome: runLogsInsightsQuery(limited, events), polled: 0, stopped: false });
      return { queryId };
    },
  );
  aws.on('CloudWatchLogs.GetQueryResults', (input: { queryId: string }) => {
    const query = queries.get(input.queryId);
    if (!query) throw notFound(input.queryId);
    if (query.stopped) return { status: 'Cancelled', results: [], statistics: query.outcome.statistics };
    query.polled++;
    if (query.polled === 1) {
      return {
        status: 'Running',
        results: [],
        statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 },
      };
    }
    return { status: 'Complete', ...query.outcome };
  });
  aws.on('CloudWatchLogs.StopQuery', (input: { queryId: string }) => {
    const query = queries.get(input.queryId);
    if (!query) throw notFound(input.queryId);
    const success = query.polled < 2 && !query.stopped;
    query.stopped = true;
    return { success };
  });
}
