import type { Budget } from '@aws-sdk/client-budgets';
import type {
  GetAnomaliesCommandOutput,
  GetCostAndUsageCommandOutput,
  GetCostForecastCommandOutput,
} from '@aws-sdk/client-cost-explorer';

/** Cost Explorer charges this per API request (list price, us-east-1). */
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
 * Lambda records it from Cost Explorer and Budgets; `npm run cost-report -- --fixture` reads it from
 * a file, so the same code renders a report without an account.
 */
export interface RecordedCostData {
  readonly period: ReportPeriod;
  /** GetCostAndUsage for `previousMonth` and `month`, MONTHLY, UnblendedCost, grouped by SERVICE: every page. */
  readonly costByService: readonly GetCostAndUsageCommandOutput[];
  /** Same months grouped by each cost-allocation tag key from config: every page, keyed by tag key. */
  readonly costByTag: Readonly<Record<string, readonly GetCostAndUsageCommandOutput[]>>;
  /** 12 months ending with `month`, MONTHLY, UnblendedCost, ungrouped: every page. */
  readonly trend: readonly GetCostAndUsageCommandOutput[];
  /** `previousMonth` and `month` filtered to the platform's own tag (`Project=Vigil`): every page. */
  readonly platform: readonly GetCostAndUsageCommandOutput[];
  /**
   * The current month up to today, MONTHLY, UnblendedCost: every page. Cost Explorer forecasts only
   * from today on, so a whole-month forecast is this plus the forecast. Absent in recordings made
   * before it was recorded, and empty on the first day of a month.
   */
  readonly monthToDate?: readonly GetCostAndUsageCommandOutput[];
  /** GetCostForecast for the rest of the current month, or why there is none (a new account has no history). */
  readonly forecast: GetCostForecastCommandOutput | { readonly unavailable: string };
  /** GetAnomalies for `month`: every page. */
  readonly anomalies: readonly GetAnomaliesCommandOutput[];
  /** DescribeBudgets: the account's cost budgets. */
  readonly budgets: readonly Budget[];
  /** Cost Explorer requests made to record this (each costs {@link COST_EXPLORER_USD_PER_REQUEST}). */
  readonly costExplorerRequests: number;
}

export interface ServiceCost {
  readonly service: string;
  readonly lastMonth: number;
  readonly monthBefore: number;
  readonly changeUsd: number;
  /** Null when the month before was zero: a percentage of nothing means nothing. */
  readonly changePercent: number | null;
  /** `new`: no cost the month before; `gone`: no cost last month. */
  readonly status: 'new' | 'gone' | 'continuing';
}

export interface TagCost {
  readonly tagKey: string;
  /** One line per tag value; untagged spend is the value `(untagged)`. */
  readonly values: readonly {
    readonly value: string;
    readonly lastMonth: number;
    readonly monthBefore: number;
  }[];
}

export interface CostAnomaly {
  readonly id: string;
  readonly start: string;
  readonly end?: string;
  readonly impactUsd: number;
  readonly impactPercent?: number;
  readonly rootCauses: readonly {
    readonly service?: string;
    readonly region?: string;
    readonly usageType?: string;
    readonly linkedAccount?: string;
  }[];
}

export interface BudgetStatus {
  readonly name: string;
  readonly limitUsd: number;
  readonly actualUsd: number;
  readonly forecastUsd?: number;
  /** actual / limit, in percent. */
  readonly percentUsed: number;
}

/** The monthly report: computed once, rendered as HTML, CSV and JSON. Amounts are US dollars. */
export interface CostReport {
  readonly schema: 'vigil.cost-report/1';
  readonly generatedAt: string;
  readonly currency: 'USD';
  readonly period: ReportPeriod;
  readonly totals: {
    readonly lastMonth: number;
    readonly monthBefore: number;
    readonly changeUsd: number;
    readonly changePercent: number | null;
  };
  /** Most expensive last month first; services gone since the month before included. */
  readonly services: readonly ServiceCost[];
  /** The five largest changes in dollars, up or down. */
  readonly topMovers: readonly ServiceCost[];
  readonly byTag: readonly TagCost[];
  /** Twelve months, oldest first. */
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
  readonly budgets: readonly BudgetStatus[];
  /** What Vigil itself cost (resources tagged `Project=Vigil`). */
  readonly platformCost: { readonly lastMonth: number; readonly monthBefore: number };
  /** What recording this report cost in Cost Explorer requests. */
  readonly apiCost: { readonly requests: number; readonly usd: number };
  /** Things a reader must know, e.g. that credits and refunds are included as negative amounts. */
  readonly notes: readonly string[];
}
