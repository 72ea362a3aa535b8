import type { BudgetPerformanceHistory } from '@aws-sdk/client-budgets';
import type { Anomaly } from '@aws-sdk/client-cost-explorer';
import { buildCostReport } from '../../../lambda/cost-report/build-cost-report';
import type { CostReport, RecordedCostData } from '../../../lambda/cost-report/cost-report-model';
import {
  anomalyPage,
  costBudget,
  costPage,
  forecastAnswer,
  monthResult,
  recordedData,
  totalResult,
} from './support/recorded-responses';

// The recorded data is for the run on 3 March 2026: February 2026 against January 2026.
const GENERATED_AT = new Date('2026-03-03T06:00:12.000Z');
const build = (data: RecordedCostData, tagKeys?: readonly string[]) =>
  buildCostReport(data, { generatedAt: GENERATED_AT, ...(tagKeys ? { tagKeys } : {}) });

/**
 * A month of the query by SERVICE and RECORD_TYPE: `Service` is usage, `Service|Credit` a credit
 * booked on the service.
 */
function usageResult(
  month: string,
  groups: readonly (readonly [string, string])[],
  options: { estimated?: boolean } = {},
) {
  return monthResult(
    month,
    groups.map(([name, amount]) => {
      const [service = name, recordType = 'Usage'] = name.split('|');
      return [[service, recordType], amount] as const;
    }),
    options,
  );
}

function byService(january: [string, string][], february: [string, string][]): RecordedCostData {
  return recordedData({
    costByService: [costPage([usageResult('2026-01', january), usageResult('2026-02', february)])],
  });
}

const service = (report: CostReport, name: string) => report.services.find((line) => line.service === name);

/** Every number anywhere in the report, to show none is NaN or infinite. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('services', () => {
  test('a group split across two pages is summed, not overwritten', () => {
    const report = build(
      recordedData({
        costByService: [
          costPage(
            [
              usageResult('2026-01', [['AWS Lambda', '100.00']]),
              usageResult('2026-02', [
                ['AWS Lambda', '70.10'],
                ['Amazon DynamoDB', '20.00'],
              ]),
            ],
            'page-2',
          ),
          costPage([usageResult('2026-02', [['AWS Lambda', '50.25']])]),
        ],
      }),
    );
    expect(service(report, 'AWS Lambda')).toEqual({
      service: 'AWS Lambda',
      lastMonth: 120.35,
      monthBefore: 100,
      change: 20.35,
      changePercent: 20.4,
      status: 'continuing',
      amortizedLastMonth: 120.35,
    });
    expect(report.totals.net).toEqual({
      lastMonth: 140.35,
      monthBefore: 100,
      change: 40.35,
      changePercent: 40.4,
    });
  });

  test('a service new this month: status new, no percentage', () => {
    const report = build(
      byService(
        [['AWS Lambda', '10']],
        [
          ['AWS Lambda', '10'],
          ['Amazon Athena', '27.61'],
        ],
      ),
    );
    expect(service(report, 'Amazon Athena')).toEqual({
      service: 'Amazon Athena',
      lastMonth: 27.61,
      monthBefore: 0,
      change: 27.61,
      changePercent: null,
      status: 'new',
      amortizedLastMonth: 27.61,
    });
  });

  test('a service gone this month is still listed: status gone, last month 0', () => {
    const report = build(
      byService(
        [
          ['AWS Lambda', '10'],
          ['AWS Glue', '22.35'],
        ],
        [['AWS Lambda', '10']],
      ),
    );
    expect(service(report, 'AWS Glue')).toEqual({
      service: 'AWS Glue',
      lastMonth: 0,
      monthBefore: 22.35,
      change: -22.35,
      changePercent: -100,
      status: 'gone',
      amortizedLastMonth: 0,
    });
  });

  test('most expensive last month first; a service under half a cent in both months is left out, with a note', () => {
    const report = build(
      byService(
        [
          ['AWS Glue', '30'],
          ['AWS Lambda', '10'],
          ['Amazon SNS', '0.001'],
        ],
        [
          ['AWS Lambda', '12'],
          ['Amazon SQS', '12'],
          ['Amazon SNS', '0.004'],
        ],
      ),
    );
    // Equal last month: the one that cost more the month before first.
    expect(report.services.map((line) => line.service)).toEqual(['AWS Lambda', 'Amazon SQS', 'AWS Glue']);
    expect(report.notes).toContain(
      '1 services cost less than half a cent in both months and are not listed.',
    );
  });

  test('the five largest changes in dollars, up or down, are the top movers', () => {
    const report = build(
      byService(
        [
          ['A', '100'],
          ['B', '100'],
          ['C', '100'],
          ['D', '100'],
          ['E', '100'],
          ['F', '100'],
          ['G', '100'],
        ],
        [
          ['A', '101'],
          ['B', '40'],
          ['C', '150'],
          ['D', '100'],
          ['E', '90'],
          ['F', '130'],
          ['G', '97'],
        ],
      ),
    );
    expect(report.topMovers.map((line) => [line.service, line.change])).toEqual([
      ['B', -60],
      ['C', 50],
      ['F', 30],
      ['E', -10],
      ['G', -3],
    ]);
  });

  test('an unchanged service is never a mover', () => {
    const report = build(byService([['AWS Lambda', '5']], [['AWS Lambda', '5']]));
    expect(report.topMovers).toEqual([]);
  });
});

describe('amounts', () => {
  test('sums are exact and rounded to cents only at the end', () => {
    const tenths = Array.from({ length: 3 }, () => ['Amazon S3', '0.1'] as [string, string]);
    const report = build(
      recordedData({
        costByService: [
          costPage([
            usageResult('2026-01', [['AWS Lambda', '1.005']]),
            // 1000 parts of a tenth of a cent: binary floats would drift, rounding each part would give 0.
            usageResult('2026-02', [
              ...Array.from({ length: 1000 }, () => ['AWS Lambda', '0.0012345'] as [string, string]),
              ...tenths,
            ]),
          ]),
        ],
      }),
    );
    // The change is the difference of the amounts shown, not of the exact ones (0.2335).
    expect(service(report, 'AWS Lambda')).toMatchObject({
      lastMonth: 1.23,
      monthBefore: 1.01,
      change: 0.22,
    });
    expect(service(report, 'Amazon S3')).toMatchObject({ lastMonth: 0.3 });
    expect(report.totals.net.lastMonth).toBe(1.53);
  });

  test('amounts in scientific notation, with spaces or signs are read; text that is not a number counts as 0', () => {
    const report = build(
      byService(
        [['AWS Lambda', '1.5E+1']],
        [
          ['AWS Lambda', ' 12.345 '],
          ['AWS X-Ray', '+2'],
          ['Amazon S3', 'n/a'],
          ['AWS KMS', ''],
        ],
      ),
    );
    expect(service(report, 'AWS Lambda')).toMatchObject({ lastMonth: 12.35, monthBefore: 15 });
    expect(service(report, 'AWS X-Ray')).toMatchObject({ lastMonth: 2 });
    expect(report.totals.net.lastMonth).toBe(14.35);
    expect(report.notes).toContain('2 amounts from Cost Explorer were not numbers and count as 0.');
  });

  test('a refund is its own line, not netted into the service: Step Functions usage $78.24, refund −$96.40, bill $391.84', () => {
    const report = build(
      byService(
        [
          ['AWS Step Functions', '96.40'],
          ['AWS Lambda', '400'],
        ],
        [
          ['AWS Step Functions', '78.24'],
          ['AWS Step Functions|Refund', '-96.40'],
          ['AWS Lambda', '410'],
        ],
      ),
    );
    expect(service(report, 'AWS Step Functions')).toMatchObject({
      lastMonth: 78.24,
      change: -18.16,
      changePercent: -18.8,
      status: 'continuing',
    });
    expect(report.adjustments).toEqual([
      {
        recordType: 'Refund',
        label: 'Refunds',
        lastMonth: -96.4,
        monthBefore: 0,
        change: -96.4,
        changePercent: null,
        services: [{ service: 'AWS Step Functions', amount: -96.4 }],
      },
    ]);
    expect(report.totals.grossUsage.lastMonth).toBe(488.24);
    expect(report.totals.net.lastMonth).toBe(391.84);
  });

  test('a percentage of, or to, a net credit means nothing: −$4.00 to $3.00 and $100.00 to −$90.00 are null, not −190.0%', () => {
    const fromCredit = build(byService([['AWS Glue|Credit', '-4.00']], [['AWS Glue', '3.00']]));
    expect(fromCredit.totals.net).toMatchObject({ change: 7, changePercent: null });
    const toCredit = build(
      byService(
        [['AWS Glue', '100.00']],
        [
          ['AWS Glue', '10.00'],
          ['AWS Glue|Credit', '-100.00'],
        ],
      ),
    );
    expect(toCredit.totals.net).toMatchObject({ lastMonth: -90, change: -190, changePercent: null });
  });

  test('an unknown record type is shown under its own name, never as usage', () => {
    const report = build(byService([], [['AWS Marketplace|Some New Charge', '5.00']]));
    expect(report.services).toEqual([]);
    expect(report.adjustments.map((line) => [line.label, line.lastMonth])).toEqual([['Some New Charge', 5]]);
  });
});

describe('an empty month', () => {
  test('no groups for last month: zeros, a note, never NaN', () => {
    const report = build(
      recordedData({
        costByService: [
          costPage([usageResult('2026-01', [['AWS Lambda', '5']]), usageResult('2026-02', [])]),
        ],
      }),
    );
    expect(report.totals.net).toEqual({ lastMonth: 0, monthBefore: 5, change: -5, changePercent: -100 });
    expect(service(report, 'AWS Lambda')).toMatchObject({ status: 'gone', lastMonth: 0 });
    expect(report.notes).toContain('Cost Explorer returned no costs for 2026-02: it counts as 0.');
  });

  test('nothing recorded at all: every amount is 0 and every number is finite', () => {
    const report = build(recordedData());
    expect(report.totals.net).toEqual({ lastMonth: 0, monthBefore: 0, change: 0, changePercent: null });
    expect(report.services).toEqual([]);
    expect(report.trend).toHaveLength(12);
    expect(report.platformCost).toEqual({ lastMonth: 0, monthBefore: 0 });
    expect(numbersIn(report).every(Number.isFinite)).toBe(true);
    expect(report.notes).toEqual(
      expect.arrayContaining([
        'Cost Explorer returned no costs for 2026-02: it counts as 0.',
        'Cost Explorer returned no costs for 2026-01: it counts as 0.',
        expect.stringMatching(/^The trend has no data for 2025-03, .*, 2026-02: shown as 0\.$/),
      ]),
    );
    expect(JSON.stringify(report)).not.toMatch(/NaN|null,"status"/);
  });
});

test('an estimated month is flagged: AWS can still adjust it', () => {
  const report = build(
    recordedData({
      costByService: [costPage([usageResult('2026-02', [['AWS Lambda', '1']], { estimated: true })])],
    }),
  );
  expect(report.notes).toContain(
    'Cost Explorer marks 2026-02 as estimated: AWS can still adjust it until the bill is final.',
  );
});

describe('by tag', () => {
  const owners = recordedData({
    costByTag: {
      Owner: [
        costPage(
          [
            monthResult('2026-01', [
              ['Owner$team-a', '10'],
              ['Owner$', '4'],
            ]),
            monthResult('2026-02', [['Owner$team-a', '12']]),
          ],
          'p2',
        ),
        costPage([
          monthResult('2026-02', [
            ['Owner$', '5.5'],
            ['Owner$team-b', '20'],
            ['Owner$team-a', '1'],
          ]),
        ]),
      ],
      CostCenter: [costPage([monthResult('2026-02', [['CostCenter$CC-1', '9']])])],
    },
  });

  test('one line per value, most expensive first; Owner$ is the untagged share', () => {
    expect(build(owners, ['Owner']).byTag).toEqual([
      {
        tagKey: 'Owner',
        values: [
          { value: 'team-b', lastMonth: 20, monthBefore: 0 },
          { value: 'team-a', lastMonth: 13, monthBefore: 10 },
          { value: '(untagged)', lastMonth: 5.5, monthBefore: 4 },
        ],
      },
    ]);
  });

  test('tag keys come in the order asked; a key without data is empty and noted', () => {
    const report = build(owners, ['CostCenter', 'Team', 'Owner']);
    expect(report.byTag.map((tag) => [tag.tagKey, tag.values.length])).toEqual([
      ['CostCenter', 1],
      ['Team', 0],
      ['Owner', 3],
    ]);
    expect(report.notes).toContain('No costs were recorded for the tag Team.');
  });

  test('without tag keys, the recorded ones in recorded order', () => {
    expect(build(owners).byTag.map((tag) => tag.tagKey)).toEqual(['Owner', 'CostCenter']);
  });
});

describe('trend', () => {
  test('twelve months oldest first; a month absent from the data is 0, and a note says which', () => {
    const months = ['2025-03', '2025-04', '2025-05', '2025-06', '2025-08', '2025-09', '2025-10'];
    const report = build(
      recordedData({
        trend: [
          costPage(
            months.map((month) => totalResult(month, '100.004')),
            'next',
          ),
          costPage([
            totalResult('2025-11', '110'),
            totalResult('2025-12', '120'),
            totalResult('2026-01', '130'),
            totalResult('2026-02', '140.555'),
          ]),
        ],
      }),
    );
    expect(report.trend).toEqual([
      { month: '2025-03', amount: 100 },
      { month: '2025-04', amount: 100 },
      { month: '2025-05', amount: 100 },
      { month: '2025-06', amount: 100 },
      { month: '2025-07', amount: 0 },
      { month: '2025-08', amount: 100 },
      { month: '2025-09', amount: 100 },
      { month: '2025-10', amount: 100 },
      { month: '2025-11', amount: 110 },
      { month: '2025-12', amount: 120 },
      { month: '2026-01', amount: 130 },
      { month: '2026-02', amount: 140.56 },
    ]);
    expect(report.notes).toContain('The trend has no data for 2025-07: shown as 0.');
  });

  test('a month Cost Explorer answered with $0 is data, not a gap', () => {
    const months = Array.from({ length: 12 }, (_, i) =>
      new Date(Date.UTC(2025, 2 + i, 1)).toISOString().slice(0, 7),
    );
    const report = build(recordedData({ trend: [costPage(months.map((month) => totalResult(month, '0')))] }));
    expect(report.notes.some((note) => note.startsWith('The trend'))).toBe(false);
  });
});

describe('forecast', () => {
  const spentSoFar = (...amounts: string[]) =>
    amounts.map((amount) => costPage([totalResult('2026-03', amount, { estimated: true })]));

  test('the whole current month: the month to date plus the mean and 80% interval for the rest', () => {
    const report = build(
      recordedData({
        monthToDate: spentSoFar('104.27'),
        forecast: forecastAnswer('2026-03-03', '2026-04-01', '1384.3504', '1236.8031', '1531.9110'),
      }),
    );
    expect(report.forecast).toEqual({
      month: '2026-03',
      amount: 1488.62,
      lower: 1341.07,
      upper: 1636.18,
      predictionIntervalPercent: 80,
    });
    expect(report.notes).toContain(
      'The forecast for 2026-03 is $104.27 spent before 2026-03-03 plus $1,384.35 forecast for the rest of the month.',
    );
  });

  test('the month to date is summed across pages, exactly, and added to the amount and both bounds', () => {
    const report = build(
      recordedData({
        // 10.004 + 5.002 = 15.006 spent: $15.01, though each page alone rounds down.
        monthToDate: spentSoFar('10.004', '5.002'),
        forecast: forecastAnswer('2026-03-03', '2026-04-01', '100.004', '80', '120'),
      }),
    );
    expect(report.forecast).toEqual({
      month: '2026-03',
      amount: 115.01,
      lower: 95.01,
      upper: 135.01,
      predictionIntervalPercent: 80,
    });
    expect(report.notes).toContain(
      'The forecast for 2026-03 is $15.01 spent before 2026-03-03 plus $100.00 forecast for the rest of the month.',
    );
  });

  test('a forecast answer without bounds: both bounds are the whole-month amount', () => {
    const answer = forecastAnswer('2026-03-03', '2026-04-01', '50', '', '');
    const forecast = {
      ...answer,
      ForecastResultsByTime: answer.ForecastResultsByTime?.map(({ TimePeriod, MeanValue }) => ({
        TimePeriod,
        MeanValue,
      })),
    };
    const report = build(recordedData({ monthToDate: spentSoFar('20'), forecast }));
    expect(report.forecast).toMatchObject({ amount: 70, lower: 70, upper: 70 });
  });

  test('a recording made before the month to date was recorded still builds: the forecast is the rest', () => {
    const data = recordedData({
      forecast: forecastAnswer('2026-03-03', '2026-04-01', '1384.3504', '1236.8031', '1531.9110'),
    });
    expect(data).not.toHaveProperty('monthToDate');
    const report = build(data);
    expect(report.forecast).toEqual({
      month: '2026-03',
      amount: 1384.35,
      lower: 1236.8,
      upper: 1531.91,
      predictionIntervalPercent: 80,
    });
    expect(numbersIn(report).every(Number.isFinite)).toBe(true);
  });

  test('without a Total, the mean values are summed', () => {
    const answer = forecastAnswer('2026-03-01', '2026-04-01', '10', '8', '12');
    const report = build(recordedData({ monthToDate: [], forecast: { ...answer, Total: undefined } }));
    expect(report.forecast).toMatchObject({ amount: 10, lower: 8, upper: 12 });
    // From the first of the month there is nothing spent before it to explain.
    expect(report.notes.some((note) => note.startsWith('The forecast for'))).toBe(false);
  });

  test('unavailable stays unavailable, with its reason', () => {
    const report = build(
      recordedData({ forecast: { unavailable: 'Cost Explorer has too little cost history' } }),
    );
    expect(report.forecast).toEqual({ unavailable: 'Cost Explorer has too little cost history' });
  });

  test('an answer without any amount is unavailable rather than $0', () => {
    const report = build(recordedData({ forecast: { $metadata: {}, ForecastResultsByTime: [] } }));
    expect(report.forecast).toEqual({ unavailable: 'Cost Explorer answered without a forecast amount.' });
  });
});

describe('anomalies', () => {
  const anomaly = (overrides: Partial<Anomaly>): Anomaly => ({
    AnomalyId: 'id',
    AnomalyScore: { MaxScore: 0.8, CurrentScore: 0.1 },
    Impact: { MaxImpact: 1 },
    MonitorArn: 'arn:aws:ce::123456789012:anomalymonitor/m',
    ...overrides,
  });

  test('impact, dates and root causes, largest impact first, across pages', () => {
    const report = build(
      recordedData({
        anomalies: [
          anomalyPage(
            [
              anomaly({
                AnomalyId: 'lambda',
                AnomalyStartDate: '2026-02-14T00:00:00Z',
                AnomalyEndDate: '2026-02-16T00:00:00Z',
                Impact: { MaxImpact: 21.4, TotalImpact: 38.615, TotalImpactPercentage: 79.987 },
                RootCauses: [
                  {
                    Service: 'AWS Lambda',
                    Region: 'eu-west-1',
                    UsageType: 'EU-Lambda-GB-Second',
                    LinkedAccount: '123456789012',
                    LinkedAccountName: 'acme-production',
                  },
                ],
              }),
            ],
            'next',
          ),
          anomalyPage([
            anomaly({
              AnomalyId: 'logs',
              AnomalyStartDate: '2026-02-20T00:00:00Z',
              Impact: { MaxImpact: 9.85, TotalImpact: 44.1 },
              RootCauses: [
                { Service: 'AmazonCloudWatch', LinkedAccount: '123456789012' },
                { Region: 'us-east-1' },
              ],
            }),
          ]),
        ],
      }),
    );
    expect(report.anomalies).toEqual([
      {
        id: 'logs',
        start: '2026-02-20',
        impact: 44.1,
        dismissed: false,
        rootCauses: [{ service: 'AmazonCloudWatch', linkedAccount: '123456789012' }, { region: 'us-east-1' }],
      },
      {
        id: 'lambda',
        start: '2026-02-14',
        end: '2026-02-16',
        impact: 38.62,
        impactPercent: 80,
        dismissed: false,
        rootCauses: [
          {
            service: 'AWS Lambda',
            region: 'eu-west-1',
            usageType: 'EU-Lambda-GB-Second',
            linkedAccount: 'acme-production (123456789012)',
          },
        ],
      },
    ]);
  });

  test('without a total impact, the largest daily impact; the same anomaly on two pages is listed once', () => {
    const old = anomaly({ AnomalyId: 'old', AnomalyStartDate: '2026-02-02', Impact: { MaxImpact: 12.5 } });
    const report = build(recordedData({ anomalies: [anomalyPage([old], 'next'), anomalyPage([old])] }));
    expect(report.anomalies).toEqual([
      { id: 'old', start: '2026-02-02', impact: 12.5, dismissed: false, rootCauses: [] },
    ]);
  });

  test('feedback: NO and PLANNED_ACTIVITY are dismissed and listed last; YES is a confirmed anomaly', () => {
    const report = build(
      recordedData({
        anomalies: [
          anomalyPage([
            anomaly({
              AnomalyId: 'no',
              AnomalyStartDate: '2026-02-01',
              Impact: { MaxImpact: 90, TotalImpact: 90 },
              Feedback: 'NO',
            }),
            anomaly({
              AnomalyId: 'planned',
              AnomalyStartDate: '2026-02-02',
              Impact: { MaxImpact: 80, TotalImpact: 80 },
              Feedback: 'PLANNED_ACTIVITY',
            }),
            anomaly({
              AnomalyId: 'yes',
              AnomalyStartDate: '2026-02-03',
              Impact: { MaxImpact: 5, TotalImpact: 5 },
              Feedback: 'YES',
            }),
          ]),
        ],
      }),
    );
    expect(report.anomalies.map((entry) => [entry.id, entry.feedback, entry.dismissed])).toEqual([
      ['yes', 'YES', false],
      ['no', 'NO', true],
      ['planned', 'PLANNED_ACTIVITY', true],
    ]);
  });
});

describe('budgets', () => {
  const history = (
    name: string,
    budgeted: string,
    actual: string,
    start: string,
    end: string,
    unit = 'USD',
  ): BudgetPerformanceHistory => ({
    BudgetName: name,
    BudgetType: 'COST',
    BudgetedAndActualAmountsList: [
      {
        BudgetedAmount: { Amount: budgeted, Unit: unit },
        ActualAmount: { Amount: actual, Unit: unit },
        TimePeriod: { Start: new Date(`${start}T00:00:00Z`), End: new Date(`${end}T00:00:00Z`) },
      },
    ],
  });

  test('budget vs actual for the reported month (February), not the current one: 510.00 of 600.00 is 85.0%, fullest first', () => {
    const report = build(
      recordedData({
        budgets: [
          // DescribeBudgets' figures are March's so far: never shown.
          costBudget('monthly-account-total', '2000.0', '104.27', '1592.89'),
          costBudget('q1-data-team', '600.0', '510.0', undefined, 'QUARTERLY'),
        ],
        budgetPerformance: [
          history('monthly-account-total', '2000.0', '1534.09', '2026-02-01', '2026-03-01'),
          history('q1-data-team', '600.0', '510.0', '2026-01-01', '2026-04-01'),
        ],
      }),
    );
    expect(report.budgets).toEqual([
      {
        name: 'q1-data-team',
        periodStart: '2026-01-01',
        periodEnd: '2026-04-01',
        limit: 600,
        actual: 510,
        percentUsed: 85,
      },
      {
        name: 'monthly-account-total',
        periodStart: '2026-02-01',
        periodEnd: '2026-03-01',
        limit: 2000,
        actual: 1534.09,
        percentUsed: 76.7,
      },
    ]);
  });

  test('a history without the reported month, or with no limit above 0: left out, with a note', () => {
    const report = build(
      recordedData({
        budgetPerformance: [
          history('last-year', '100', '90', '2025-02-01', '2025-03-01'),
          history('zero', '0', '3', '2026-02-01', '2026-03-01'),
        ],
      }),
    );
    expect(report.budgets).toEqual([]);
    expect(report.notes).toEqual(
      expect.arrayContaining([
        'AWS Budgets has no figures of the budget last-year for 2026-02.',
        'The budget zero had no limit above 0 in 2026-02, so it has no percentage and is not listed.',
      ]),
    );
  });

  test('a cost budget without a history of the month (created since) is named in a note', () => {
    const report = build(
      recordedData({ budgets: [costBudget('new-budget', '100', '1')], budgetPerformance: [] }),
    );
    expect(report.budgets).toEqual([]);
    expect(report.notes).toContain('AWS Budgets has no figures of the budget new-budget for 2026-02.');
  });

  test('usage, utilization and annual budgets are named in a note, never shown as money', () => {
    const report = build(
      recordedData({
        budgets: [
          {
            BudgetName: 'sp-use',
            BudgetType: 'SAVINGS_PLANS_UTILIZATION',
            TimeUnit: 'MONTHLY',
            BudgetLimit: { Amount: '90', Unit: 'PERCENTAGE' },
          },
          { BudgetName: 'invocations', BudgetType: 'USAGE', TimeUnit: 'MONTHLY' },
          costBudget('yearly', '12000', '300', undefined, 'ANNUALLY'),
        ],
      }),
    );
    expect(report.budgets).toEqual([]);
    expect(report.notes).toEqual(
      expect.arrayContaining([
        'The budget sp-use measures Savings Plans utilization, a percentage, not money spent: it is not shown with the cost budgets.',
        'The budget invocations measures usage (hours, gigabytes, requests), not money spent: it is not shown with the cost budgets.',
        'The budget yearly is annual: AWS Budgets keeps no history for annual budgets, so it is not shown.',
      ]),
    );
  });
});

describe('platform and API cost', () => {
  test("the platform's own cost from its tag", () => {
    const report = build(
      recordedData({
        platform: [
          costPage([totalResult('2026-01', '38.4127660215'), totalResult('2026-02', '41.9023117402')]),
        ],
      }),
    );
    expect(report.platformCost).toEqual({ lastMonth: 41.9, monthBefore: 38.41 });
    expect(report.notes.some((note) => note.includes("platform's tag"))).toBe(false);
  });

  test('no cost under the platform tag: a note on activating it as a cost allocation tag', () => {
    const report = build(recordedData({ platform: [costPage([totalResult('2026-02', '0')])] }));
    expect(report.platformCost).toEqual({ lastMonth: 0, monthBefore: 0 });
    expect(report.notes).toContain(
      "No cost carries the platform's tag: Cost Explorer sees a tag only once it is activated as a cost " +
        'allocation tag in the Billing console.',
    );
  });

  test('what recording the report cost: requests × $0.01', () => {
    expect(build(recordedData({ costExplorerRequests: 14 })).apiCost).toEqual({ requests: 14, usd: 0.14 });
    expect(build(recordedData({ costExplorerRequests: 0 })).apiCost).toEqual({ requests: 0, usd: 0 });
  });
});

test('the report header: schema, generation time, currency and period', () => {
  const report = build(recordedData());
  expect(report).toMatchObject({
    schema: 'vigil.cost-report/2',
    generatedAt: '2026-03-03T06:00:12.000Z',
    currency: 'USD',
    period: {
      month: '2026-02',
      previousMonth: '2026-01',
      trendStart: '2025-03-01',
      end: '2026-03-01',
      currentMonth: '2026-03',
    },
  });
});
