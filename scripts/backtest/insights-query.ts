import type { MetricIdentity } from '../../constructs/alarm-engine/alarm-definition';

/**
 * The part of a Metrics Insights query that says which series it reads: enough to find them with
 * `ListMetrics` and fetch them with `GetMetricData` over any range (a query itself "can query only
 * the most recent three hours of metric data" — GetMetricData API reference).
 * Grammar: cloudwatch-metrics-insights-querylanguage.md (SELECT FUNCTION(metricName) FROM namespace
 * | SCHEMA(namespace, labelKey, ...) [WHERE key = 'v' | key != 'v' [AND ...]] [GROUP BY ...]
 * [ORDER BY ...] [LIMIT n]).
 */
export interface InsightsSelection {
  /** `AVG`, `COUNT`, `MAX`, `MIN` or `SUM`. */
  readonly fn: string;
  readonly namespace: string;
  readonly metricName: string;
  /** With SCHEMA, the exact set of dimension keys a matching metric has; without, any set. */
  readonly schemaKeys?: readonly string[];
  readonly equals: Readonly<Record<string, string>>;
  readonly notEquals: ReadonlyArray<readonly [string, string]>;
}

/** Whether `text` is a Metrics Insights query rather than a metric-math expression. */
export function isInsightsQuery(text: string): boolean {
  return /^\s*SELECT\s/i.test(text);
}

type Token = { readonly kind: 'word' | 'quoted' | 'string' | 'punct'; readonly text: string };

function tokenize(query: string): Token[] | string {
  const tokens: Token[] = [];
  // Quoted names escape quotes with a backslash; label values are single-quoted.
  const pattern = /\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(!=|[(),=])|([A-Za-z0-9_.*-]+))/y;
  let index = 0;
  while (index < query.length) {
    if (/^\s*$/.test(query.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(query);
    if (!match) return `unexpected character at position ${index + 1}`;
    index = pattern.lastIndex;
    const [, quoted, string, punct, word] = match;
    if (quoted !== undefined) tokens.push({ kind: 'quoted', text: quoted.replace(/\\(.)/g, '$1') });
    else if (string !== undefined) tokens.push({ kind: 'string', text: string.replace(/\\(.)/g, '$1') });
    else if (punct !== undefined) tokens.push({ kind: 'punct', text: punct });
    else tokens.push({ kind: 'word', text: word ?? '' });
  }
  return tokens;
}

/** Parses the SELECT, FROM and WHERE clauses; a string is what it could not read. */
export function parseInsightsSelection(query: string): InsightsSelection | string {
  const tokens = tokenize(query);
  if (typeof tokens === 'string') return tokens;
  let at = 0;
  const keyword = (word: string) => tokens[at]?.kind === 'word' && tokens[at]?.text.toUpperCase() === word;
  const punct = (text: string) => tokens[at]?.kind === 'punct' && tokens[at]?.text === text;
  const name = (): string | undefined => {
    const token = tokens[at];
    if (token?.kind !== 'word' && token?.kind !== 'quoted') return undefined;
    at++;
    return token.text;
  };
  if (!keyword('SELECT')) return 'expected SELECT';
  at++;
  const fn = tokens[at]?.text.toUpperCase() ?? '';
  at++;
  if (!punct('(')) return 'expected FUNCTION(metricName) after SELECT';
  at++;
  const metricName = name();
  if (metricName === undefined || !punct(')')) return 'expected FUNCTION(metricName) after SELECT';
  at++;
  if (!keyword('FROM')) return 'expected FROM';
  at++;
  let namespace: string | undefined;
  let schemaKeys: string[] | undefined;
  if (keyword('SCHEMA') && tokens[at + 1]?.text === '(') {
    at += 2;
    namespace = name();
    schemaKeys = [];
    while (punct(',')) {
      at++;
      const key = name();
      if (key === undefined) return 'expected a dimension name in SCHEMA(...)';
      schemaKeys.push(key);
    }
    if (!punct(')')) return 'expected ) after SCHEMA(...)';
    at++;
  } else {
    namespace = name();
  }
  if (namespace === undefined) return 'expected a namespace after FROM';
  const equals: Record<string, string> = {};
  const notEquals: Array<readonly [string, string]> = [];
  if (keyword('WHERE')) {
    do {
      at++;
      const key = name();
      const operator = tokens[at]?.text;
      at++;
      const value = tokens[at];
      at++;
      if (key === undefined || (operator !== '=' && operator !== '!=') || value?.kind !== 'string') {
        return "only WHERE key = 'value' and key != 'value' joined by AND are read";
      }
      if (operator === '=') equals[key] = value.text;
      else notEquals.push([key, value.text]);
    } while (keyword('AND'));
  }
  if (at < tokens.length && !keyword('GROUP') && !keyword('ORDER') && !keyword('LIMIT')) {
    return `unexpected "${tokens[at]?.text}"`;
  }
  return { fn, namespace, metricName, ...(schemaKeys ? { schemaKeys } : {}), equals, notEquals };
}

/** Whether a metric is one the query reads. */
export function insightsMatches(selection: InsightsSelection, metric: MetricIdentity): boolean {
  if (metric.namespace !== selection.namespace || metric.metricName !== selection.metricName) return false;
  const keys = Object.keys(metric.dimensions);
  if (selection.schemaKeys) {
    const schema = new Set(selection.schemaKeys);
    if (keys.length !== schema.size || !keys.every((key) => schema.has(key))) return false;
  }
  if (Object.entries(selection.equals).some(([key, value]) => metric.dimensions[key] !== value)) return false;
  return selection.notEquals.every(([key, value]) => metric.dimensions[key] !== value);
}
