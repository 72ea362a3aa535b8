/**
 * CloudWatch metric math: tokenizer, parser, printer and a compiler from the expression tree to
 * closures that read one datapoint window at a time.
 *
 * Specification: CloudWatch User Guide, "Use metric math" (using-metric-math.md,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
 * Every rule below that the page states is cited as "(using-metric-math)"; everything else is
 * marked "not documented".
 */
import type { MetricSource } from './compiled-metric';

/** A node of a parsed metric-math expression. */
export type MathNode =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ref'; readonly id: string }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'unary'; readonly operand: MathNode }
  | {
      readonly kind: 'binary';
      readonly op: BinaryOperator;
      readonly left: MathNode;
      readonly right: MathNode;
    }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly MathNode[] }
  | { readonly kind: 'array'; readonly items: readonly MathNode[] };

/** The binary operators of metric math; `&&` and `||` are read as `AND` and `OR`. */
export type BinaryOperator =
  | '+'
  | '-'
  | '*'
  | '/'
  | '^'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'AND'
  | 'OR';

/** A malformed expression, with the 1-based character position of the problem. */
export class MetricMathSyntaxError extends Error {
  constructor(
    readonly problem: string,
    readonly position: number,
  ) {
    super(`${problem} at position ${position}`);
    this.name = 'MetricMathSyntaxError';
  }
}

type Token =
  | { readonly type: 'number'; readonly value: number; readonly pos: number }
  | { readonly type: 'string'; readonly value: string; readonly pos: number }
  | { readonly type: 'id' | 'name' | 'op'; readonly text: string; readonly pos: number }
  | { readonly type: 'end'; readonly pos: number };

const OPERATORS = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '^',
  '(',
  ')',
  '[',
  ']',
  ',',
];
// The doc's own METRICS example uses typographic quotes (“4xx”); accept them like straight ones.
const QUOTES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '“': '”' };
// Not documented: we accept scientific notation (1e-36), which the CDK's own users write (aws-cdk#27932).
const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const pos = i + 1;
    const rest = text.slice(i);
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]), pos });
      i += number[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      const w = word[0];
      // Ids "must start with a lowercase letter"; functions "must be written in uppercase" (using-metric-math).
      if (/^[a-z]/.test(w)) tokens.push({ type: 'id', text: w, pos });
      else if (/^[A-Z]/.test(w)) tokens.push({ type: 'name', text: w, pos });
      else throw new MetricMathSyntaxError(`"${w}" is neither an id (lowercase first) nor a function`, pos);
      i += w.length;
      continue;
    }
    const close = QUOTES[ch];
    if (close !== undefined) {
      const end = text.indexOf(close, i + 1);
      if (end < 0) throw new MetricMathSyntaxError('Unterminated string', pos);
      tokens.push({ type: 'string', value: text.slice(i + 1, end), pos });
      i = end + 1;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op === undefined) throw new MetricMathSyntaxError(`Unexpected character "${ch}"`, pos);
    tokens.push({ type: 'op', text: op, pos });
    i += op.length;
  }
  tokens.push({ type: 'end', pos: text.length + 1 });
  return tokens;
}

function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'end of expression';
    case 'number':
      return `number ${token.value}`;
    case 'string':
      return `string "${token.value}"`;
    default:
      return `"${token.text}"`;
  }
}

// Not documented: the precedence of the operators. We assume the conventional order, loosest first:
// OR, AND, comparisons, + -, * /, unary minus, ^ (right-associative, so -2^2 is -(2^2)).
const LEVELS: readonly (readonly string[])[] = [
  ['OR', '||'],
  ['AND', '&&'],
  ['==', '!=', '<', '<=', '>', '>='],
  ['+', '-'],
  ['*', '/'],
];

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): MathNode {
    const node = this.binary(0);
    const next = this.peek();
    if (next.type !== 'end') throw new MetricMathSyntaxError(`Unexpected ${describe(next)}`, next.pos);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? { type: 'end', pos: 0 };
  }

  private operatorAt(level: readonly string[]): BinaryOperator | undefined {
    const t = this.peek();
    if ((t.type === 'op' || t.type === 'name') && level.includes(t.text)) {
      if (t.text === '&&') return 'AND';
      if (t.text === '||') return 'OR';
      return t.text as BinaryOperator;
    }
    return undefined;
  }

  private binary(level: number): MathNode {
    const operators = LEVELS[level];
    if (operators === undefined) return this.unary();
    let left = this.binary(level + 1);
    for (let op = this.operatorAt(operators); op !== undefined; op = this.operatorAt(operators)) {
      this.index++;
      left = { kind: 'binary', op, left, right: this.binary(level + 1) };
    }
    return left;
  }

  private unary(): MathNode {
    const t = this.peek();
    if (t.type === 'op' && t.text === '-') {
      this.index++;
      return { kind: 'unary', operand: this.unary() };
    }
    return this.power();
  }

  private power(): MathNode {
    const base = this.primary();
    const t = this.peek();
    if (t.type === 'op' && t.text === '^') {
      this.index++;
      return { kind: 'binary', op: '^', left: base, right: this.unary() };
    }
    return base;
  }

  private expect(text: string): void {
    const t = this.peek();
    if (t.type !== 'op' || t.text !== text) {
      throw new MetricMathSyntaxError(`Expected "${text}" but found ${describe(t)}`, t.pos);
    }
    this.index++;
  }

  private list(close: string): MathNode[] {
    const items: MathNode[] = [];
    const first = this.peek();
    if (first.type === 'op' && first.text === close) {
      this.index++;
      return items;
    }
    for (;;) {
      items.push(this.binary(0));
      const t = this.peek();
      if (t.type === 'op' && t.text === ',') {
        this.index++;
        continue;
      }
      this.expect(close);
      return items;
    }
  }

  private primary(): MathNode {
    const t = this.peek();
    this.index++;
    switch (t.type) {
      case 'number':
        return { kind: 'number', value: t.value };
      case 'string':
        return { kind: 'string', value: t.value };
      case 'id': {
        const next = this.peek();
        if (next.type === 'op' && next.text === '(') {
          throw new MetricMathSyntaxError(`Function names must be uppercase, found "${t.text}("`, t.pos);
        }
        return { kind: 'ref', id: t.text };
      }
      case 'name': {
        const next = this.peek();
        if (next.type === 'op' && next.text === '(') {
          this.index++;
          return { kind: 'call', name: t.text, args: this.list(')') };
        }
        return { kind: 'name', name: t.text };
      }
      case 'op':
        if (t.text === '(') {
          const inner = this.binary(0);
          this.expect(')');
          return inner;
        }
        if (t.text === '[') return { kind: 'array', items: this.list(']') };
        throw new MetricMathSyntaxError(`Unexpected ${describe(t)}`, t.pos);
      case 'end':
        throw new MetricMathSyntaxError('Unexpected end of expression', t.pos);
    }
  }
}

/** Parses a metric-math expression; throws MetricMathSyntaxError naming the problem and its position. */
export function parseMetricMath(text: string): MathNode {
  return new Parser(tokenize(text)).parse();
}

/** Prints a tree back to expression text (every operation parenthesized, so it parses back the same). */
export function printMetricMath(node: MathNode): string {
  switch (node.kind) {
    case 'number':
      return String(node.value);
    case 'string':
      return JSON.stringify(node.value);
    case 'ref':
      return node.id;
    case 'name':
      return node.name;
    case 'unary':
      return `(-${printMetricMath(node.operand)})`;
    case 'binary':
      return `(${printMetricMath(node.left)} ${node.op} ${printMetricMath(node.right)})`;
    case 'call':
      return `${node.name}(${node.args.map(printMetricMath).join(', ')})`;
    case 'array':
      return `[${node.items.map(printMetricMath).join(', ')}]`;
  }
}

/** Reads one value for the datapoint window ending at `end` (epoch ms). */
export type Evaluate<T> = (source: MetricSource, end: number) => T;

/**
 * A compiled (sub)expression, by the doc's data types (using-metric-math, "Data type
 * abbreviations"): a scalar (S), a time series (TS) or an array of time series (TS[]).
 * `undefined` is a missing datapoint.
 */
export type MathValue =
  | { readonly kind: 'scalar'; readonly at: Evaluate<number | undefined> }
  | { readonly kind: 'series'; readonly at: Evaluate<number | undefined> }
  | {
      readonly kind: 'array';
      readonly size: number;
      readonly at: Evaluate<ReadonlyArray<number | undefined>>;
    };

/** What an expression can refer to: the other queries of the alarm. */
export interface MathScope {
  /** The compiled value of query `id`; throws MathProblem when it is unknown or not evaluable. */
  query(id: string): MathValue;
  /** The period in seconds of MetricStat query `id`; undefined when `id` is not a MetricStat query. */
  metricPeriod(id: string): number | undefined;
  /** Ids of the MetricStat queries, in the order of the alarm's `Metrics` (what METRICS() returns). */
  readonly metricIds: readonly string[];
}

/** Why an expression cannot be evaluated: names the function or construct. */
export class MathProblem extends Error {
  constructor(readonly feature: string) {
    super(feature);
    this.name = 'MathProblem';
  }
}

/** The functions this module evaluates. */
export const SUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set([
  'ABS',
  'AVG',
  'CEIL',
  'DATAPOINT_COUNT',
  'FILL',
  'FIRST',
  'FLOOR',
  'IF',
  'LAST',
  'LOG',
  'LOG10',
  'MAX',
  'METRIC_COUNT',
  'METRICS',
  'MIN',
  'PERIOD',
  'SUM',
  'TIME_SERIES',
]);

// Documented functions we do not evaluate, with the reason shown to the user.
const NOT_EVALUATED: Readonly<Record<string, string>> = {
  ANOMALY_DETECTION_BAND: 'only as the whole expression of the query named by ThresholdMetricId',
  DIFF: 'needs the preceding datapoint, and how far back an alarm reads is not documented',
  DIFF_TIME: 'needs the preceding datapoint, and how far back an alarm reads is not documented',
  RATE: 'needs the preceding datapoint, and how far back an alarm reads is not documented',
  RUNNING_SUM: 'depends on the range an alarm reads, which is not documented',
  REMOVE_EMPTY: 'depends on the range an alarm reads, which is not documented',
  SORT: 'orders by a statistic over the range an alarm reads, which is not documented',
  SLICE: 'not evaluated',
  STDDEV: 'not evaluated (sample or population deviation is not documented)',
  SEARCH: 'alarms cannot use SEARCH',
  SERVICE_QUOTA: 'reads service quotas, which a backtest does not have',
  INSIGHT_RULE_METRIC: 'reads Contributor Insights rules, which a backtest does not have',
  MINUTE: 'not evaluated',
  HOUR: 'not evaluated',
  DAY: 'not evaluated',
  DATE: 'not evaluated',
  MONTH: 'not evaluated',
  YEAR: 'not evaluated',
  EPOCH: 'not evaluated',
};

/** Every function in the tree this module does not evaluate, each named once with the reason. */
export function unsupportedFunctions(node: MathNode): string[] {
  const found = new Set<string>();
  const walk = (n: MathNode): void => {
    switch (n.kind) {
      case 'unary':
        walk(n.operand);
        return;
      case 'binary':
        walk(n.left);
        walk(n.right);
        return;
      case 'array':
        n.items.forEach(walk);
        return;
      case 'call': {
        if (!SUPPORTED_FUNCTIONS.has(n.name)) {
          const reason = NOT_EVALUATED[n.name];
          found.add(
            reason === undefined
              ? `${n.name} (not a documented metric-math function)`
              : `${n.name}: ${reason}`,
          );
        }
        n.args.forEach(walk);
        return;
      }
      default:
        return;
    }
  };
  walk(node);
  return [...found];
}

type Op = (a: number, b: number) => number | undefined;

// "If the value of a data point causes a function to attempt to divide by zero, the data point is
// dropped" (using-metric-math, "Basic arithmetic functions"). Not documented: other non-finite
// results (LOG(0), (-8)^0.5); we drop them too.
const finite = (x: number): number | undefined => (Number.isFinite(x) ? x : undefined);
const bool = (x: boolean): number => (x ? 1 : 0);
const OPS: Readonly<Record<BinaryOperator, Op>> = {
  '+': (a, b) => finite(a + b),
  '-': (a, b) => finite(a - b),
  '*': (a, b) => finite(a * b),
  '/': (a, b) => (b === 0 ? undefined : finite(a / b)),
  '^': (a, b) => finite(a ** b),
  '==': (a, b) => bool(a === b),
  '!=': (a, b) => bool(a !== b),
  '<': (a, b) => bool(a < b),
  '<=': (a, b) => bool(a <= b),
  '>': (a, b) => bool(a > b),
  '>=': (a, b) => bool(a >= b),
  // The condition of IF is TRUE for any non-zero value (using-metric-math, "Using IF expressions");
  // we read AND/OR operands the same way.
  AND: (a, b) => bool(a !== 0 && b !== 0),
  OR: (a, b) => bool(a !== 0 || b !== 0),
};

// Two time series: "only one of the time series has a value for a particular time stamp, the
// function treats the missing value in the other time series as 0" (comparisons) and "Missing
// values in a time series are treated as 0" (arithmetic) (using-metric-math). A timestamp neither
// series has stays missing.
function seriesPair(op: Op, a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined && b === undefined) return undefined;
  return op(a ?? 0, b ?? 0);
}

// A time series with a scalar: a missing datapoint of the series stays missing.
function withScalar(op: Op, a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : op(a, b);
}

// TS[] with TS or S applies the operator to every series of the array (using-metric-math).
function arrayWith(
  op: Op,
  array: Extract<MathValue, { kind: 'array' }>,
  other: Exclude<MathValue, { kind: 'array' }>,
  arrayFirst: boolean,
): MathValue {
  const arrayAt = array.at;
  const otherAt = other.at;
  const pair = other.kind === 'series' ? seriesPair : withScalar;
  return {
    kind: 'array',
    size: array.size,
    at: (s, e) => {
      const b = otherAt(s, e);
      return arrayAt(s, e).map((a) => (arrayFirst ? pair(op, a, b) : pair(op, b, a)));
    },
  };
}

function expectValue(value: MathValue | Keyword, what: string): MathValue {
  if ('keyword' in value) throw new MathProblem(`${value.keyword} is not a value (in ${what})`);
  return value;
}

interface Keyword {
  readonly keyword: string;
}

class Compiler {
  constructor(private readonly scope: MathScope) {}

  compile(node: MathNode): MathValue | Keyword {
    switch (node.kind) {
      case 'number': {
        const value = node.value;
        return { kind: 'scalar', at: () => value };
      }
      case 'string':
        throw new MathProblem(`a string ("${node.value}") is only valid as the argument of METRICS`);
      case 'name':
        return { keyword: node.name };
      case 'ref':
        return this.scope.query(node.id);
      case 'unary':
        return this.map(expectValue(this.compile(node.operand), 'unary minus'), (x) => finite(-x));
      case 'binary':
        return this.binary(node.op, node.left, node.right);
      case 'array':
        return this.array(node.items.map((item) => expectValue(this.compile(item), 'an array')));
      case 'call':
        return this.call(node);
    }
  }

  private value(node: MathNode, what: string): MathValue {
    return expectValue(this.compile(node), what);
  }

  private map(value: MathValue, f: (x: number) => number | undefined): MathValue {
    const apply = (x: number | undefined) => (x === undefined ? undefined : f(x));
    if (value.kind === 'array') {
      const at = value.at;
      return { kind: 'array', size: value.size, at: (s, e) => at(s, e).map(apply) };
    }
    const at = value.at;
    return { kind: value.kind, at: (s, e) => apply(at(s, e)) };
  }

  private binary(operator: BinaryOperator, leftNode: MathNode, rightNode: MathNode): MathValue {
    const op = OPS[operator];
    const left = this.value(leftNode, operator);
    const right = this.value(rightNode, operator);
    if (left.kind === 'array' || right.kind === 'array') {
      if (left.kind === 'array' && right.kind !== 'array') return arrayWith(op, left, right, true);
      if (right.kind === 'array' && left.kind !== 'array') return arrayWith(op, right, left, false);
      throw new MathProblem(`${operator} between two arrays of time series (not documented)`);
    }
    const l = left.at;
    const r = right.at;
    if (left.kind === 'scalar' && right.kind === 'scalar') {
      return { kind: 'scalar', at: (s, e) => withScalar(op, l(s, e), r(s, e)) };
    }
    if (left.kind === 'series' && right.kind === 'series') {
      return { kind: 'series', at: (s, e) => seriesPair(op, l(s, e), r(s, e)) };
    }
    return { kind: 'series', at: (s, e) => withScalar(op, l(s, e), r(s, e)) };
  }

  // An array literal flattens arrays inside it: SUM([METRICS("4xx"), METRICS("5xx")]) (using-metric-math).
  private array(items: readonly MathValue[]): MathValue {
    const parts = items.map((item) => {
      if (item.kind === 'scalar') throw new MathProblem('a scalar inside an array of time series');
      return item;
    });
    const size = parts.reduce((n, p) => n + (p.kind === 'array' ? p.size : 1), 0);
    return {
      kind: 'array',
      size,
      at: (s, e) => {
        const out: (number | undefined)[] = [];
        for (const p of parts) {
          if (p.kind === 'array') out.push(...p.at(s, e));
          else out.push(p.at(s, e));
        }
        return out;
      },
    };
  }

  private arity(name: string, args: readonly MathNode[], min: number, max: number): void {
    if (args.length < min || args.length > max) {
      const expected = min === max ? `${min}` : `${min} to ${max}`;
      throw new MathProblem(`${name} takes ${expected} arguments, got ${args.length}`);
    }
  }

  private call(node: Extract<MathNode, { kind: 'call' }>): MathValue {
    const { name, args } = node;
    switch (name) {
      case 'ABS':
        this.arity(name, args, 1, 1);
        return this.elementwise(name, args, Math.abs);
      case 'CEIL':
        this.arity(name, args, 1, 1);
        return this.elementwise(name, args, Math.ceil);
      case 'FLOOR':
        this.arity(name, args, 1, 1);
        return this.elementwise(name, args, Math.floor);
      case 'LOG':
        this.arity(name, args, 1, 1);
        return this.elementwise(name, args, Math.log);
      case 'LOG10':
        this.arity(name, args, 1, 1);
        return this.elementwise(name, args, Math.log10);
      case 'SUM':
      case 'AVG':
      case 'MIN':
      case 'MAX':
      case 'DATAPOINT_COUNT':
        this.arity(name, args, 1, 1);
        return this.aggregate(name, this.arrayArgument(name, args));
      case 'METRIC_COUNT': {
        this.arity(name, args, 1, 1);
        const size = this.arrayArgument(name, args).size;
        // METRIC_COUNT: "the number of metrics in the time series array" (using-metric-math).
        return { kind: 'scalar', at: () => size };
      }
      case 'METRICS':
        return this.metrics(args);
      case 'FIRST':
      case 'LAST':
        return this.firstOrLast(name, args);
      case 'IF':
        return this.conditional(args);
      case 'FILL':
        return this.fill(args);
      case 'PERIOD':
        return this.period(args);
      case 'TIME_SERIES': {
        this.arity(name, args, 1, 1);
        const scalar = this.value(args[0] as MathNode, name);
        if (scalar.kind !== 'scalar') throw new MathProblem('TIME_SERIES takes a scalar');
        // "a non-sparse time series where every value is set to a scalar argument" (using-metric-math).
        return { kind: 'series', at: scalar.at };
      }
      default: {
        const [problem] = unsupportedFunctions(node);
        throw new MathProblem(problem ?? name);
      }
    }
  }

  private elementwise(name: string, args: readonly MathNode[], f: (x: number) => number): MathValue {
    return this.map(this.value(args[0] as MathNode, name), (x) => finite(f(x)));
  }

  private arrayArgument(name: string, args: readonly MathNode[]): Extract<MathValue, { kind: 'array' }> {
    const value = this.value(args[0] as MathNode, name);
    if (value.kind === 'array') return value;
    if (value.kind === 'series') {
      // Of a single series these return one scalar over the whole range an alarm reads, which the
      // doc warns "acts differently when extra data is requested" (using-metric-math).
      throw new MathProblem(
        `${name} of a single time series (depends on the undocumented range an alarm reads)`,
      );
    }
    throw new MathProblem(`${name} takes a time series or an array of time series`);
  }

  private aggregate(name: string, array: Extract<MathValue, { kind: 'array' }>): MathValue {
    const at = array.at;
    const reduce = AGGREGATES[name];
    if (reduce === undefined) throw new MathProblem(name);
    return {
      kind: 'series',
      at: (s, e) => {
        const values = at(s, e);
        const present = values.filter((v): v is number => v !== undefined);
        // A timestamp no series of the array has is not in the result.
        return present.length === 0 ? undefined : reduce(values, present);
      },
    };
  }

  private metrics(args: readonly MathNode[]): MathValue {
    this.arity('METRICS', args, 0, 1);
    const filter = args[0];
    if (filter !== undefined && filter.kind !== 'string') throw new MathProblem('METRICS takes a string');
    // "returns only the graphed metrics that contain that string in their Id field"; "Math
    // expressions aren't included" (using-metric-math).
    const ids = this.scope.metricIds.filter((id) => filter === undefined || id.includes(filter.value));
    const series = ids.map((id) => {
      const value = this.scope.query(id);
      if (value.kind !== 'series') throw new MathProblem(`METRICS: query "${id}" is not a time series`);
      return value.at;
    });
    return { kind: 'array', size: series.length, at: (s, e) => series.map((at) => at(s, e)) };
  }

  private firstOrLast(name: string, args: readonly MathNode[]): MathValue {
    this.arity(name, args, 1, 1);
    const array = this.value(args[0] as MathNode, name);
    if (array.kind !== 'array') throw new MathProblem(`${name} takes an array of time series`);
    if (array.size === 0) throw new MathProblem(`${name} of an empty array`);
    const index = name === 'FIRST' ? 0 : array.size - 1;
    const at = array.at;
    return { kind: 'series', at: (s, e) => at(s, e)[index] };
  }

  // IF(condition, trueValue, falseValue) per using-metric-math, "Using IF expressions".
  private conditional(args: readonly MathNode[]): MathValue {
    this.arity('IF', args, 2, 3);
    const [condNode, thenNode, elseNode] = args as [MathNode, MathNode, MathNode | undefined];
    const cond = this.value(condNode, 'IF');
    const then = this.value(thenNode, 'IF');
    const otherwise = elseNode === undefined ? undefined : this.value(elseNode, 'IF');
    if (cond.kind === 'array' || then.kind === 'array' || otherwise?.kind === 'array') {
      throw new MathProblem('IF over arrays of time series (not among the documented IF syntaxes)');
    }
    const c = cond.at;
    const t = then.at;
    const f = otherwise?.at;
    if (cond.kind === 'scalar') {
      // IF(scalar1, metric2, metric3): metric2 when scalar1 is TRUE, metric3 when FALSE, "an empty
      // time series, if metric3 is omitted".
      const kind = then.kind === 'series' || otherwise?.kind === 'series' ? 'series' : 'scalar';
      return {
        kind,
        at: (s, e) => {
          const v = c(s, e);
          if (v === undefined) return undefined;
          return v !== 0 ? t(s, e) : f?.(s, e);
        },
      };
    }
    // A time-series condition: missing condition datapoint → dropped; TRUE with a missing datapoint
    // in the TRUE series → 0; FALSE with a missing (or omitted) FALSE value → dropped.
    const thenMissing = then.kind === 'series' ? 0 : undefined;
    return {
      kind: 'series',
      at: (s, e) => {
        const v = c(s, e);
        if (v === undefined) return undefined;
        if (v !== 0) return t(s, e) ?? thenMissing;
        return f?.(s, e);
      },
    };
  }

  private fill(args: readonly MathNode[]): MathValue {
    this.arity('FILL', args, 2, 2);
    const target = this.value(args[0] as MathNode, 'FILL');
    const filler = this.compile(args[1] as MathNode);
    if ('keyword' in filler) {
      if (filler.keyword === 'REPEAT' || filler.keyword === 'LINEAR') {
        // The doc does not say how far back (REPEAT) or forward (LINEAR) an alarm's evaluation reads.
        throw new MathProblem(`FILL with ${filler.keyword} (the range an alarm reads is not documented)`);
      }
      throw new MathProblem(`FILL with ${filler.keyword}`);
    }
    if (target.kind === 'scalar')
      throw new MathProblem('FILL takes a time series or an array of time series');
    if (filler.kind === 'array') throw new MathProblem('FILL with an array as the filler');
    const fillAt = filler.at;
    // FILL "Fills the missing values of a time series" with a scalar or, for FILL(METRICS(), m1),
    // another series (using-metric-math).
    if (target.kind === 'array') {
      const at = target.at;
      return {
        kind: 'array',
        size: target.size,
        at: (s, e) => {
          const values = at(s, e);
          return values.includes(undefined) ? values.map((v) => v ?? fillAt(s, e)) : values;
        },
      };
    }
    const at = target.at;
    return { kind: 'series', at: (s, e) => at(s, e) ?? fillAt(s, e) };
  }

  private period(args: readonly MathNode[]): MathValue {
    this.arity('PERIOD', args, 1, 1);
    const arg = args[0] as MathNode;
    // "Valid input is metrics, not the results of other expressions" (using-metric-math).
    const seconds = arg.kind === 'ref' ? this.scope.metricPeriod(arg.id) : undefined;
    if (seconds === undefined) throw new MathProblem('PERIOD takes the id of a metric (not an expression)');
    return { kind: 'scalar', at: () => seconds };
  }
}

type Reduce = (all: ReadonlyArray<number | undefined>, present: readonly number[]) => number | undefined;

// SUM and AVG of an array treat missing values as 0 (AVG: "Missing values are treated as 0";
// arithmetic: "Missing values in a time series are treated as 0") (using-metric-math).
// Not documented: MIN and MAX of an array; we assume they skip the series without a datapoint.
const AGGREGATES: Readonly<Record<string, Reduce>> = {
  SUM: (_all, present) => finite(present.reduce((a, b) => a + b, 0)),
  AVG: (all, present) => finite(present.reduce((a, b) => a + b, 0) / all.length),
  MIN: (_all, present) => Math.min(...present),
  MAX: (_all, present) => Math.max(...present),
  // "Returns a count of the data points that reported values" (using-metric-math).
  DATAPOINT_COUNT: (_all, present) => present.length,
};

/**
 * Compiles a parsed expression against the alarm's other queries, once; the result is read per
 * window with no further parsing. Throws MathProblem naming what is not evaluated.
 */
export function compileMetricMath(node: MathNode, scope: MathScope): MathValue {
  const [unsupported] = unsupportedFunctions(node);
  if (unsupported !== undefined) throw new MathProblem(unsupported);
  return expectValue(new Compiler(scope).compile(node), 'the expression');
}
