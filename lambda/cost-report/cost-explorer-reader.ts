import {
  type Budget,
  type BudgetPerformanceHistory,
  type BudgetsClient,
  DescribeBudgetPerformanceHistoryCommand,
  type DescribeBudgetPerformanceHistoryCommandOutput,
  DescribeBudgetsCommand,
  type DescribeBudgetsCommandOutput,
} from '@aws-sdk/client-budgets';
import {
  type CostExplorerClient,
  type Expression,
  GetAnomaliesCommand,
  type GetAnomaliesCommandOutput,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandInput,
  type GetCostAndUsageCommandOutput,
  GetCostForecastCommand,
  type GetCostForecastCommandOutput,
  GetSavingsPlansCoverageCommand,
  type GetSavingsPlansCoverageCommandOutput,
  GetSavingsPlansUtilizationCommand,
  type GetSavingsPlansUtilizationCommandOutput,
  type GroupDefinition,
} from '@aws-sdk/client-cost-explorer';
import { backOff } from 'exponential-backoff';
import type { RecordedCostData, RecordedSavingsPlans, ReportPeriod } from './cost-report-model';
import { firstDayAfter, firstDayOf, isoDate, lastDayOf } from './report-period';

/** What was billed, as billed: credits, refunds, tax and fees on the day they were charged. */
export const COST_METRIC = 'UnblendedCost';
/** Savings Plans and RI fees spread over the usage they covered: what a team's usage really cost. */
export const AMORTIZED_METRIC = 'AmortizedCost';

/**
 * RECORD_TYPE values that are usage, before credits, refunds, tax and fees (the RECORD_TYPE dimension
 * of API_GetDimensionValues.html). Covered usage is priced on demand in UnblendedCost; the Savings
 * Plan's negation line, not usage, takes it back.
 */
export const USAGE_RECORD_TYPES: readonly string[] = ['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'];

/** The forecast's prediction interval, in percent; the response does not repeat it. */
export const FORECAST_PREDICTION_INTERVAL_PERCENT = 80;

export interface CostReportClients {
  /** Cost Explorer in us-east-1. */
  readonly costExplorer: CostExplorerClient;
  /** AWS Budgets in us-east-1. */
  readonly budgets: BudgetsClient;
}

export interface RecordCostDataOptions {
  readonly period: ReportPeriod;
  /** The account whose budgets are read. */
  readonly accountId: string;
  /** Cost-allocation tag keys to break the cost down by, such as `Owner`. */
  readonly tagKeys: readonly string[];
  /** The tag on the platform's own resources, such as `Project=Vigil`. */
  readonly platformTag: { readonly key: string; readonly value: string };
  /** When the report runs: the forecast starts on this UTC day. */
  readonly now: Date;
  /** Attempts per request while throttled, the first included. @default 6 */
  readonly attempts?: number;
  /** First delay after a throttled request; later ones double, up to 20 s. @default 1000 ms */
  readonly retryDelayMs?: number;
}

/** A query failed for a reason other than throttling, or stayed throttled after every attempt. */
export class CostDataError extends Error {
  override readonly name = 'CostDataError';
}

// The SDK retries these too, but within about a second; Cost Explorer throttles per account, and
// another tool reading costs at the same time can need longer waits than that.
const THROTTLING = new Set(['LimitExceededException', 'ThrottlingException', 'TooManyRequestsException']);
// Every page costs money: a token that never runs out must not become an endless bill.
const MAX_PAGES = 100;

/**
 * Reads everything the monthly report needs from Cost Explorer and Budgets, every page of every
 * query. Queries run one after another: Cost Explorer throttles per account, and a monthly job has
 * time to spare.
 */
export async function recordCostData(
  clients: CostReportClients,
  options: RecordCostDataOptions,
): Promise<RecordedCostData> {
  const { period } = options;
  const requests = new Requests(options);
  const costAndUsage = (query: string, input: GetCostAndUsageCommandInput) =>
    allPages(input, (pageInput, page) =>
      requests.costExplorer(`GetCostAndUsage (${query}, page ${page})`, () =>
        clients.costExplorer.send(new GetCostAndUsageCommand(pageInput)),
      ),
    );
  const twoMonths = { Start: firstDayOf(period.previousMonth), End: period.end };
  const monthly = (...metrics: string[]) => ({ Granularity: 'MONTHLY' as const, Metrics: metrics });

  // Two dimensions, the most GetCostAndUsage groups by: usage per service apart from the credits,
  // refunds, tax and fees booked on it, so a service fully covered by credits still shows its usage.
  const costByService = await costAndUsage('cost by service and record type', {
    TimePeriod: twoMonths,
    ...monthly(COST_METRIC, AMORTIZED_METRIC),
    GroupBy: [
      { Type: 'DIMENSION', Key: 'SERVICE' },
      { Type: 'DIMENSION', Key: 'RECORD_TYPE' },
    ],
  });
  // What drove each service's change: its usage by usage type (which names the region, such as
  // `EU-BoxUsage:c7g.4xlarge`), usage record types only so credits do not hide a driver.
  const usageByType = await costAndUsage('usage by service and usage type', {
    TimePeriod: twoMonths,
    ...monthly(COST_METRIC),
    GroupBy: [
      { Type: 'DIMENSION', Key: 'SERVICE' },
      { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
    ],
    Filter: { Dimensions: { Key: 'RECORD_TYPE', Values: [...USAGE_RECORD_TYPES] } },
  });
  // Teams by tag, amortized: a Savings Plan's fee lands on the usage it covered, not untagged.
  const costByTag: Record<string, GetCostAndUsageCommandOutput[]> = {};
  for (const key of new Set(options.tagKeys)) {
    const GroupBy: GroupDefinition[] = [{ Type: 'TAG', Key: key }];
    costByTag[key] = await costAndUsage(`cost by tag ${key}`, {
      TimePeriod: twoMonths,
      ...monthly(AMORTIZED_METRIC),
      GroupBy,
    });
  }
  const trend = await costAndUsage('12-month trend', {
    TimePeriod: { Start: period.trendStart, End: period.end },
    ...monthly(COST_METRIC),
  });
  const platformFilter: Expression = {
    Tags: { Key: options.platformTag.key, Values: [options.platformTag.value] },
  };
  const platform = await costAndUsage(
    `platform cost (${options.platformTag.key}=${options.platformTag.value})`,
    { TimePeriod: twoMonths, ...monthly(AMORTIZED_METRIC), Filter: platformFilter },
  );
  const today = isoDate(options.now);
  const monthStart = firstDayOf(period.currentMonth);
  // GetCostAndUsage rejects an empty period, which the first day of a month would be.
  const monthToDate =
    today > monthStart
      ? await costAndUsage('month to date', {
          TimePeriod: { Start: monthStart, End: today },
          ...monthly(COST_METRIC),
        })
      : [];
  const forecast = await recordForecast(clients.costExplorer, requests, period, options.now);
  const anomalies = await allPages(
    // GetAnomalies' end date is inclusive: the anomalies that ended within the month.
    { DateInterval: { StartDate: firstDayOf(period.month), EndDate: lastDayOf(period.month) } },
    (pageInput, page): Promise<GetAnomaliesCommandOutput> =>
      requests.costExplorer(`GetAnomalies (${period.month}, page ${page})`, () =>
        clients.costExplorer.send(new GetAnomaliesCommand(pageInput)),
      ),
  );
  const savingsPlans = await recordSavingsPlans(clients.costExplorer, requests, period);
  const budgets = await recordBudgets(clients.budgets, requests, options.accountId);
  const budgetPerformance = await recordBudgetPerformance(
    clients.budgets,
    requests,
    options.accountId,
    budgets,
    period.month,
  );
  return {
    period,
    costByService,
    usageByType,
    costByTag,
    trend,
    platform,
    monthToDate,
    forecast,
    anomalies,
    savingsPlans,
    budgets,
    budgetPerformance,
    costExplorerRequests: requests.costExplorerCount,
  };
}

async function recordForecast(
  costExplorer: CostExplorerClient,
  requests: Requests,
  period: ReportPeriod,
  now: Date,
): Promise<GetCostForecastCommandOutput | { readonly unavailable: string }> {
  const today = isoDate(now);
  const monthStart = firstDayOf(period.currentMonth);
  const start = today > monthStart ? today : monthStart;
  const end = firstDayAfter(period.currentMonth);
  if (start >= end) {
    return { unavailable: `${period.currentMonth} is over: there is nothing left to forecast.` };
  }
  if (start === lastDayOf(period.currentMonth)) {
    return {
      unavailable: `${start} is the last day of ${period.currentMonth}: there is no rest of the month to forecast.`,
    };
  }
  try {
    return await requests.costExplorer(`GetCostForecast (${start} to ${end})`, () =>
      costExplorer.send(
        new GetCostForecastCommand({
          TimePeriod: { Start: start, End: end },
          Metric: 'UNBLENDED_COST',
          Granularity: 'MONTHLY',
          PredictionIntervalLevel: FORECAST_PREDICTION_INTERVAL_PERCENT,
        }),
      ),
    );
  } catch (error) {
    // A new account has no history to forecast from: the report is still worth sending.
    if (error instanceof CostDataError && nameOf(error.cause) === 'DataUnavailableException') {
      return {
        unavailable:
          `Cost Explorer has too little cost history to forecast ${period.currentMonth} ` +
          `(${messageOf(error.cause)}).`,
      };
    }
    throw error;
  }
}

/**
 * Savings Plans utilization and coverage of the reported month. An account without Savings Plans
 * answers DataUnavailableException: recorded as such, and coverage (then 0%) is not asked.
 */
async function recordSavingsPlans(
  costExplorer: CostExplorerClient,
  requests: Requests,
  period: ReportPeriod,
): Promise<RecordedSavingsPlans> {
  const month = {
    TimePeriod: { Start: firstDayOf(period.month), End: period.end },
    Granularity: 'MONTHLY' as const,
  };
  let utilization: GetSavingsPlansUtilizationCommandOutput;
  try {
    utilization = await requests.costExplorer(`GetSavingsPlansUtilization (${period.month})`, () =>
      costExplorer.send(new GetSavingsPlansUtilizationCommand(month)),
    );
  } catch (error) {
    if (error instanceof CostDataError && nameOf(error.cause) === 'DataUnavailableException') {
      return { unavailable: `no Savings Plans in ${period.month} (${messageOf(error.cause)})` };
    }
    throw error;
  }
  const coverage: GetSavingsPlansCoverageCommandOutput[] = [];
  let token: string | undefined;
  do {
    if (coverage.length >= MAX_PAGES) {
      throw new CostDataError(
        `GetSavingsPlansCoverage still had more pages after ${MAX_PAGES}; stopped reading`,
      );
    }
    const input = token === undefined ? month : { ...month, NextToken: token };
    const page = await requests.costExplorer(
      `GetSavingsPlansCoverage (${period.month}, page ${coverage.length + 1})`,
      () => costExplorer.send(new GetSavingsPlansCoverageCommand(input)),
    );
    coverage.push(page);
    token = page.NextToken;
  } while (token);
  return { utilization, coverage };
}

async function recordBudgets(
  budgets: BudgetsClient,
  requests: Requests,
  accountId: string,
): Promise<Budget[]> {
  const all: Budget[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const input = { AccountId: accountId, ...(token === undefined ? {} : { NextToken: token }) };
    let page: DescribeBudgetsCommandOutput;
    try {
      page = await requests.other(`Budgets DescribeBudgets (page ${++pages})`, () =>
        budgets.send(new DescribeBudgetsCommand(input)),
      );
    } catch (error) {
      // Budgets answers an account without any budget with NotFoundException, not an empty list.
      if (pages === 1 && error instanceof CostDataError && nameOf(error.cause) === 'NotFoundException') {
        return [];
      }
      throw error;
    }
    all.push(...(page.Budgets ?? []));
    token = page.NextToken;
    if (token !== undefined && pages >= MAX_PAGES) {
      throw new CostDataError(`DescribeBudgets still had more pages after ${MAX_PAGES}; stopped reading`);
    }
  } while (token);
  // All of them: the report names the budgets that measure something else than money, and why
  // they are not shown.
  return all;
}

/**
 * Each cost budget's budgeted and actual amount in the reported month (DescribeBudgets shows only
 * the current period). Usage, RI and Savings Plans budgets measure hours or percentages, not money;
 * Budgets keeps no history for annual budgets.
 */
async function recordBudgetPerformance(
  budgets: BudgetsClient,
  requests: Requests,
  accountId: string,
  all: readonly Budget[],
  month: string,
): Promise<BudgetPerformanceHistory[]> {
  const histories: BudgetPerformanceHistory[] = [];
  for (const budget of all) {
    if (budget.BudgetType !== 'COST' || budget.TimeUnit === 'ANNUALLY' || !budget.BudgetName) continue;
    const input = {
      AccountId: accountId,
      BudgetName: budget.BudgetName,
      TimePeriod: {
        Start: new Date(`${firstDayOf(month)}T00:00:00Z`),
        End: new Date(`${firstDayAfter(month)}T00:00:00Z`),
      },
    };
    let token: string | undefined;
    let pages = 0;
    do {
      const pageInput = token === undefined ? input : { ...input, NextToken: token };
      let page: DescribeBudgetPerformanceHistoryCommandOutput;
      try {
        page = await requests.other(
          `Budgets DescribeBudgetPerformanceHistory (${budget.BudgetName}, page ${++pages})`,
          () => budgets.send(new DescribeBudgetPerformanceHistoryCommand(pageInput)),
        );
      } catch (error) {
        // A budget created after the month has no history of it; the report says so.
        if (pages === 1 && error instanceof CostDataError && nameOf(error.cause) === 'NotFoundException')
          break;
        throw error;
      }
      if (page.BudgetPerformanceHistory) histories.push(page.BudgetPerformanceHistory);
      token = page.NextToken;
      if (token !== undefined && pages >= MAX_PAGES) {
        throw new CostDataError(
          `DescribeBudgetPerformanceHistory still had more pages after ${MAX_PAGES}; stopped reading`,
        );
      }
    } while (token);
  }
  return histories;
}

/**
 * Every page of a Cost Explorer query. Each page is asked with exactly the first page's input plus
 * the token: a page asked without the same grouping or filter answers a different question.
 */
async function allPages<TInput extends object, TOutput extends { NextPageToken?: string }>(
  input: TInput,
  send: (input: TInput & { NextPageToken?: string }, page: number) => Promise<TOutput>,
): Promise<TOutput[]> {
  const pages: TOutput[] = [];
  let token: string | undefined;
  do {
    if (pages.length >= MAX_PAGES) {
      throw new CostDataError(`Cost Explorer still had more pages after ${MAX_PAGES}; stopped reading`);
    }
    const pageInput = token === undefined ? { ...input } : { ...input, NextPageToken: token };
    const page = await send(pageInput, pages.length + 1);
    pages.push(page);
    token = page.NextPageToken;
  } while (token);
  return pages;
}

/** Sends with retries on throttling, names the query in failures, and counts what Cost Explorer bills. */
class Requests {
  costExplorerCount = 0;
  private readonly attempts: number;
  private readonly retryDelayMs: number;

  constructor(options: Pick<RecordCostDataOptions, 'attempts' | 'retryDelayMs'>) {
    this.attempts = options.attempts ?? 6;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  /** A billed Cost Explorer request: every attempt counts, the SDK's own retries included. */
  costExplorer<T>(query: string, send: () => Promise<T>): Promise<T> {
    const counted = async () => {
      try {
        const output = await send();
        this.costExplorerCount += attemptsOf(output);
        return output;
      } catch (error) {
        this.costExplorerCount += attemptsOf(error);
        throw error;
      }
    };
    return this.retried(`Cost Explorer ${query}`, counted);
  }

  other<T>(query: string, send: () => Promise<T>): Promise<T> {
    return this.retried(query, send);
  }

  private retried<T>(query: string, send: () => Promise<T>): Promise<T> {
    return backOff(send, {
      numOfAttempts: this.attempts,
      startingDelay: this.retryDelayMs,
      timeMultiple: 2,
      maxDelay: 20_000,
      jitter: 'full',
      retry: (error) => THROTTLING.has(nameOf(error)),
    }).catch((error: unknown) => {
      const throttled = THROTTLING.has(nameOf(error));
      throw new CostDataError(
        `${query} failed${throttled ? ` (still throttled after ${this.attempts} attempts)` : ''}: ` +
          `${nameOf(error)}: ${messageOf(error)}`,
        { cause: error },
      );
    });
  }
}

/** Attempts the SDK made for one send; a stand-in without metadata counts as one. */
function attemptsOf(outputOrError: unknown): number {
  const attempts = (outputOrError as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' && attempts > 0 ? attempts : 1;
}

function nameOf(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : 'Error';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
