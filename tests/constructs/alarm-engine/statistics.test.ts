import fc from 'fast-check';
import {
  aggregate,
  parseStatistic,
  percentileFraction,
  type Statistic,
} from '../../../constructs/alarm-engine/statistics';

function parsed(name: string): Statistic {
  const statistic = parseStatistic(name);
  if (statistic.kind === 'unsupported') throw new Error(`${name}: ${statistic.problem}`);
  return statistic;
}

function of(name: string, values: readonly number[]): number | undefined {
  return aggregate(parsed(name), values);
}

const oneToTen = [7, 3, 10, 1, 9, 2, 8, 4, 6, 5];
const skewed = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100];

describe('the basic statistics (Statistics-definitions.md)', () => {
  it.each([
    ['SampleCount', 10],
    ['Sum', 55],
    ['Average', 5.5],
    ['Minimum', 1],
    ['Maximum', 10],
  ])('%s of 1..10 is %d', (name, expected) => {
    expect(of(name, oneToTen)).toBe(expected);
  });

  it('gives no datapoint for a window without samples', () => {
    for (const name of ['SampleCount', 'Sum', 'Average', 'p99', 'TM(10%:90%)', 'PR(:5)']) {
      expect(of(name, [])).toBeUndefined();
    }
  });
});

describe('percentiles: nearest rank, so p99 is "the maximum value of the remaining 99%"', () => {
  it.each([
    ['p0', 1],
    ['p10', 1],
    ['p50', 5],
    ['p55', 6],
    ['p90', 9],
    ['p99', 10],
    ['p100', 10],
  ])('%s of 1..10 is %d', (name, expected) => {
    expect(of(name, oneToTen)).toBe(expected);
  });

  it('p99 of 100 samples leaves out only the highest one', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(of('p99', values)).toBe(99);
    expect(of('p99.5', values)).toBe(100);
    expect(of('p29', values)).toBe(29);
  });

  it('is not available over negative values ("not available for metrics when any of the metric values are negative")', () => {
    expect(of('p50', [-1, 2, 3])).toBeUndefined();
    expect(of('TM(10%:90%)', [-1, 2, 3])).toBeUndefined();
    expect(of('PR(:5)', [-1, 2, 3])).toBeUndefined();
    expect(of('Sum', [-1, 2, 3])).toBe(4);
  });

  it('reports the percentile of a pNN statistic as a fraction, and of no other', () => {
    expect(percentileFraction(parsed('p99'))).toBeCloseTo(0.99);
    expect(percentileFraction(parsed('tm99'))).toBeUndefined();
    expect(percentileFraction(parsed('Average'))).toBeUndefined();
  });
});

describe('trimmed mean, count and sum, winsorized mean (Statistics-definitions.md)', () => {
  it('tm90 "calculates the average after removing the 10% of data points with the highest values"', () => {
    expect(of('tm90', skewed)).toBe(5);
    expect(of('TM(:90%)', skewed)).toBe(5);
  });

  it('TM(10%:90%) removes the lowest and the highest 10%', () => {
    expect(of('TM(10%:90%)', skewed)).toBe(5.5);
  });

  it('IQM is TM(25%:75%), the middle 50% of values', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 80];
    expect(of('IQM', values)).toBe(4.5);
    expect(of('IQM', values)).toBe(of('TM(25%:75%)', values));
  });

  it('TM(150:1000) removes "all data points that are lower than or equal to 150, or higher than 1000"', () => {
    expect(of('TM(150:1000)', [100, 150, 151, 500, 1000, 1001])).toBeCloseTo((151 + 500 + 1000) / 3);
  });

  it('TC(0.005:0.030) counts values between 0.005 (exclusive) and 0.030 (inclusive)', () => {
    expect(of('TC(0.005:0.030)', [0.005, 0.01, 0.03, 0.031])).toBe(2);
  });

  it('TC(:0.5) "uses only the values that equal 0.5 or are lower"', () => {
    expect(of('TC(:0.5)', [0.1, 0.5, 0.6])).toBe(2);
  });

  it('tc90 and ts90 leave out the highest 10%, and TS is TM × TC', () => {
    expect(of('tc90', skewed)).toBe(9);
    expect(of('ts90', skewed)).toBe(45);
    expect(of('TS(80%:)', skewed)).toBe(109);
    expect(of('TC(80%:)', skewed)).toBe(2);
  });

  it('wm90 treats the highest 10% as the value at the 90th percentile', () => {
    expect(of('wm90', skewed)).toBe((45 + 9) / 10);
  });

  it('WM(10%:90%) treats the lowest 10% as the 10% boundary value and the highest 10% as the 90% one', () => {
    expect(of('WM(10%:90%)', skewed)).toBe((2 + 44 + 9) / 10);
  });

  it('WM with value boundaries clamps the samples to the boundaries', () => {
    expect(of('WM(2:8)', oneToTen)).toBe((2 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 8 + 8) / 10);
  });

  it('a trimmed mean over a range holding no sample has no datapoint; its count and sum are 0', () => {
    expect(of('TM(200:300)', oneToTen)).toBeUndefined();
    expect(of('TC(200:300)', oneToTen)).toBe(0);
    expect(of('TS(200:300)', oneToTen)).toBe(0);
  });
});

describe('percentile rank', () => {
  it('PR(:300) "returns the percentage of data points that have a value of 300 or less"', () => {
    expect(of('PR(:300)', [100, 300, 301, 500])).toBe(50);
  });

  it('is exclusive on the lower bound and inclusive on the upper bound', () => {
    expect(of('PR(100:2000)', [100, 150, 2000, 2001])).toBe(50);
    expect(of('PR(10:)', [5, 10, 11, 12])).toBe(50);
  });
});

describe('parseStatistic', () => {
  it('reads the documented spellings', () => {
    expect(parsed('TM(5%:95%)')).toEqual({
      kind: 'trimmedMean',
      name: 'TM(5%:95%)',
      bounds: { percent: true, lower: 5, upper: 95 },
    });
    expect(parsed('TM(100:200)')).toMatchObject({ bounds: { percent: false, lower: 100, upper: 200 } });
    expect(parsed('tm99')).toMatchObject({ kind: 'trimmedMean', bounds: { percent: true, upper: 99 } });
    expect(parsed('p99.9')).toEqual({ kind: 'percentile', name: 'p99.9', percentile: 99.9 });
    expect(parsed('PR(:1)')).toEqual({ kind: 'percentileRank', name: 'PR(:1)', upper: 1 });
  });

  it.each([
    ['Median', 'not a CloudWatch statistic'],
    ['P99', 'not a CloudWatch statistic'],
    ['tm(10%:90%)', 'not a CloudWatch statistic'],
    ['TM99', 'not a CloudWatch statistic'],
    ['p101', 'between p0 and p100'],
    ['tm101', 'between 0 and 100'],
    ['TM(10:90%)', 'both boundaries'],
    ['TM(90%:10%)', 'lower boundary is above'],
    ['TM(:)', 'needs a boundary'],
    ['PR(10%:20%)', 'values, not percentages'],
    ['WM(5%:150%)', 'between 0 and 100'],
  ])('reports %s as unsupported (%s) rather than guessing', (name, problem) => {
    const statistic = parseStatistic(name);
    expect(statistic.kind).toBe('unsupported');
    expect(statistic.kind === 'unsupported' && statistic.problem).toContain(problem);
  });
});

describe('properties', () => {
  const samples = fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 });
  const statistics = fc.constantFrom(
    'SampleCount',
    'Sum',
    'Average',
    'Minimum',
    'Maximum',
    'p50',
    'p99.9',
    'tm90',
    'TM(10%:90%)',
    'WM(5%:95%)',
    'TC(100:5000)',
    'TS(:50%)',
    'PR(10:1000)',
    'IQM',
  );

  it('aggregation does not depend on the order of the samples', () => {
    fc.assert(
      fc.property(
        samples.chain((values) =>
          fc.tuple(
            fc.constant(values),
            fc.shuffledSubarray(values, { minLength: values.length, maxLength: values.length }),
          ),
        ),
        statistics,
        ([values, shuffled], name) => {
          expect(Object.is(of(name, shuffled), of(name, values))).toBe(true);
        },
      ),
    );
  });

  it('Sum = Average × SampleCount', () => {
    fc.assert(
      fc.property(samples, (values) => {
        const sum = of('Sum', values) as number;
        const product = (of('Average', values) as number) * (of('SampleCount', values) as number);
        expect(Math.abs(sum - product)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(sum)));
      }),
    );
  });

  it('Minimum ≤ pNN ≤ Maximum, and pNN is one of the samples', () => {
    fc.assert(
      fc.property(samples, fc.integer({ min: 0, max: 100 }), (values, percentile) => {
        const value = of(`p${percentile}`, values) as number;
        expect(value).toBeGreaterThanOrEqual(of('Minimum', values) as number);
        expect(value).toBeLessThanOrEqual(of('Maximum', values) as number);
        expect(values).toContain(value);
      }),
    );
  });

  it('TS = TM × TC, and a trimmed mean lies between the minimum and maximum', () => {
    fc.assert(
      fc.property(
        samples,
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 50, max: 100 }),
        (values, lo, hi) => {
          const range = `(${lo}%:${hi}%)`;
          const count = of(`TC${range}`, values) as number;
          const mean = of(`TM${range}`, values);
          if (count === 0) return;
          const sum = of(`TS${range}`, values) as number;
          expect(Math.abs(sum - (mean as number) * count)).toBeLessThanOrEqual(1e-9 * Math.max(1, sum));
          expect(mean).toBeGreaterThanOrEqual((of('Minimum', values) as number) - 1e-9);
          expect(mean).toBeLessThanOrEqual((of('Maximum', values) as number) * (1 + 1e-12));
        },
      ),
    );
  });
});
