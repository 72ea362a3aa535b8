import type { Budget } from '@aws-sdk/client-budgets';
import type {
  Anomaly,
  GetAnomaliesCommandOutput,
  GetCostAndUsageCommandOutput,
  GetCostForecastCommandOutput,
  ResultByTime,
} from '@aws-sdk/client-cost-explorer';
import type { RecordedCostData, ReportPeriod } from '../../../../lambda/cost-report/cost-report-model';
import { firstDayAfter, reportPeriod } from '../../../../lambda/cost-report/report-period';

/** The report run on 3 March 2026: February against January. */
export const MARCH_RUN = new Date('2026-03-03T06:00:00.000Z');
export const MARCH_PERIOD: ReportPeriod = reportPeriod(MARCH_RUN);

const answered = (requestId: string) => ({
  $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 },
});

/** One month of a GetCostAndUsage answer; `groups` as `[key, amount]`, none for an ungrouped query. */
export function monthResult(
  month: string,
  groups: readonly (readonly [string, string])[],
  options: { estimated?: boolean } = {},
): ResultByTime {
  return {
    TimePeriod: { Start: `${month}-01`, End: firstDayAfter(month) },
    Total: {},
    Groups: groups.map(([key, amount]) => ({
      Keys: [key],
      Metrics: { UnblendedCost: { Amount: amount, Unit: 'USD' } },
    })),
    Estimated: options.estimated ?? false,
  };
}

/** One month of an ungrouped GetCostAndUsage answer. */
export function totalResult(
  month: string,
  amount: string,
  options: { estimated?: boolean } = {},
): ResultByTime {
  return {
    TimePeriod: { Start: `${month}-01`, End: firstDayAfter(month) },
    Total: { UnblendedCost: { Amount: amount, Unit: 'USD' } },
    Groups: [],
    Estimated: options.estimated ?? false,
  };
}

/** A GetCostAndUsage page; `next` is the token for the page after it. */
export function costPage(results: readonly ResultByTime[], next?: string): GetCostAndUsageCommandOutput {
  return {
    ...answered(`ce-${results[0]?.TimePeriod?.Start ?? 'empty'}-${next ?? 'last'}`),
    ResultsByTime: [...results],
    DimensionValueAttributes: [],
    ...(next === undefined ? {} : { NextPageToken: next }),
  };
}

export function anomalyPage(anomalies: readonly Anomaly[], next?: string): GetAnomaliesCommandOutput {
  return {
    ...answered(`anomalies-${next ?? 'last'}`),
    Anomalies: [...anomalies],
    ...(next === undefined ? {} : { NextPageToken: next }),
  };
}

export function forecastAnswer(
  start: string,
  end: string,
  mean: string,
  lower: string,
  upper: string,
): GetCostForecastCommandOutput {
  return {
    ...answered('forecast'),
    Total: { Amount: mean, Unit: 'USD' },
    ForecastResultsByTime: [
      {
        TimePeriod: { Start: start, End: end },
        MeanValue: mean,
        PredictionIntervalLowerBound: lower,
        PredictionIntervalUpperBound: upper,
      },
    ],
  };
}

export function costBudget(
  name: string,
  limit: string,
  actual: string,
  forecast?: string,
  timeUnit: Budget['TimeUnit'] = 'MONTHLY',
): Budget {
  return {
    BudgetName: name,
    BudgetType: 'COST',
    TimeUnit: timeUnit,
    BudgetLimit: { Amount: limit, Unit: 'USD' },
    CalculatedSpend: {
      ActualSpend: { Amount: actual, Unit: 'USD' },
      ...(forecast === undefined ? {} : { ForecastedSpend: { Amount: forecast, Unit: 'USD' } }),
    },
  };
}

/** Recorded data with nothing in it; tests fill in what they look at. */
export function recordedData(overrides: Partial<RecordedCostData> = {}): RecordedCostData {
  return {
    period: MARCH_PERIOD,
    costByService: [],
    costByTag: {},
    trend: [],
    platform: [],
    forecast: { unavailable: 'not recorded in this test' },
    anomalies: [],
    budgets: [],
    costExplorerRequests: 0,
    ...overrides,
  };
}

// Exact decimal arithmetic for the sample, in ten-billionths of a dollar (Cost Explorer's precision),
// so that every breakdown adds up to the same total to the last digit.
const SCALE = 10_000_000_000n;

function exact(amount: string): bigint {
  const [whole = '0', fraction = ''] = amount.replace('-', '').split('.');
  const value = BigInt(whole) * SCALE + BigInt(fraction.padEnd(10, '0').slice(0, 10));
  return amount.startsWith('-') ? -value : value;
}

function decimal(value: bigint): string {
  const magnitude = value < 0n ? -value : value;
  const text = `${magnitude / SCALE}.${(magnitude % SCALE).toString().padStart(10, '0')}`;
  return value < 0n ? `-${text}` : text;
}

/**
 * `total` split by whole-percent shares, in whole cents but for the last value, which gets the
 * remainder: the parts add up exactly, and so do their amounts rounded to the cent.
 */
function split(total: string, shares: readonly (readonly [string, number])[]): [string, string][] {
  const whole = exact(total);
  const cent = SCALE / 100n;
  let rest = whole;
  return shares.map(([key, percent], index) => {
    const part = index === shares.length - 1 ? rest : ((whole * BigInt(percent)) / 100n / cent) * cent;
    rest -= part;
    return [key, decimal(part)];
  });
}

export const SAMPLE_RUN = new Date('2026-11-03T06:00:00.000Z');

/** What a small company's serverless account cost, per service: September, then October. */
const SAMPLE_SERVICES: readonly (readonly [string, string | undefined, string | undefined])[] = [
  ['AWS Lambda', '412.3758820311', '468.9164817723'],
  ['Amazon DynamoDB', '318.4402771950', '297.0250530122'],
  ['Amazon API Gateway', '231.8049500000', '244.1571000000'],
  ['AmazonCloudWatch', '188.2557301177', '236.7411928305'],
  ['Amazon Simple Storage Service', '142.6695120034', '151.3904417810'],
  ['Amazon Kinesis Firehose', '64.1032114400', '71.8848730050'],
  // September's runaway Express workflow, refunded in October after a support case.
  ['AWS Step Functions', '96.4025000000', '-18.1553750000'],
  // Athena on the Firehose data in S3 replaced a nightly Glue ETL job.
  ['Amazon Athena', undefined, '27.6170500000'],
  ['AWS Glue', '22.3520000000', undefined],
  ['AWS Key Management Service', '19.0002345678', '19.4206172840'],
  ['Amazon Simple Queue Service', '11.8569960000', '12.4023600000'],
  ['AWS X-Ray', '9.1443500000', '10.3307000000'],
  ['Amazon Simple Notification Service', '6.3120400000', '7.0198100000'],
  ['AWS Secrets Manager', '4.8064516129', '5.2000000000'],
  // The fourteen requests each monthly report made before it also asked for the month to date.
  ['AWS Cost Explorer', '0.1400000000', '0.1400000000'],
];

/**
 * One realistic recording: what `recordCostData` would have stored for a small company's serverless
 * account on 3 November 2026. It is the sample `npm run cost-report -- --fixture` renders, written to
 * `lambda/cost-report/sample/recorded-cost-data.json` by the sample test.
 */
export function sampleCostData(): RecordedCostData {
  const period = reportPeriod(SAMPLE_RUN);
  const september = period.previousMonth;
  const october = period.month;
  const amounts = (column: 1 | 2): [string, string][] =>
    SAMPLE_SERVICES.flatMap((row) => {
      const amount = row[column];
      return amount === undefined ? [] : [[row[0], amount] as [string, string]];
    });
  const total = (rows: readonly (readonly [string, string])[]) =>
    decimal(rows.reduce((sum, [, amount]) => sum + exact(amount), 0n));
  const septemberServices = amounts(1);
  const octoberServices = amounts(2);
  const septemberTotal = total(septemberServices);
  const octoberTotal = total(octoberServices);

  const pagesOf = (
    septemberGroups: [string, string][],
    octoberGroups: [string, string][],
    pageSizes: readonly (readonly [number, number])[],
    query: string,
  ): GetCostAndUsageCommandOutput[] => {
    let s = 0;
    let o = 0;
    return pageSizes.map(([fromSeptember, fromOctober], index) => {
      const results: ResultByTime[] = [];
      if (fromSeptember > 0)
        results.push(monthResult(september, septemberGroups.slice(s, s + fromSeptember)));
      if (fromOctober > 0) {
        results.push(monthResult(october, octoberGroups.slice(o, o + fromOctober), { estimated: true }));
      }
      s += fromSeptember;
      o += fromOctober;
      const next = index < pageSizes.length - 1 ? `${query}-page-${index + 2}` : undefined;
      return costPage(results, next);
    });
  };

  const owners = (month: string, shares: readonly (readonly [string, number])[]) =>
    split(month === september ? septemberTotal : octoberTotal, shares).map(
      ([value, amount]) => [`Owner$${value}`, amount] as [string, string],
    );
  const costCenters = (month: string, shares: readonly (readonly [string, number])[]) =>
    split(month === september ? septemberTotal : octoberTotal, shares).map(
      ([value, amount]) => [`CostCenter$${value}`, amount] as [string, string],
    );

  const trendAmounts = [
    '1188.4312208817',
    '1204.9921475530',
    '1251.7740031288',
    '1236.0815590074',
    '1310.5529114630',
    '1342.2107709915',
    '1398.6650273301',
    '1421.9034518826',
    '1466.3872005113',
    '1489.0213890477',
    septemberTotal,
    octoberTotal,
  ];
  const trendMonths = Array.from({ length: 12 }, (_, index) =>
    new Date(Date.UTC(2025, 10 + index, 1)).toISOString().slice(0, 7),
  );

  return {
    period,
    costByService: pagesOf(
      septemberServices,
      octoberServices,
      [
        [4, 0],
        [4, 4],
        [6, 5],
        [0, 5],
      ],
      'service',
    ),
    costByTag: {
      Owner: pagesOf(
        owners(september, [
          ['team-payments', 41],
          ['team-platform', 22],
          ['team-data', 27],
          ['', 10],
        ]),
        owners(october, [
          ['team-payments', 40],
          ['team-platform', 21],
          ['team-data', 30],
          ['', 9],
        ]),
        [
          [2, 1],
          [2, 2],
          [0, 1],
        ],
        'owner',
      ),
      CostCenter: pagesOf(
        costCenters(september, [
          ['CC-1001', 58],
          ['CC-2040', 28],
          ['', 14],
        ]),
        costCenters(october, [
          ['CC-1001', 55],
          ['CC-2040', 31],
          ['', 14],
        ]),
        [
          [3, 1],
          [0, 2],
        ],
        'cost-center',
      ),
    },
    trend: [
      costPage(
        trendMonths.map((month, index) =>
          totalResult(month, trendAmounts[index] ?? '0', { estimated: month === october }),
        ),
      ),
    ],
    platform: [
      costPage([
        totalResult(september, '38.4127660215'),
        totalResult(october, '41.9023117402', { estimated: true }),
      ]),
    ],
    // November 1 and 2, before the report ran on the 3rd: the forecast adds the rest of the month.
    monthToDate: [costPage([totalResult('2026-11', '104.2700000000', { estimated: true })])],
    forecast: forecastAnswer(
      '2026-11-03',
      '2026-12-01',
      '1384.3504117350',
      '1236.8031902215',
      '1531.9110447006',
    ),
    anomalies: [
      anomalyPage(
        [
          {
            AnomalyId: '3f2b9c1e-6d4a-4b7e-9a51-0c8e2d7f4a19',
            AnomalyStartDate: '2026-10-14T00:00:00Z',
            AnomalyEndDate: '2026-10-16T00:00:00Z',
            DimensionValue: 'AWS Lambda',
            RootCauses: [
              {
                Service: 'AWS Lambda',
                Region: 'eu-west-1',
                UsageType: 'EU-Lambda-GB-Second',
                LinkedAccount: '123456789012',
                LinkedAccountName: 'acme-production',
                Impact: { Contribution: 38.62 },
              },
            ],
            AnomalyScore: { MaxScore: 0.84, CurrentScore: 0.12 },
            Impact: {
              MaxImpact: 21.4,
              TotalImpact: 38.62,
              TotalActualSpend: 86.9,
              TotalExpectedSpend: 48.28,
              TotalImpactPercentage: 79.99,
            },
            MonitorArn: 'arn:aws:ce::123456789012:anomalymonitor/6c1f0d4e-2a77-4c1b-8b0f-59e3a1d2c7b4',
          },
        ],
        'anomalies-page-2',
      ),
      anomalyPage([
        {
          AnomalyId: '9a7d4e02-1b3c-4f68-8e25-7d6c5b4a3f21',
          AnomalyStartDate: '2026-10-20T00:00:00Z',
          AnomalyEndDate: '2026-10-27T00:00:00Z',
          DimensionValue: 'AmazonCloudWatch',
          RootCauses: [
            {
              Service: 'AmazonCloudWatch',
              Region: 'eu-west-1',
              UsageType: 'EU-DataProcessing-Bytes',
              LinkedAccount: '123456789012',
              LinkedAccountName: 'acme-production',
              Impact: { Contribution: 36.5 },
            },
            {
              Service: 'AWS X-Ray',
              Region: 'eu-west-1',
              UsageType: 'EU-XRay-TracesStored',
              LinkedAccount: '123456789012',
              LinkedAccountName: 'acme-production',
              Impact: { Contribution: 7.6 },
            },
          ],
          AnomalyScore: { MaxScore: 0.71, CurrentScore: 0.05 },
          Impact: {
            MaxImpact: 9.85,
            TotalImpact: 44.1,
            TotalActualSpend: 116.16,
            TotalExpectedSpend: 72.06,
            TotalImpactPercentage: 61.2,
          },
          MonitorArn: 'arn:aws:ce::123456789012:anomalymonitor/6c1f0d4e-2a77-4c1b-8b0f-59e3a1d2c7b4',
        },
      ]),
    ],
    budgets: [
      costBudget('monthly-account-total', '2000.0', '104.27', '1592.89'),
      // A tight quarterly budget the data team's Athena queries ate into.
      costBudget('q4-data-team', '600.0', '510.0', '890.4', 'QUARTERLY'),
    ],
    // 4 pages by service, 3 by Owner, 2 by CostCenter, trend, platform, month to date, forecast, 2 anomaly pages.
    costExplorerRequests: 15,
  };
}
