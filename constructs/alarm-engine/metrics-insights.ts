/**
 * The subset of CloudWatch Metrics Insights queries an alarm can watch as one time series.
 *
 * Specification: "Metrics Insights query components and syntax"
 * (cloudwatch-metrics-insights-querylanguage.md,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html),
 * "SQL inference" (cloudwatch-metrics-insights-inference.md) and "Create a Metrics Insights alarm"
 * (cloudwatch-metrics-insights-alarm-create.md): "To set an alarm on a Metrics Insights query,
 * the query must return a single time series".
 */
import type { MetricSeries, MetricStat } from './alarm-definition';
import type { MetricSource } from './compiled-metric';
import type { Evaluate } from './metric-math';

/** The aggregate functions of SELECT: "AVG, COUNT, MAX, MIN, and SUM" (querylanguage). */
export type InsightsFunction = 'AVG' | 'COUNT' | 'MAX' | 'MIN' | 'SUM';

/** One WHERE condition: `labelKey = 'value'` or `labelKey != 'value'`. */
export interface InsightsCondition {
  readonly key: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

/** A parsed query returning one time series. */
export interface MetricsInsightsQuery {
  readonly fn: InsightsFunction;
  readonly metricName: string;
  readonly namespace: string;
  /** The dimension keys of `SCHEMA(namespace, keys...)`; undefined for `FROM namespace`. */
  readonly schemaKeys?: readonly string[];
  readonly where: readonly InsightsCondition[];
}

/** A malformed query, with the 1-based character position of the problem. */
export class MetricsInsightsSyntaxError extends Error {
  constructor(
    readonly problem: string,
    readonly position: number,
  ) {
    super(`${problem} at position ${position}`);
    this.name = 'MetricsInsightsSyntaxError';
  }
}

/** A valid query using a clause this engine does not evaluate. */
export class MetricsInsightsUnsupported extends Error {
  constructor(readonly feature: string) {
    super(feature);
    this.name = 'MetricsInsightsUnsupported';
  }
}

/** Whether an expression is a Metrics Insights query rather than metric math. */
export function isMetricsInsightsQuery(expression: string): boolean {
  // "None of the keywords are case sensitive" (querylanguage).
  return /^\s*select\b/i.test(expression);
}

type Token =
  // A bare word, or a double-quoted identifier (`quoted`), which is never a keyword.
  | { readonly type: 'word'; readonly text: string; readonly quoted: boolean; readonly pos: number }
  | { readonly type: 'label'; readonly text: string; readonly pos: number }
  | { readonly type: 'number'; readonly value: number; readonly pos: number }
  | { readonly type: 'op'; readonly text: string; readonly pos: number }
  | { readonly type: 'end'; readonly pos: number };

// "If one of these contains a double quotation mark or single quotation mark itself ... escape
// each quotation mark with a backslash" (querylanguage).
function quoted(text: string, start: number, quote: string): { value: string; next: number } {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === '\\' && i + 1 < text.length) {
      value += text.charAt(i + 1);
      i++;
    } else if (ch === quote) {
      return { value, next: i + 1 };
    } else {
      value += ch;
    }
  }
  throw new MetricsInsightsSyntaxError(
    `Unterminated ${quote === "'" ? 'label value' : 'quoted name'}`,
    start + 1,
  );
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    const pos = i + 1;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"' || ch === "'") {
      const { value, next } = quoted(text, i, ch);
      tokens.push(
        ch === '"' ? { type: 'word', text: value, quoted: true, pos } : { type: 'label', text: value, pos },
      );
      i = next;
    } else if (/[A-Za-z_]/.test(ch)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0] ?? ch;
      tokens.push({ type: 'word', text: word, quoted: false, pos });
      i += word.length;
    } else if (/\d/.test(ch)) {
      const digits = /^\d+/.exec(text.slice(i))?.[0] ?? ch;
      tokens.push({ type: 'number', value: Number(digits), pos });
      i += digits.length;
    } else if (text.startsWith('!=', i)) {
      tokens.push({ type: 'op', text: '!=', pos });
      i += 2;
    } else if ('(),=<>'.includes(ch)) {
      tokens.push({ type: 'op', text: ch, pos });
      i++;
    } else {
      throw new MetricsInsightsSyntaxError(`Unexpected character "${ch}"`, pos);
    }
  }
  tokens.push({ type: 'end', pos: text.length + 1 });
  return tokens;
}

function describe(t: Token): string {
  switch (t.type) {
    case 'end':
      return 'end of query';
    case 'number':
      return `number ${t.value}`;
    case 'label':
      return `label value '${t.text}'`;
    default:
      return `"${t.text}"`;
  }
}

const FUNCTIONS: readonly InsightsFunction[] = ['AVG', 'COUNT', 'MAX', 'MIN', 'SUM'];
const CLAUSES = ['WHERE', 'GROUP', 'ORDER', 'LIMIT'];
// "The maximum value that you can specify is 500" (querylanguage, LIMIT).
const MAX_LIMIT = 500;

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.index] ?? { type: 'end', pos: 0 };
  }

  private next(): Token {
    const t = this.peek();
    this.index++;
    return t;
  }

  private isKeyword(keyword: string): boolean {
    const t = this.peek();
    return t.type === 'word' && !t.quoted && t.text.toUpperCase() === keyword;
  }

  private keyword(keyword: string): void {
    if (!this.isKeyword(keyword)) {
      const t = this.peek();
      throw new MetricsInsightsSyntaxError(`Expected ${keyword} but found ${describe(t)}`, t.pos);
    }
    this.index++;
  }

  private op(text: string): void {
    const t = this.next();
    if (t.type !== 'op' || t.text !== text) {
      throw new MetricsInsightsSyntaxError(`Expected "${text}" but found ${describe(t)}`, t.pos);
    }
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.type === 'op' && t.text === text;
  }

  private name(what: string): string {
    const t = this.next();
    if (t.type === 'word' && (t.quoted || !CLAUSES.includes(t.text.toUpperCase()))) return t.text;
    throw new MetricsInsightsSyntaxError(`Expected ${what} but found ${describe(t)}`, t.pos);
  }

  private fn(): InsightsFunction {
    const t = this.next();
    const upper = t.type === 'word' && !t.quoted ? t.text.toUpperCase() : '';
    const fn = FUNCTIONS.find((f) => f === upper);
    if (fn === undefined) {
      throw new MetricsInsightsSyntaxError(
        `Expected one of ${FUNCTIONS.join(', ')} but found ${describe(t)}`,
        t.pos,
      );
    }
    return fn;
  }

  parse(): MetricsInsightsQuery {
    this.keyword('SELECT');
    const fn = this.fn();
    this.op('(');
    const metricName = this.name('a metric name');
    this.op(')');
    this.keyword('FROM');
    let namespace: string;
    let schemaKeys: string[] | undefined;
    if (this.isKeyword('SCHEMA')) {
      this.index++;
      this.op('(');
      namespace = this.name('a namespace');
      schemaKeys = [];
      while (this.isOp(',')) {
        this.index++;
        schemaKeys.push(this.name('a dimension name'));
      }
      this.op(')');
    } else {
      namespace = this.name('a namespace or SCHEMA(...)');
    }
    const where = this.isKeyword('WHERE') ? this.where() : [];
    if (this.isKeyword('GROUP')) {
      throw new MetricsInsightsUnsupported(
        'Metrics Insights GROUP BY (returns one time series per group; an alarm watches one)',
      );
    }
    if (this.isKeyword('ORDER')) this.orderBy();
    if (this.isKeyword('LIMIT')) this.limit();
    const rest = this.peek();
    if (rest.type !== 'end') throw new MetricsInsightsSyntaxError(`Unexpected ${describe(rest)}`, rest.pos);
    return { fn, metricName, namespace, ...(schemaKeys && { schemaKeys }), where };
  }

  // WHERE supports "=", "!=" and "AND" (querylanguage, "Supported operators").
  private where(): InsightsCondition[] {
    this.index++;
    const conditions: InsightsCondition[] = [this.condition()];
    for (;;) {
      if (this.isKeyword('AND')) {
        this.index++;
        conditions.push(this.condition());
      } else if (this.isKeyword('OR')) {
        throw new MetricsInsightsUnsupported(
          'Metrics Insights OR in WHERE (the query-language page documents =, != and AND)',
        );
      } else {
        return conditions;
      }
    }
  }

  private condition(): InsightsCondition {
    const key = this.name('a label key');
    const t = this.next();
    if (t.type === 'word' && !t.quoted && ['IN', 'NOT', 'LIKE'].includes(t.text.toUpperCase())) {
      throw new MetricsInsightsUnsupported(
        `Metrics Insights ${t.text.toUpperCase()} in WHERE (the query-language page documents =, != and AND)`,
      );
    }
    if (t.type !== 'op' || (t.text !== '=' && t.text !== '!=')) {
      throw new MetricsInsightsSyntaxError(`Expected = or != but found ${describe(t)}`, t.pos);
    }
    const value = this.next();
    if (value.type !== 'label') {
      // "Label values must always be enclosed with single quotation marks" (querylanguage).
      throw new MetricsInsightsSyntaxError(
        `Expected a label value in single quotation marks but found ${describe(value)}`,
        value.pos,
      );
    }
    return { key, op: t.text, value: value.text };
  }

  // Without GROUP BY the query returns one series, so ORDER BY and LIMIT (at least 1) leave it unchanged.
  private orderBy(): void {
    this.index++;
    this.keyword('BY');
    this.fn();
    this.op('(');
    this.op(')');
    if (this.isKeyword('ASC') || this.isKeyword('DESC')) this.index++;
  }

  private limit(): void {
    this.index++;
    const t = this.next();
    if (t.type !== 'number' || t.value < 1 || t.value > MAX_LIMIT) {
      throw new MetricsInsightsSyntaxError(
        `Expected a LIMIT from 1 to ${MAX_LIMIT} but found ${describe(t)}`,
        t.pos,
      );
    }
  }
}

/**
 * Parses a query. Throws MetricsInsightsSyntaxError (problem and position) when it is malformed
 * and MetricsInsightsUnsupported when it uses a clause this engine does not evaluate.
 */
export function parseMetricsInsights(text: string): MetricsInsightsQuery {
  return new Parser(tokenize(text)).parse();
}

/** Whether a series is one the query reads: namespace, metric name, SCHEMA keys and WHERE. */
export function matchesQuery(query: MetricsInsightsQuery, series: MetricSeries): boolean {
  if (series.namespace !== query.namespace || series.metricName !== query.metricName) return false;
  if (query.schemaKeys !== undefined) {
    // SCHEMA matches "only those metrics that have that exact set of dimensions. The order of these
    // label keys does not matter"; SCHEMA(namespace) alone matches metrics with no dimensions.
    const keys = Object.keys(series.dimensions);
    if (keys.length !== new Set(query.schemaKeys).size) return false;
    if (!query.schemaKeys.every((k) => Object.hasOwn(series.dimensions, k))) return false;
  }
  return query.where.every((c) => {
    const value = series.dimensions[c.key];
    // Not documented: a metric without the label key; we assume it matches != and not =.
    return c.op === '=' ? value === c.value : value !== c.value;
  });
}

// Which statistic each aggregate reads from every matching series. AVG and COUNT aggregate the
// observations ("the average of the observations matched by the query"), so both read Sum with
// its sample count.
const STAT: Readonly<Record<InsightsFunction, string>> = {
  AVG: 'Sum',
  COUNT: 'Sum',
  SUM: 'Sum',
  MIN: 'Minimum',
  MAX: 'Maximum',
};

/**
 * The query's single time series at period `periodSeconds`: for each window, `fn` over all
 * observations of every matching series ("all the observations belonging to that minute until the
 * next (excluded)", inference). The matching series are found once per source.
 */
export function compileMetricsInsights(
  query: MetricsInsightsQuery,
  periodSeconds: number,
): Evaluate<number | undefined> {
  const matched = new WeakMap<MetricSource, readonly MetricStat[]>();
  const stat = STAT[query.fn];
  return (source, end) => {
    let stats = matched.get(source);
    if (stats === undefined) {
      stats = source
        .series()
        .filter((s) => matchesQuery(query, s))
        .map((s) => ({
          metric: { namespace: s.namespace, metricName: s.metricName, dimensions: s.dimensions },
          period: periodSeconds,
          stat,
        }));
      matched.set(source, stats);
    }
    let value: number | undefined;
    let samples = 0;
    for (const metricStat of stats) {
      const dp = source.datapoint(metricStat, end);
      if (dp === undefined) continue;
      samples += dp.sampleCount;
      if (value === undefined) value = dp.value;
      else if (query.fn === 'MIN') value = Math.min(value, dp.value);
      else if (query.fn === 'MAX') value = Math.max(value, dp.value);
      else value += dp.value;
    }
    if (value === undefined) return undefined;
    if (query.fn === 'COUNT') return samples;
    if (query.fn === 'AVG') return samples === 0 ? undefined : value / samples;
    return value;
  };
}
