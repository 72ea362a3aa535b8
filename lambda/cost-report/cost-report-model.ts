import type { Budget, BudgetPerformanceHistory } from '@aws-sdk/client-budgets';
import type {
  GetAnomaliesCommandOutput,
  GetCostAndUsageCommandOutput,
  GetCostForecastCommandOutput,
  GetSavingsPlansCoverageCommandOutput,
  GetSavingsPlansUtilizationCommandOutput,
} from '@aws-sdk/client-cost-explorer';

/** GetSavingsPlansUtilization and every page of GetSavingsPlansCoverage for `month`, or why there are none. */
export type RecordedSavingsPlans =
  | {
      readonly utilization: GetSavingsPlansUtilizationCommandOutput;
      readonly coverage: readonly GetSavingsPlansCoverageCommandOutput[];
    }
  | { readonly unavailable: string };

/** Cost Explorer charges this per API request (list price, us-east-1, in US dollars). */
export const COST_EXPLORER_USD_PER_REQUEST = 0.01;

/** The months a report covers, as Cost Explorer dates (`YYYY-MM-DD`, end exclusive). */
export interface ReportPeriod {
  /** The last full month, `YYYY-MM`. */
  readonly month: string;
  readonly previousMonth: string;
  /** First day of the 12-month trend (11 months before `month`). */
  readonly trendStart: string;
  /** First day after `month`. */
  readonly end: string;
  /** The current (partial) month, `YYYY-MM`, which the forecast covers. */
  readonly currentMonth: string;
}

/**
 * Everything the report is computed from, as the APIs answered: every page of every query. The
 * Lambda records it from Cost Explorer and Budgets; `npm run cost-report -- --fixture DIR` replays a
 * recording of the same requests (lambda/cost-report/recording/), so the same code renders a report
 * without an account.
 */
export interface RecordedCostData {
  readonly period: ReportPeriod;
  /**
   * GetCostAndUsage for `previousMonth` and `month`, MONTHLY, UnblendedCost and AmortizedCost,
   * grouped by SERVICE and RECORD_TYPE (usage, credits, refunds, tax, fees): every page.
   */
  readonly costByService: readonly GetCostAndUsageCommandOutput[];
  /**
   * Same months, UnblendedCost of usage record types only, grouped by SERVICE and USAGE_TYPE: what
   * drove each top mover. Absent in recordings made before it was asked.
   */
  readonly usageByType?: readonly GetCostAndUsageCommandOutput[];
  /** Same months, AmortizedCost, grouped by each cost-allocation tag key from config: every page, keyed by tag key. */
  readonly costByTag: Readonly<Record<string, readonly GetCostAndUsageCommandOutput[]>>;
  /** 12 months ending with `month`, MONTHLY, UnblendedCost, ungrouped: every page. */
  readonly trend: readonly GetCostAndUsageCommandOutput[];
  /** `previousMonth` and `month`, AmortizedCost, filtered to the platform's own tag (`Project=Vigil`): every page. */
  readonly platform: readonly GetCostAndUsageCommandOutput[];
  /**
   * The current month up to today, MONTHLY, UnblendedCost: every page. Cost Explorer forecasts only
   * from today on, so a whole-month forecast is this plus the forecast. Empty on the first day of a month.
   */
  readonly monthToDate?: readonly GetCostAndUsageCommandOutput[];
  /** GetCostForecast for the rest of the current month, or why there is none (a new account has no history). */
  readonly forecast: GetCostForecastCommandOutput | { readonly unavailable: string };
  /** GetAnomalies for `month`: every page. */
  readonly anomalies: readonly GetAnomaliesCommandOutput[];
  /** Savings Plans utilization and coverage of `month`. Absent in recordings made before it was asked. */
  readonly savingsPlans?: RecordedSavingsPlans;
  /** DescribeBudgets: every budget of the account, cost budgets or not. */
  readonly budgets: readonly Budget[];
  /** DescribeBudgetPerformanceHistory of each cost budget for `month`: every page's history. */
  readonly budgetPerformance?: readonly BudgetPerformanceHistory[];
  /** Cost Explorer requests made to record this (each costs {@link COST_EXPLORER_USD_PER_REQUEST}). */
  readonly costExplorerRequests: number;
}

/** Two months of one amount, as the report prints them, and the change between the printed figures. */
export interface MonthlyAmount {
  readonly lastMonth: number;
  readonly monthBefore: number;
  readonly change: number;
  /**
   * Null when either month is zero or below (a percentage of nothing, of a net credit or to a net
   * credit means nothing).
   */
  readonly changePercent: number | null;
}

/** One service's usage: what it cost before credits, refunds, tax and fees. */
export interface ServiceCost extends MonthlyAmount {
  readonly service: string;
  /** `new`: no usage the month before; `gone`: no usage last month. */
  readonly status: 'new' | 'gone' | 'continuing';
  /** Last month's usage with Savings Plans and RI fees spread over what they covered. */
  readonly amortizedLastMonth: number;
  /** Top movers only: the usage types that changed most, largest change first (at most three). */
  readonly drivers?: readonly UsageTypeChange[];
}

/** One usage type of a service (`EU-BoxUsage:c7g.4xlarge`), both months. */
export interface UsageTypeChange {
  readonly usageType: string;
  readonly lastMonth: number;
  readonly monthBefore: number;
  readonly change: number;
}

/**
 * Everything on the bill that is not usage, by Cost Explorer's RECORD_TYPE: credits, refunds, tax,
 * Savings Plans and RI fees, discounts. Credits and refunds are negative.
 */
export interface Adjustment extends MonthlyAmount {
  /** The RECORD_TYPE as Cost Explorer names it (`Credit`, `SavingsPlanUpfrontFee`). */
  readonly recordType: string;
  /** What a reader calls it (`Credits`, `Savings Plans upfront fee`). */
  readonly label: string;
  /** Last month's amount per service it was booked on, largest first. */
  readonly services: readonly { readonly service: string; readonly amount: number }[];
}

export interface TagCost {
  readonly tagKey: string;
  /** One line per tag value, amortized; untagged spend is the value `(untagged)`. */
  readonly values: readonly {
    readonly value: string;
    readonly lastMonth: number;
    readonly monthBefore: number;
  }[];
}

export interface CostAnomaly {
  readonly id: string;
  /** `YYYY-MM-DD`. */
  readonly start: string;
  readonly end?: string;
  readonly impact: number;
  readonly impactPercent?: number;
  /**
   * What a user answered in Cost Explorer: `YES` (a real anomaly), `NO` (not an issue),
   * `PLANNED_ACTIVITY` (expected); absent when nobody answered.
   */
  readonly feedback?: 'YES' | 'NO' | 'PLANNED_ACTIVITY';
  /** Answered `NO` or `PLANNED_ACTIVITY`: listed, marked, and not counted. */
  readonly dismissed: boolean;
  readonly rootCauses: readonly {
    readonly service?: string;
    readonly region?: string;
    readonly usageType?: string;
    readonly linkedAccount?: string;
  }[];
}

export interface BudgetStatus {
  readonly name: string;
  /** The budget period the figures are from, `YYYY-MM-DD` to `YYYY-MM-DD` exclusive: the reported month for a monthly budget. */
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly limit: number;
  readonly actual: number;
  /** actual / limit, in percent. */
  readonly percentUsed: number;
}

/** The monthly report: computed once, rendered as HTML, CSV and JSON. Amounts are in `currency`. */
export interface CostReport {
  readonly schema: 'vigil.cost-report/2';
  readonly generatedAt: string;
  /** ISO 4217 code, from the `Unit` of Cost Explorer's amounts (`USD`, `CNY`). */
  readonly currency: string;
  readonly period: ReportPeriod;
  readonly totals: {
    /** What was billed: usage, then credits, refunds, tax and fees (unblended). */
    readonly net: MonthlyAmount;
    /** Usage before credits, refunds, tax and fees (unblended). */
    readonly grossUsage: MonthlyAmount;
    /** The bill with Savings Plans and RI fees spread over the usage they covered. */
    readonly amortized: MonthlyAmount;
  };
  /** Usage per service, most expensive last month first; services gone since the month before included. */
  readonly services: readonly ServiceCost[];
  /** Credits, refunds, tax and fees, each record type once, largest amount first. */
  readonly adjustments: readonly Adjustment[];
  /** The five largest changes in usage, up or down. */
  readonly topMovers: readonly ServiceCost[];
  readonly byTag: readonly TagCost[];
  /** Twelve months of the bill (net), oldest first. */
  readonly trend: readonly { readonly month: string; readonly amount: number }[];
  readonly forecast:
    | {
        readonly month: string;
        /** The whole month: spend so far plus the forecast for the rest of it. */
        readonly amount: number;
        readonly lower: number;
        readonly upper: number;
        /** e.g. 80 for an 80% prediction interval. */
        readonly predictionIntervalPercent: number;
      }
    | { readonly unavailable: string };
  readonly anomalies: readonly CostAnomaly[];
  /** How well last month's Savings Plans were used, and how much eligible spend they covered. */
  readonly savingsPlans?:
    | {
        readonly totalCommitment: number;
        readonly usedCommitment: number;
        readonly unusedCommitment: number;
        /** used / total commitment, in percent. */
        readonly utilizationPercent: number;
        /** Eligible spend covered by Savings Plans, at on-demand prices, and all eligible spend. */
        readonly coveredSpend: number;
        readonly eligibleSpend: number;
        /** covered / eligible, in percent; null when nothing was eligible. */
        readonly coveragePercent: number | null;
      }
    | { readonly unavailable: string };
  /** Cost budgets against last month's actual cost. */
  readonly budgets: readonly BudgetStatus[];
  /** What Vigil itself cost (resources tagged `Project=Vigil`), amortized. */
  readonly platformCost: { readonly lastMonth: number; readonly monthBefore: number };
  /** What recording this report cost in Cost Explorer requests, in US dollars whatever the account's currency. */
  readonly apiCost: { readonly requests: number; readonly usd: number };
  /** Things a reader must know, e.g. how the rows are rounded to add up to the totals. */
  readonly notes: readonly string[];
}
