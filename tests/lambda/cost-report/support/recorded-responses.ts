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

/**
 * One month of a GetCostAndUsage answer; `groups` as `[key, amount]` (`[[service, recordType], amount]`
 * for the query by SERVICE and RECORD_TYPE), none for an ungrouped query. Each group carries the
 * amount as both UnblendedCost and AmortizedCost, as an account without Savings Plans or RIs answers.
 */
export function monthResult(
  month: string,
  groups: readonly (readonly [string | readonly string[], string])[],
  options: { estimated?: boolean; unit?: string } = {},
): ResultByTime {
  const unit = options.unit ?? 'USD';
  return {
    TimePeriod: { Start: `${month}-01`, End: firstDayAfter(month) },
    Total: {},
    Groups: groups.map(([key, amount]) => ({
      Keys: typeof key === 'string' ? [key] : [...key],
      Metrics: {
        UnblendedCost: { Amount: amount, Unit: unit },
        AmortizedCost: { Amount: amount, Unit: unit },
      },
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
    Total: {
      UnblendedCost: { Amount: amount, Unit: 'USD' },
      AmortizedCost: { Amount: amount, Unit: 'USD' },
    },
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
