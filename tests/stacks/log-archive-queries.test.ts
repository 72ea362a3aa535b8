import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { ERROR_LINE_CONDITION } from '../../constructs/log-archive/archive-queries';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

/**
 * Checks the saved Athena queries (and the README's) against the Glue tables: every column they name
 * exists in the table they read, partition columns are compared with literals of their own type
 * (`year` is an int: `year = '2026'` does not type-check), the WHERE clause filters on the partition
 * columns themselves so Athena projects only those partitions, and no query is pinned to the
 * current month. https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
 */

interface TableShape {
  readonly columns: ReadonlyMap<string, string>;
  readonly partitions: ReadonlyMap<string, string>;
}

type Token = { kind: 'string' | 'number' | 'word' | 'symbol'; text: string };

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s+|('(?:[^']|'')*')|(\d+(?:\.\d+)?)|([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)|(<=|>=|<>|!=|[=<>(),*+\-/;])/y;
  let match: RegExpExecArray | null = pattern.exec(sql);
  while (match !== null && pattern.lastIndex <= sql.length) {
    if (match[1]) tokens.push({ kind: 'string', text: match[1] });
    else if (match[2]) tokens.push({ kind: 'number', text: match[2] });
    else if (match[3]) tokens.push({ kind: 'word', text: match[3].toLowerCase() });
    else if (match[4]) tokens.push({ kind: 'symbol', text: match[4] });
    if (pattern.lastIndex === sql.length) break;
    match = pattern.exec(sql);
  }
  if (pattern.lastIndex !== sql.length)
    throw new Error(`cannot tokenize at: ${sql.slice(pattern.lastIndex)}`);
  return tokens;
}

const KEYWORDS = new Set(
  'select from where and or not in like between group by order asc desc as is null case when then else end distinct current_date true false having limit interval'.split(
    ' ',
  ),
);
const COMPARISONS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=']);
const INT_TYPES = new Set(['int', 'integer', 'bigint', 'smallint', 'tinyint']);

/** What is wrong with a query over these tables; empty when nothing is. */
function lintQuery(sql: string, tables: ReadonlyMap<string, TableShape>): string[] {
  const tokens = tokenize(sql);
  const problems: string[] = [];
  const fromAt = tokens.findIndex((token) => token.text === 'from');
  const tableName = tokens[fromAt + 1]?.text.split('.').pop() ?? '';
  const table = tables.get(tableName);
  if (!table) return [`reads unknown table ${tableName}`];
  const typeOf = (name: string) => table.columns.get(name) ?? table.partitions.get(name);

  const aliases = new Set<string>();
  const functionStack: string[] = [];
  let clause = 'select';
  let prunes = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    const next = tokens[i + 1];
    if (token.kind === 'symbol') {
      if (token.text === '(') {
        const before = tokens[i - 1];
        functionStack.push(before?.kind === 'word' && !KEYWORDS.has(before.text) ? before.text : '');
      } else if (token.text === ')') functionStack.pop();
      continue;
    }
    if (token.kind !== 'word') continue;
    if (['select', 'where', 'group', 'order', 'from'].includes(token.text)) clause = token.text;
    if (token.text === 'interval') {
      i += 2; // INTERVAL '30' DAY: the unit is not a column
      continue;
    }
    if (token.text === 'as') {
      if (next) aliases.add(next.text);
      i += 1; // an alias or, in CAST, a type
      continue;
    }
    if (KEYWORDS.has(token.text) || next?.text === '(' || clause === 'from') continue;
    if (aliases.has(token.text) && clause !== 'where') continue;
    const type = typeOf(token.text);
    if (type === undefined) {
      problems.push(`${token.text} is not a column of ${tableName}`);
      continue;
    }
    if (!table.partitions.has(token.text)) continue;
    if (clause === 'where' && functionStack.every((fn) => fn === '')) prunes = true;
    for (const literal of comparedLiterals(tokens, i)) {
      const wrong = INT_TYPES.has(type) ? literal.kind === 'string' : literal.kind === 'number';
      if (wrong) problems.push(`${token.text} is ${type} but compared with ${literal.text}`);
    }
    if (next?.text === '=' && tokens[i + 2]?.kind === 'word' && tokens[i + 3]?.text === '(') {
      const argument = tokens.slice(i + 4, i + 8).map((t) => t.text);
      if (argument.includes('current_date') || argument.includes('now'))
        problems.push(`${token.text} is pinned to the current ${token.text}: earlier lines are not searched`);
    }
  }
  if (!prunes)
    problems.push('the WHERE clause filters on no partition column itself: every partition is scanned');
  return problems;
}

/** Literals a column is compared with: `col op lit`, `lit op col`, `col IN (…)`, `col BETWEEN a AND b`. */
function comparedLiterals(tokens: Token[], at: number): Token[] {
  const isLiteral = (token: Token | undefined): token is Token =>
    token?.kind === 'string' || token?.kind === 'number';
  const found: Token[] = [];
  const after = tokens[at + 1];
  if (after && COMPARISONS.has(after.text) && isLiteral(tokens[at + 2])) found.push(tokens[at + 2] as Token);
  const before = tokens[at - 1];
  if (before && COMPARISONS.has(before.text) && isLiteral(tokens[at - 2]))
    found.push(tokens[at - 2] as Token);
  if (after?.text === 'between') {
    for (const candidate of [tokens[at + 2], tokens[at + 4]]) if (isLiteral(candidate)) found.push(candidate);
  }
  if (after?.text === 'in' && tokens[at + 2]?.text === '(') {
    for (let j = at + 3; j < tokens.length && tokens[j]?.text !== ')'; j++) {
      const candidate = tokens[j];
      if (isLiteral(candidate)) found.push(candidate);
    }
  }
  return found;
}

const { stacks } = vigilStacks(configWith({}), WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION);
const template = Template.fromStack(stacks.logArchive);

const tables = new Map<string, TableShape>(
  Object.values(template.findResources('AWS::Glue::Table')).map((resource) => {
    const input = resource.Properties.TableInput;
    const shape = (list: { Name: string; Type: string }[]) =>
      new Map(list.map((column) => [column.Name, column.Type] as const));
    return [
      input.Name as string,
      { columns: shape(input.StorageDescriptor.Columns), partitions: shape(input.PartitionKeys) },
    ];
  }),
);
const savedQueries = Object.values(template.findResources('AWS::Athena::NamedQuery')).map(
  (query) => [query.Properties.Name as string, query.Properties.QueryString as string] as const,
);

function readmeQueries(): string[] {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Log archive'),
    readme.indexOf('\n## ', readme.indexOf('## Log archive') + 1),
  );
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((block) => block[1] as string);
}

describe('saved queries', () => {
  it('are checked against both tables', () => {
    expect([...tables.keys()].sort()).toEqual(['function_log_lines', 'function_logs']);
    expect(savedQueries).toHaveLength(2);
  });

  it.each(savedQueries)(
    '%s names only columns of its table, with partition types right, and prunes partitions',
    (_name, sql) => {
      expect(lintQuery(sql, tables)).toEqual([]);
    },
  );

  it('the README’s examples do too', () => {
    const examples = readmeQueries();
    expect(examples.length).toBeGreaterThan(0);
    for (const sql of examples) expect(lintQuery(sql, tables)).toEqual([]);
  });

  it('would have caught the queries issue 16 reported', () => {
    const previousErrorsPerDay = [
      "SELECT archive_service, date_format(date_parse(concat(cast(year AS varchar), '-', lpad(cast(month AS varchar), 2, '0'), '-', lpad(cast(day AS varchar), 2, '0')), '%Y-%m-%d'), '%Y-%m-%d') AS day, count(*) AS errors",
      'FROM vigil_test_logs.function_logs',
      "WHERE level = 'ERROR'",
      "  AND date_parse(concat(cast(year AS varchar), lpad(cast(month AS varchar), 2, '0'), lpad(cast(day AS varchar), 2, '0')), '%Y%m%d') >= current_date - interval '30' day",
      'GROUP BY 1, 2',
      'ORDER BY 2 DESC, 3 DESC',
    ].join('\n');
    const previousOneRequest = [
      'SELECT archive_service, timestamp, level, function_name, message FROM vigil_test_logs.function_logs',
      "WHERE (function_request_id = 'REQUEST-ID' OR xray_trace_id LIKE '%TRACE-ID%')",
      '  AND year = year(current_date) AND month = month(current_date)',
      'ORDER BY timestamp',
    ].join('\n');
    const documentedExample =
      "SELECT level, message FROM vigil_test_logs.function_logs WHERE service = 'predictor' AND year = '2026'";
    expect(lintQuery(previousErrorsPerDay, tables)).toEqual([
      'the WHERE clause filters on no partition column itself: every partition is scanned',
    ]);
    expect(lintQuery(previousOneRequest, tables)).toEqual([
      'year is pinned to the current year: earlier lines are not searched',
      'month is pinned to the current month: earlier lines are not searched',
    ]);
    expect(lintQuery(documentedExample, tables)).toEqual(["year is int but compared with '2026'"]);
    expect(lintQuery('SELECT line FROM db.function_logs WHERE year = 2026', tables)).toEqual([
      'line is not a column of function_logs',
    ]);
  });
});

describe('every line is a row', () => {
  it('reads the raw line of every object, JSON or not, into one string column', () => {
    const lines = Object.values(template.findResources('AWS::Glue::Table')).find(
      (resource) => resource.Properties.TableInput.Name === 'function_log_lines',
    )?.Properties.TableInput;
    expect(lines.StorageDescriptor).toMatchObject({
      Columns: [{ Name: 'line', Type: 'string' }],
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
        Parameters: { 'field.delim': '\u0001' },
      },
    });
    const jsonTable = Object.values(template.findResources('AWS::Glue::Table')).find(
      (resource) => resource.Properties.TableInput.Name === 'function_logs',
    )?.Properties.TableInput;
    // Same objects, same partitions as the Powertools table.
    expect(lines.Parameters['storage.location.template']).toEqual(
      jsonTable.Parameters['storage.location.template'],
    );
    expect(lines.PartitionKeys).toEqual(jsonTable.PartitionKeys);
  });

  it('counts ERROR and CRITICAL lines and the Lambda platform’s error lines as errors, not REPORT or plain lines', () => {
    const likes = [...ERROR_LINE_CONDITION.matchAll(/LIKE '([^']*)'/g)].map(
      (like) => new RegExp(`^${(like[1] as string).split('%').map(escapeRegExp).join('.*')}$`, 's'),
    );
    const levels = [...(/IN \(([^)]*)\)/.exec(ERROR_LINE_CONDITION)?.[1] ?? '').matchAll(/'([^']*)'/g)].map(
      (level) => level[1],
    );
    const isError = (line: string) => {
      let level: unknown;
      try {
        level = (JSON.parse(line) as { level?: unknown }).level;
      } catch {
        level = undefined; // try(json_extract_scalar(...)) is NULL for a line that is not JSON
      }
      return levels.includes(level as string) || likes.some((like) => like.test(line));
    };
    expect(isError('{"level":"CRITICAL","message":"model missing","service":"predictor"}')).toBe(true);
    expect(isError('{"level":"ERROR","message":"boom"}')).toBe(true);
    expect(
      isError(
        '2026-12-06T20:00:00.000Z 6f1c2a7e-1111-2222-3333-444455556666 Task timed out after 3.00 seconds',
      ),
    ).toBe(true);
    expect(isError('{"level":"INFO","message":"ok"}')).toBe(false);
    expect(
      isError(
        'REPORT RequestId: 6f1c2a7e-1111-2222-3333-444455556666\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 80 MB',
      ),
    ).toBe(false);
    expect(isError('plain text from a print()')).toBe(false);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
