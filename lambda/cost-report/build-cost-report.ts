import type { Budget } from '@aws-sdk/client-budgets';
import type { Anomaly, GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import { COST_METRIC, FORECAST_PREDICTION_INTERVAL_PERCENT } from './cost-explorer-reader';
import {
  type BudgetStatus,
  COST_EXPLORER_USD_PER_REQUEST,
  type CostAnomaly,
  type CostReport,
  type RecordedCostData,
  type ReportPeriod,
  type ServiceCost,
  type TagCost,
} from './cost-report-model';
import { firstDayAfter } from './report-period';

export interface BuildCostReportOptions {
  readonly generatedAt: Date;
  /** Tag keys in the order the report lists them. @default the keys recorded, in recorded order */
  readonly tagKeys?: readonly string[];
}

const TOP_MOVERS = 5;
const UNTAGGED = '(untagged)';

/**
 * The monthly report from what Cost Explorer and Budgets answered. Pure: the same data gives the same
 * report, so a recorded file renders without an account.
 *
 * Dollar amounts are kept as exact decimals (whole pico-dollars) while they are summed, and rounded to
 * cents only in the finished report: a service's cost is the sum of many small parts across pages.
 */
export function buildCostReport(data: RecordedCostData, options: BuildCostReportOptions): CostReport {
  const { period } = data;
  const findings = new Findings();
  const byService = mergePages(data.costByService, findings);
  const lastMonth = byService.total(period.month);
  const monthBefore = byService.total(period.previousMonth);
  const { services, negligible } = serviceCosts(byService, period);

  const notes: string[] = [];
  for (const month of [period.month, period.previousMonth]) {
    if (!byService.hasGroups(month))
      notes.push(`Cost Explorer returned no costs for ${month}: it counts as $0.`);
  }
  if (byService.estimated.has(period.month)) {
    notes.push(
      `Cost Explorer marks ${period.month} as estimated: AWS can still adjust it until the bill is final.`,
    );
  }
  const trend = trendOf(mergePages(data.trend, findings), period, notes);
  const byTag = tagCosts(
    data.costByTag,
    options.tagKeys ?? Object.keys(data.costByTag),
    period,
    findings,
    notes,
  );
  const platform = mergePages(data.platform, findings);
  if (findings.negativeAmounts > 0) {
    const credited = services.filter((service) => service.lastMonth < 0).map((service) => service.service);
    notes.push(
      'Credits and refunds are included as negative amounts, so every cost is net of them' +
        (credited.length > 0 ? ` (below zero in ${period.month}: ${credited.join(', ')}).` : '.'),
    );
  }
  if (findings.unreadableAmounts > 0) {
    notes.push(`${findings.unreadableAmounts} amounts from Cost Explorer were not numbers and count as $0.`);
  }
  if (findings.undatedResults > 0) {
    notes.push(`${findings.undatedResults} Cost Explorer results had no time period and were left out.`);
  }
  if (negligible > 0) {
    notes.push(`${negligible} services cost less than half a cent in both months and are not listed.`);
  }

  return {
    schema: 'vigil.cost-report/1',
    generatedAt: options.generatedAt.toISOString(),
    currency: 'USD',
    period,
    totals: {
      lastMonth: toUsd(lastMonth),
      monthBefore: toUsd(monthBefore),
      ...changeOf(lastMonth, monthBefore),
    },
    services,
    topMovers: topMovers(services),
    byTag,
    trend,
    forecast: forecastOf(
      data.forecast,
      data.monthToDate && mergePages(data.monthToDate, findings),
      period,
      notes,
    ),
    anomalies: anomaliesOf(data.anomalies),
    budgets: budgetsOf(data.budgets, period, notes),
    platformCost: platformCostOf(platform, period, notes),
    apiCost: {
      requests: data.costExplorerRequests,
      usd: toUsd(
        BigInt(data.costExplorerRequests) * (parseAmount(String(COST_EXPLORER_USD_PER_REQUEST)) ?? 0n),
      ),
    },
    notes,
  };
}

/** What reading the raw amounts turned up, for the notes. */
class Findings {
  negativeAmounts = 0;
  unreadableAmounts = 0;
  undatedResults = 0;
}

/** One query's pages, merged: amounts per month (`YYYY-MM`) and group key. */
class MonthlyCosts {
  readonly groups = new Map<string, Map<string, bigint>>();
  readonly totals = new Map<string, bigint>();
  readonly estimated = new Set<string>();

  hasGroups(month: string): boolean {
    return (this.groups.get(month)?.size ?? 0) > 0;
  }

  has(month: string): boolean {
    return this.groups.has(month) || this.totals.has(month);
  }

  /** The month's groups summed; an ungrouped query's Total. */
  total(month: string): bigint {
    const groups = this.groups.get(month);
    if (groups && groups.size > 0) return sum(groups.values());
    return this.totals.get(month) ?? 0n;
  }

  amount(month: string, key: string): bigint {
    return this.groups.get(month)?.get(key) ?? 0n;
  }

  keys(...months: string[]): Set<string> {
    return new Set(months.flatMap((month) => [...(this.groups.get(month)?.keys() ?? [])]));
  }
}

/**
 * Pages merged by month and group key. Cost Explorer can split one month's groups over several
 * pages, and can list the same group on more than one: parts are added, never replaced.
 */
function mergePages(pages: readonly GetCostAndUsageCommandOutput[], findings: Findings): MonthlyCosts {
  const merged = new MonthlyCosts();
  const read = (text: string | undefined): bigint => {
    const amount = parseAmount(text);
    if (amount === undefined) {
      findings.unreadableAmounts++;
      return 0n;
    }
    if (amount < 0n) findings.negativeAmounts++;
    return amount;
  };
  for (const result of pages.flatMap((page) => page.ResultsByTime ?? [])) {
    const month = result.TimePeriod?.Start?.slice(0, 7);
    if (!month) {
      findings.undatedResults++;
      continue;
    }
    if (result.Estimated) merged.estimated.add(month);
    const groups = result.Groups ?? [];
    if (groups.length === 0) {
      // A grouped query's Total is empty; an ungrouped one has a single Total per month.
      const total = result.Total?.[COST_METRIC];
      if (total) merged.totals.set(month, (merged.totals.get(month) ?? 0n) + read(total.Amount));
      else if (!merged.groups.has(month)) merged.groups.set(month, new Map());
      continue;
    }
    const amounts = merged.groups.get(month) ?? new Map<string, bigint>();
    merged.groups.set(month, amounts);
    for (const group of groups) {
      const key = group.Keys?.join(', ') || '(no key)';
      amounts.set(key, (amounts.get(key) ?? 0n) + read(group.Metrics?.[COST_METRIC]?.Amount));
    }
  }
  return merged;
}

function serviceCosts(
  byService: MonthlyCosts,
  period: ReportPeriod,
): { services: ServiceCost[]; negligible: number } {
  let negligible = 0;
  const exact = [...byService.keys(period.month, period.previousMonth)].flatMap((service) => {
    const last = byService.amount(period.month, service);
    const before = byService.amount(period.previousMonth, service);
    if (isZero(last) && isZero(before)) {
      negligible++;
      return [];
    }
    return [{ service, last, before }];
  });
  exact.sort(
    (a, b) => compare(b.last, a.last) || compare(b.before, a.before) || a.service.localeCompare(b.service),
  );
  const services = exact.map(({ service, last, before }): ServiceCost => {
    const status = isZero(before) ? 'new' : isZero(last) ? 'gone' : 'continuing';
    return {
      service,
      lastMonth: toUsd(last),
      monthBefore: toUsd(before),
      ...changeOf(last, before),
      status,
    };
  });
  return { services, negligible };
}

function topMovers(services: readonly ServiceCost[]): ServiceCost[] {
  return services
    .filter((service) => service.changeUsd !== 0)
    .sort((a, b) => Math.abs(b.changeUsd) - Math.abs(a.changeUsd) || a.service.localeCompare(b.service))
    .slice(0, TOP_MOVERS);
}

function tagCosts(
  costByTag: RecordedCostData['costByTag'],
  tagKeys: readonly string[],
  period: ReportPeriod,
  findings: Findings,
  notes: string[],
): TagCost[] {
  return [...new Set(tagKeys)].map((tagKey) => {
    const pages = costByTag[tagKey];
    if (!pages || pages.length === 0) {
      notes.push(`No costs were recorded for the tag ${tagKey}.`);
      return { tagKey, values: [] };
    }
    const merged = mergePages(pages, findings);
    const values = new Map<string, { last: bigint; before: bigint }>();
    for (const key of merged.keys(period.month, period.previousMonth)) {
      const value = tagValueOf(key, tagKey);
      const line = values.get(value) ?? { last: 0n, before: 0n };
      line.last += merged.amount(period.month, key);
      line.before += merged.amount(period.previousMonth, key);
      values.set(value, line);
    }
    return {
      tagKey,
      values: [...values]
        .filter(([, { last, before }]) => !(isZero(last) && isZero(before)))
        .sort(([a, x], [b, y]) => compare(y.last, x.last) || a.localeCompare(b))
        .map(([value, { last, before }]) => ({ value, lastMonth: toUsd(last), monthBefore: toUsd(before) })),
    };
  });
}

/** `Owner$team-a` → `team-a`; `Owner$` is spend without the tag. */
function tagValueOf(groupKey: string, tagKey: string): string {
  const prefix = `${tagKey}$`;
  const value = groupKey.startsWith(prefix)
    ? groupKey.slice(prefix.length)
    : groupKey.slice(groupKey.indexOf('$') + 1);
  return value === '' ? UNTAGGED : value;
}

function trendOf(trend: MonthlyCosts, period: ReportPeriod, notes: string[]): CostReport['trend'] {
  const months: string[] = [];
  for (
    let month = period.trendStart.slice(0, 7);
    month <= period.month;
    month = firstDayAfter(month).slice(0, 7)
  ) {
    months.push(month);
  }
  const missing = months.filter((month) => !trend.has(month));
  if (missing.length > 0) {
    notes.push(`The trend has no data for ${missing.join(', ')}: shown as $0.`);
  }
  return months.map((month) => ({ month, amount: toUsd(trend.total(month)) }));
}

function forecastOf(
  forecast: RecordedCostData['forecast'],
  monthToDate: MonthlyCosts | undefined,
  period: ReportPeriod,
  notes: string[],
): CostReport['forecast'] {
  if ('unavailable' in forecast) return { unavailable: forecast.unavailable };
  const results = forecast.ForecastResultsByTime ?? [];
  const rest = parseAmount(forecast.Total?.Amount) ?? sumOf(results.map((result) => result.MeanValue));
  if (rest === undefined) return { unavailable: 'Cost Explorer answered without a forecast amount.' };
  // Cost Explorer forecasts from today on; the month's figure adds what is already spent.
  const spent = monthToDate?.total(period.currentMonth) ?? 0n;
  const start = results[0]?.TimePeriod?.Start;
  if (start && start > `${period.currentMonth}-01` && monthToDate === undefined) {
    notes.push(
      `The forecast covers ${start} to the end of ${period.currentMonth} only: this recording has no spend from earlier in the month.`,
    );
  } else if (start && start > `${period.currentMonth}-01`) {
    notes.push(
      `The forecast for ${period.currentMonth} is ${formatCents(spent)} spent before ${start} plus ` +
        `${formatCents(rest)} forecast for the rest of the month.`,
    );
  }
  const bound = (values: readonly (string | undefined)[]) => spent + (sumOf(values) ?? rest);
  return {
    month: period.currentMonth,
    amount: toUsd(spent + rest),
    lower: toUsd(bound(results.map((result) => result.PredictionIntervalLowerBound))),
    upper: toUsd(bound(results.map((result) => result.PredictionIntervalUpperBound))),
    predictionIntervalPercent: FORECAST_PREDICTION_INTERVAL_PERCENT,
  };
}

function formatCents(amount: bigint): string {
  return `$${toUsd(amount).toFixed(2)}`;
}

function anomaliesOf(pages: RecordedCostData['anomalies']): CostAnomaly[] {
  const byId = new Map<string, Anomaly>();
  for (const anomaly of pages.flatMap((page) => page.Anomalies ?? [])) {
    if (anomaly.AnomalyId) byId.set(anomaly.AnomalyId, anomaly);
  }
  return [...byId.values()]
    .map((anomaly): CostAnomaly => {
      const impact = anomaly.Impact;
      const percent = impact?.TotalImpactPercentage;
      return withoutUndefined({
        id: anomaly.AnomalyId ?? '',
        start: anomaly.AnomalyStartDate ?? anomaly.AnomalyEndDate ?? '',
        end: anomaly.AnomalyEndDate,
        // TotalImpact is the whole anomaly; older anomalies carry only the largest daily impact.
        impactUsd: toUsd(exactNumber(impact?.TotalImpact ?? impact?.MaxImpact ?? 0)),
        impactPercent:
          typeof percent === 'number' && Number.isFinite(percent)
            ? toTenths(exactNumber(percent))
            : undefined,
        rootCauses: (anomaly.RootCauses ?? []).map((cause) =>
          withoutUndefined({
            service: cause.Service,
            region: cause.Region,
            usageType: cause.UsageType,
            linkedAccount:
              cause.LinkedAccountName && cause.LinkedAccount
                ? `${cause.LinkedAccountName} (${cause.LinkedAccount})`
                : (cause.LinkedAccount ?? cause.LinkedAccountName),
          }),
        ),
      });
    })
    .sort((a, b) => b.impactUsd - a.impactUsd || a.start.localeCompare(b.start));
}

function budgetsOf(budgets: readonly Budget[], period: ReportPeriod, notes: string[]): BudgetStatus[] {
  const statuses: BudgetStatus[] = [];
  for (const budget of budgets) {
    const name = budget.BudgetName ?? '(unnamed budget)';
    const limit = parseAmount(budget.BudgetLimit?.Amount);
    if (limit === undefined || limit <= 0n) {
      notes.push(
        `The budget ${name} has no fixed limit above $0, so it has no percentage and is not listed.`,
      );
      continue;
    }
    const actual = parseAmount(budget.CalculatedSpend?.ActualSpend?.Amount) ?? 0n;
    const forecast = parseAmount(budget.CalculatedSpend?.ForecastedSpend?.Amount);
    statuses.push(
      withoutUndefined({
        name,
        limitUsd: toUsd(limit),
        actualUsd: toUsd(actual),
        forecastUsd: forecast === undefined ? undefined : toUsd(forecast),
        percentUsed: percentOf(actual, limit),
      }),
    );
  }
  if (statuses.length > 0) {
    notes.push(
      `Budgets show spend in each budget's own current period (a monthly budget: ${period.currentMonth} so far), ` +
        `not ${period.month}.`,
    );
  }
  return statuses.sort((a, b) => b.percentUsed - a.percentUsed || a.name.localeCompare(b.name));
}

function platformCostOf(
  platform: MonthlyCosts,
  period: ReportPeriod,
  notes: string[],
): CostReport['platformCost'] {
  const lastMonth = platform.total(period.month);
  const monthBefore = platform.total(period.previousMonth);
  if (lastMonth === 0n && monthBefore === 0n) {
    notes.push(
      "No cost carries the platform's tag: Cost Explorer sees a tag only once it is activated as a " +
        'cost allocation tag in the Billing console.',
    );
  }
  return { lastMonth: toUsd(lastMonth), monthBefore: toUsd(monthBefore) };
}

// Exact amounts: whole pico-dollars. Cost Explorer writes amounts as decimal strings with up to ten
// places; summing them as binary floats and rounding each part would lose cents across a report.
const DECIMALS = 12;
const CENT = 10n ** BigInt(DECIMALS - 2);
const AMOUNT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,2}))?$/;

/** `'12.34'` → exact amount; undefined when the text is not a decimal number. */
function parseAmount(text: string | undefined): bigint | undefined {
  const match = AMOUNT.exec(text?.trim() ?? '');
  if (!match) return undefined;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  if (whole === '' && fraction === '') return undefined;
  const digits = whole + fraction;
  const shift = DECIMALS - fraction.length + Number(exponent);
  // Digits past a pico-dollar are dropped.
  const magnitude =
    shift >= 0 ? BigInt(digits) * 10n ** BigInt(shift) : BigInt(digits.slice(0, shift) || '0');
  return sign === '-' ? -magnitude : magnitude;
}

function sumOf(texts: readonly (string | undefined)[]): bigint | undefined {
  const amounts = texts.map(parseAmount).filter((amount) => amount !== undefined);
  return amounts.length > 0 ? sum(amounts) : undefined;
}

function sum(amounts: Iterable<bigint>): bigint {
  let total = 0n;
  for (const amount of amounts) total += amount;
  return total;
}

/** A number from an API that answers in numbers (anomaly impact), as an exact amount. */
function exactNumber(value: number): bigint {
  return Number.isFinite(value) ? (parseAmount(String(value)) ?? 0n) : 0n;
}

/** `numerator / denominator` to a whole number, halves rounded away from zero. */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const [n, d] = [numerator < 0n ? -numerator : numerator, denominator < 0n ? -denominator : denominator];
  const quotient = (2n * n + d) / (2n * d);
  return negative ? -quotient : quotient;
}

/** Whole cents. */
function toCents(amount: bigint): bigint {
  return divideRounded(amount, CENT);
}

function toUsd(amount: bigint): number {
  return Number(toCents(amount)) / 100;
}

/** Zero as a reader of the report sees it: less than half a cent. */
function isZero(amount: bigint): boolean {
  return toCents(amount) === 0n;
}

/**
 * The change between two amounts as the report shows them, in cents, so that it is the difference a
 * reader computes from the two. The percentage is null when the month before was nothing or a net
 * credit: a percentage of that means nothing.
 */
function changeOf(last: bigint, before: bigint): { changeUsd: number; changePercent: number | null } {
  const [lastCents, beforeCents] = [toCents(last), toCents(before)];
  return {
    changeUsd: Number(lastCents - beforeCents) / 100,
    changePercent: beforeCents <= 0n ? null : percentOf(lastCents - beforeCents, beforeCents),
  };
}

/** `part` as a percentage of `whole`, to a tenth of a percent. */
function percentOf(part: bigint, whole: bigint): number {
  return Number(divideRounded(part * 1000n, whole)) / 10;
}

/** An exact percentage to a tenth. */
function toTenths(percent: bigint): number {
  return Number(divideRounded(percent, 10n ** BigInt(DECIMALS - 1))) / 10;
}

function compare(a: bigint, b: bigint): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
