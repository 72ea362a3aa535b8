import fc from 'fast-check';
import type { MetricSource } from '../../../constructs/alarm-engine/compiled-metric';
import {
  compileMetricMath,
  type MathNode,
  MathProblem,
  type MathScope,
  MetricMathSyntaxError,
  parseMetricMath,
  printMetricMath,
  unsupportedFunctions,
} from '../../../constructs/alarm-engine/metric-math';

// Series given as arrays: the value at index i is the datapoint of the window ending at i; `-` in
// the doc's tables is `undefined` here.
type Values = ReadonlyArray<number | undefined>;
const source: MetricSource = { datapoint: () => undefined, series: () => [] };

function scopeOf(
  series: Readonly<Record<string, Values>>,
  periods: Readonly<Record<string, number>> = {},
): MathScope {
  return {
    metricIds: Object.keys(series),
    metricPeriod: (id) => periods[id],
    query: (id) => {
      const values = series[id];
      if (values === undefined) throw new MathProblem(`unknown query id "${id}"`);
      return { kind: 'series', at: (_s, end) => values[end] };
    },
  };
}

/** Evaluates `expression` at windows 0..length-1. */
function run(expression: string, series: Readonly<Record<string, Values>>, length = 5): Values {
  const value = compileMetricMath(parseMetricMath(expression), scopeOf(series));
  if (value.kind === 'array') throw new Error('array result');
  return Array.from({ length }, (_, i) => value.at(source, i));
}

function problemOf(expression: string, series: Readonly<Record<string, Values>> = {}): string {
  try {
    compileMetricMath(parseMetricMath(expression), scopeOf(series));
  } catch (e) {
    if (e instanceof MathProblem) return e.feature;
    throw e;
  }
  throw new Error(`${expression} compiled`);
}

describe('parsing', () => {
  it('reads every expression Vigil synthesizes', () => {
    expect(parseMetricMath('IF(invocations > 0, 100 * errors / invocations, 0)')).toEqual({
      kind: 'call',
      name: 'IF',
      args: [
        {
          kind: 'binary',
          op: '>',
          left: { kind: 'ref', id: 'invocations' },
          right: { kind: 'number', value: 0 },
        },
        {
          kind: 'binary',
          op: '/',
          left: {
            kind: 'binary',
            op: '*',
            left: { kind: 'number', value: 100 },
            right: { kind: 'ref', id: 'errors' },
          },
          right: { kind: 'ref', id: 'invocations' },
        },
        { kind: 'number', value: 0 },
      ],
    });
    for (const e of [
      'IF(requests >= 20, 100 * clientErrors / requests, 0)',
      'IF(total > 0, bad / total, 0)',
      'IF(ISNUMBER(fast), 1 - fast / 100, 0)',
      'ANOMALY_DETECTION_BAND(m0, 3)',
      'consumed / PERIOD(consumed)',
    ]) {
      expect(() => parseMetricMath(e)).not.toThrow();
    }
  });

  it('applies conventional precedence: * before +, comparison before AND before OR, ^ before unary minus', () => {
    expect(run('TIME_SERIES(2 + 3 * 4)', {}, 1)).toEqual([14]);
    expect(run('TIME_SERIES(10 - 4 - 3)', {}, 1)).toEqual([3]);
    expect(run('TIME_SERIES(2 ^ 3 ^ 2)', {}, 1)).toEqual([512]);
    expect(run('TIME_SERIES(-2 ^ 2)', {}, 1)).toEqual([-4]);
    expect(run('TIME_SERIES(1 OR 0 AND 0)', {}, 1)).toEqual([1]);
    expect(run('TIME_SERIES(1 + 1 == 2 && 3 > 2)', {}, 1)).toEqual([1]);
    expect(run('TIME_SERIES((2 + 3) * 4)', {}, 1)).toEqual([20]);
  });

  it('reads && and || as AND and OR (using-metric-math, "Comparison and logical operators")', () => {
    expect(parseMetricMath('a > 1 && b > 1 || c')).toEqual(parseMetricMath('a > 1 AND b > 1 OR c'));
  });

  it.each([
    ['m1 +', 'Unexpected end of expression at position 5'],
    ['(m1 + m2', 'Expected ")" but found end of expression at position 9'],
    ['m1 + * m2', 'Unexpected "*" at position 6'],
    ['abs(m1)', 'Function names must be uppercase, found "abs(" at position 1'],
    ['m1 # 2', 'Unexpected character "#" at position 4'],
    ['m1 m2', 'Unexpected "m2" at position 4'],
    ['METRICS("errors)', 'Unterminated string at position 9'],
    ['IF(m1, 1, 2', 'Expected ")" but found end of expression at position 12'],
  ])('rejects %j with the problem and its position', (expression, message) => {
    expect(() => parseMetricMath(expression)).toThrow(MetricMathSyntaxError);
    expect(() => parseMetricMath(expression)).toThrow(message);
  });

  // Property: printing a tree and parsing the text gives the same tree.
  const ids = fc.constantFrom('m1', 'errors', 'invocations', 'q_2');
  const ops = fc.constantFrom('+', '-', '*', '/', '^', '==', '!=', '<', '<=', '>', '>=', 'AND', 'OR');
  const tree: fc.Arbitrary<MathNode> = fc.letrec<{ node: MathNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc
        .double({ min: 0, max: 1e6, noNaN: true })
        .map((value) => ({ kind: 'number' as const, value: value + 0 })),
      ids.map((id) => ({ kind: 'ref' as const, id })),
      tie('node').map((operand) => ({ kind: 'unary' as const, operand })),
      fc
        .tuple(ops, tie('node'), tie('node'))
        .map(([op, left, right]) => ({ kind: 'binary' as const, op, left, right })),
      fc
        .tuple(fc.constantFrom('IF', 'SUM', 'FILL', 'ABS'), fc.array(tie('node'), { maxLength: 3 }))
        .map(([name, args]) => ({ kind: 'call' as const, name, args })),
      fc.array(tie('node'), { maxLength: 3 }).map((items) => ({ kind: 'array' as const, items })),
      fc.constantFrom('REPEAT', 'LINEAR').map((name) => ({ kind: 'name' as const, name })),
      fc
        .string({ unit: 'grapheme-ascii' })
        .filter((s) => !s.includes('"') && !s.includes('\\'))
        .map((value) => ({
          kind: 'string' as const,
          value,
        })),
    ),
  })).node;

  it('parses a printed tree back to the same tree (property)', () => {
    fc.assert(fc.property(tree, (node) => expect(parseMetricMath(printMetricMath(node))).toEqual(node)));
  });

  it('evaluates unparenthesized arithmetic over constants exactly like JavaScript (property)', () => {
    const term = fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 1000 }));
    const sequence = fc.tuple(
      term,
      fc.array(fc.tuple(fc.constantFrom('+', '-', '*', '/'), term), { maxLength: 8 }),
    );
    fc.assert(
      fc.property(sequence, ([first, rest]) => {
        const text = (t: [boolean, number]) => (t[0] ? `-${t[1]}` : `${t[1]}`);
        const expression = [text(first), ...rest.map(([op, t]) => `${op} ${text(t)}`)].join(' ');
        // Divisors are single non-zero constants here, so JavaScript never divides by zero.
        const expected = Function(`return ${expression};`)();
        expect(run(`TIME_SERIES(${expression})`, {}, 1)).toEqual([expected]);
      }),
    );
  });
});

describe('doc examples (using-metric-math)', () => {
  const metric1 = [30, 20, 0, 0];
  const metric2 = [20, undefined, 20, undefined];

  it('comparison between two series treats the missing value as 0 ("Comparison and logical operators")', () => {
    expect(run('metric1 < metric2', { metric1, metric2 }, 4)).toEqual([0, 0, 1, 0]);
    expect(run('metric1 >= 30', { metric1, metric2 }, 4)).toEqual([1, 0, 0, 0]);
    expect(run('metric1 > 15 AND metric2 > 15', { metric1, metric2 }, 4)).toEqual([1, 0, 0, 0]);
  });

  const ifMetric1 = [1, 1, 0, 0, undefined];
  const ifMetric2 = [30, undefined, 0, 0, 30];
  const ifMetric3 = [0, 0, 20, undefined, 20];
  const ifSeries = { metric1: ifMetric1, metric2: ifMetric2, metric3: ifMetric3 };

  it('IF(metric1, metric2, metric3) is [30, 0, 20, -, -] ("Using IF expressions")', () => {
    expect(run('IF(metric1, metric2, metric3)', ifSeries)).toEqual([30, 0, 20, undefined, undefined]);
  });

  it('IF(metric1, scalar2, metric3) is [5, 5, 20, -, -]', () => {
    expect(run('IF(metric1, 5, metric3)', ifSeries)).toEqual([5, 5, 20, undefined, undefined]);
  });

  it('IF(metric1, metric2, scalar3) is [30, 0, 5, 5, -]', () => {
    expect(run('IF(metric1, metric2, 5)', ifSeries)).toEqual([30, 0, 5, 5, undefined]);
  });

  it('IF without a false value drops the FALSE datapoints', () => {
    expect(run('IF(metric1 < 400, metric1)', { metric1: [100, 500, undefined] }, 3)).toEqual([
      100,
      undefined,
      undefined,
    ]);
  });

  it('IF(scalar, metric2, metric3) picks a whole series', () => {
    expect(run('IF(1, metric2, metric3)', ifSeries)).toEqual(ifMetric2);
    expect(run('IF(0, metric2, metric3)', ifSeries)).toEqual(ifMetric3);
  });

  it('arithmetic treats a missing value as 0 and drops a division by zero ("Basic arithmetic functions")', () => {
    expect(run('a + b', { a: [1, undefined, undefined], b: [2, 3, undefined] }, 3)).toEqual([
      3,
      3,
      undefined,
    ]);
    expect(run('a / b', { a: [4, 4, undefined], b: [2, 0, 2] }, 3)).toEqual([2, undefined, 0]);
    expect(run('a * 2', { a: [4, undefined] }, 2)).toEqual([8, undefined]);
    expect(run('-a', { a: [4, undefined] }, 2)).toEqual([-4, undefined]);
  });

  it('ABS, CEIL, FLOOR, LOG and LOG10 apply to each datapoint', () => {
    const m1 = [-1.5, 2.5, undefined];
    expect(run('ABS(m1)', { m1 }, 3)).toEqual([1.5, 2.5, undefined]);
    expect(run('CEIL(m1)', { m1 }, 3)).toEqual([-1, 3, undefined]);
    expect(run('FLOOR(m1)', { m1 }, 3)).toEqual([-2, 2, undefined]);
    expect(run('LOG10(m1)', { m1: [100, 0.001] }, 2)).toEqual([2, -3]);
    expect(run('LOG(m1)', { m1: [Math.E, 0] }, 2)).toEqual([1, undefined]);
  });

  it('SUM and AVG of an array treat missing values as 0; MIN and MAX skip them', () => {
    const series = { m1: [10, undefined, undefined], m2: [20, 6, undefined] };
    expect(run('SUM([m1, m2])', series, 3)).toEqual([30, 6, undefined]);
    expect(run('AVG([m1, m2])', series, 3)).toEqual([15, 3, undefined]);
    expect(run('MIN([m1, m2])', series, 3)).toEqual([10, 6, undefined]);
    expect(run('MAX([m1, m2])', series, 3)).toEqual([20, 6, undefined]);
    expect(run('DATAPOINT_COUNT(METRICS())', series, 3)).toEqual([2, 1, undefined]);
  });

  it('METRICS("errors") keeps the metrics whose id contains the string; METRIC_COUNT counts them', () => {
    const series = { errors4xx: [1], errors5xx: [2], requests: [100] };
    expect(run('SUM(METRICS("errors"))', series, 1)).toEqual([3]);
    expect(run('SUM([METRICS("4xx"), METRICS("5xx")])', series, 1)).toEqual([3]);
    expect(run('TIME_SERIES(METRIC_COUNT(METRICS()))', series, 1)).toEqual([3]);
    expect(run('SUM(METRICS() / 100)', series, 1)).toEqual([1.03]);
  });

  it('FIRST and LAST pick a series of an array', () => {
    const series = { m1: [1], m2: [2] };
    expect(run('FIRST([m1, m2])', series, 1)).toEqual([1]);
    expect(run('LAST([m1, m2])', series, 1)).toEqual([2]);
  });

  it('FILL replaces missing datapoints with a constant or another series', () => {
    const series = { m1: [1, undefined, undefined], m2: [9, 8, undefined] };
    expect(run('FILL(m1, 10)', series, 3)).toEqual([1, 10, 10]);
    expect(run('FILL(m1, m2)', series, 3)).toEqual([1, 8, undefined]);
    expect(run('SUM(FILL(METRICS(), 0))', series, 3)).toEqual([10, 8, 0]);
  });

  it('PERIOD(m1) is the metric period in seconds', () => {
    const value = compileMetricMath(
      parseMetricMath('consumed / PERIOD(consumed)'),
      scopeOf({ consumed: [600] }, { consumed: 300 }),
    );
    expect(value.kind).toBe('series');
    expect(value.kind !== 'array' && value.at(source, 0)).toBe(2);
  });
});

describe('unsupported', () => {
  it('names functions that are not documented, such as ISNUMBER', () => {
    expect(unsupportedFunctions(parseMetricMath('IF(ISNUMBER(fast), 1 - fast / 100, NOT(x))'))).toEqual([
      'ISNUMBER (not a documented metric-math function)',
      'NOT (not a documented metric-math function)',
    ]);
    expect(problemOf('IF(ISNUMBER(fast), 1 - fast / 100, 0)', { fast: [1] })).toBe(
      'ISNUMBER (not a documented metric-math function)',
    );
  });

  it('names documented functions it does not evaluate, with the reason', () => {
    expect(problemOf('RATE(m1)', { m1: [1] })).toMatch(/^RATE: needs the preceding datapoint/);
    expect(problemOf('FILL(m1, REPEAT)', { m1: [1] })).toMatch(/^FILL with REPEAT/);
    expect(problemOf('FILL(m1, LINEAR)', { m1: [1] })).toMatch(/^FILL with LINEAR/);
    expect(problemOf('m1 - AVG(m1)', { m1: [1] })).toMatch(/^AVG of a single time series/);
    expect(problemOf('m1 / STDDEV(m1)', { m1: [1] })).toMatch(/^STDDEV/);
  });

  it('rejects misuse by name', () => {
    expect(problemOf('PERIOD(m1 * 2)', { m1: [1] })).toBe(
      'PERIOD takes the id of a metric (not an expression)',
    );
    expect(problemOf('IF(m1)', { m1: [1] })).toBe('IF takes 2 to 3 arguments, got 1');
    expect(problemOf('nope + 1')).toBe('unknown query id "nope"');
    expect(problemOf('METRICS() + METRICS()', { m1: [1] })).toMatch(/between two arrays/);
  });
});
