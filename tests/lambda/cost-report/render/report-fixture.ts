import type {
  Adjustment,
  CostReport,
  MonthlyAmount,
  ServiceCost,
} from '../../../../lambda/cost-report/cost-report-model';

function service(
  name: string,
  lastMonth: number,
  monthBefore: number,
  status: ServiceCost['status'] = 'continuing',
): ServiceCost {
  return { service: name, ...amount(lastMonth, monthBefore), status, amortizedLastMonth: lastMonth };
}

function amount(lastMonth: number, monthBefore: number): MonthlyAmount {
  const change = Math.round((lastMonth - monthBefore) * 100) / 100;
  return {
    lastMonth,
    monthBefore,
    change,
    changePercent: monthBefore <= 0 || lastMonth < 0 ? null : Math.round((change / monthBefore) * 1000) / 10,
  };
}

const adjustments: Adjustment[] = [
  {
    recordType: 'Credit',
    label: 'Credits',
    ...amount(-120.0, -20.0),
    services: [{ service: 'Refund, "goodwill" credit', amount: -120.0 }],
  },
];

const services: ServiceCost[] = [
  service('Amazon Elastic Compute Cloud - Compute', 4210.5, 3890.1),
  service('Amazon Relational Database Service', 2650.75, 2710.2),
  service('Amazon Simple Storage Service', 980.4, 720.15),
  service('AWS Lambda', 612.3, 655.9),
  service('Amazon DynamoDB', 410.0, 388.4),
  service('Amazon CloudWatch', 305.22, 240.0),
  service('Amazon Bedrock', 289.9, 0, 'new'),
  service('Amazon API Gateway', 150.12, 148.7),
  service('Amazon Simple Queue Service', 42.1, 40.0),
  service('AWS Key Management Service', 31.0, 30.0),
  service('Amazon Route 53', 25.5, 25.5),
  service('AWS Step Functions', 12.75, 10.0),
  service('Amazon OpenSearch Service', 0, 540.0, 'gone'),
];

const topMovers = [...services]
  .sort((a, b) => Math.abs(b.change) - Math.abs(a.change))
  .slice(0, 5)
  .sort((a, b) => b.change - a.change);

const usageLastMonth = services.reduce((sum, s) => sum + s.lastMonth, 0);
const usageMonthBefore = services.reduce((sum, s) => sum + s.monthBefore, 0);
const lastMonth = usageLastMonth - 120;
const monthBefore = usageMonthBefore - 20;
const cents = (value: number) => Math.round(value * 100) / 100;

/** A March 2025 report with a forecast, an anomaly, a budget, tags, a credit line and a hostile tag value. */
export function costReport(overrides: Partial<CostReport> = {}): CostReport {
  return {
    schema: 'vigil.cost-report/2',
    generatedAt: '2025-04-03T06:00:00.000Z',
    currency: 'USD',
    period: {
      month: '2025-03',
      previousMonth: '2025-02',
      trendStart: '2024-04-01',
      end: '2025-04-01',
      currentMonth: '2025-04',
    },
    totals: {
      net: amount(cents(lastMonth), cents(monthBefore)),
      grossUsage: amount(cents(usageLastMonth), cents(usageMonthBefore)),
      amortized: amount(cents(lastMonth), cents(monthBefore)),
    },
    services,
    adjustments,
    topMovers,
    byTag: [
      {
        tagKey: 'Team',
        values: [
          { value: 'payments', lastMonth: 5200.4, monthBefore: 4800 },
          { value: '<script>alert("x")</script>', lastMonth: 12.5, monthBefore: 0 },
          { value: '(untagged)', lastMonth: 4386.44, monthBefore: 4568.95 },
        ],
      },
    ],
    trend: [
      ['2024-04', 7900.1],
      ['2024-05', 8120.4],
      ['2024-06', 8050.0],
      ['2024-07', 8400.25],
      ['2024-08', 8610.3],
      ['2024-09', 8575.9],
      ['2024-10', 8890.0],
      ['2024-11', 9120.75],
      ['2024-12', 9400.2],
      ['2025-01', 9350.6],
      ['2025-02', Math.round(monthBefore * 100) / 100],
      ['2025-03', Math.round(lastMonth * 100) / 100],
    ].map(([month, amount]) => ({ month: month as string, amount: amount as number })),
    forecast: {
      month: '2025-04',
      amount: 9950.0,
      lower: 9420.5,
      upper: 10480.25,
      predictionIntervalPercent: 80,
    },
    anomalies: [
      {
        id: 'anomaly-1',
        start: '2025-03-14',
        end: '2025-03-16',
        impact: 212.4,
        impactPercent: 38.2,
        dismissed: false,
        rootCauses: [
          {
            service: 'Amazon Simple Storage Service',
            region: 'eu-west-1',
            usageType: 'EU-DataTransfer-Out-Bytes',
            linkedAccount: '123456789012',
          },
        ],
      },
    ],
    budgets: [
      {
        name: 'Monthly AWS',
        periodStart: '2025-03-01',
        periodEnd: '2025-04-01',
        limit: 10000,
        actual: 9599.84,
        percentUsed: 96,
      },
    ],
    platformCost: { lastMonth: 48.37, monthBefore: 45.1 },
    apiCost: { requests: 9, usd: 0.09 },
    notes: ['Rows are rounded to the cent by the largest-remainder method.'],
    ...overrides,
  };
}
