import type { Anomaly, GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import {
  AMORTIZED_METRIC,
  COST_METRIC,
  FORECAST_PREDICTION_INTERVAL_PERCENT,
  USAGE_RECORD_TYPES as USAGE_TYPES_OF_RECORD,
} from './cost-explorer-reader';
import {
  type Adjustment,
  type BudgetStatus,
  COST_EXPLORER_USD_PER_REQUEST,
  type CostAnomaly,
  type CostReport,
  type MonthlyAmount,
  type RecordedCostData,
  type ReportPeriod,
  type ServiceCost,
  type TagCost,
  type UsageTypeChange,
} from './cost-report-model';
import { formatMoney, isCurrencyCode } from './money';
import { firstDayAfter, firstDayOf } from './report-period';

export interface BuildCostReportOptions {
  readonly generatedAt: Date;
  /** Tag keys in the order the report lists them. @default the keys recorded, in recorded order */
  readonly tagKeys?: readonly string[];
}

/** The data cannot make an honest report, e.g. amounts in two currencies. */
export class CostReportError extends Error {
  override readonly name = 'CostReportError';
}

const TOP_MOVERS = 5;
const UNTAGGED = '(untagged)';

/**
 * RECORD_TYPE values that are usage: what a service cost before credits, refunds, tax and fees.
 * Covered usage is priced on demand in UnblendedCost (the Savings Plan's negation line takes it
 * back), so a service's usage does not drop when a Savings Plan starts covering it.
 * (Cost Explorer's RECORD_TYPE dimension: API_GetDimensionValues.html; the values are the
 * "charge types" of the Cost Explorer user guide.)
 */
const USAGE_RECORD_TYPES: ReadonlySet<string> = new Set(USAGE_TYPES_OF_RECORD);

/** What a reader calls each documented RECORD_TYPE that is not usage; others show as named. */
const ADJUSTMENT_LABELS: Readonly<Record<string, string>> = {
  Credit: 'Credits',
  Refund: 'Refunds',
  Tax: 'Tax',
  SavingsPlanRecurringFee: 'Savings Plans recurring fee',
  SavingsPlanUpfrontFee: 'Savings Plans upfront fee',
  SavingsPlanNegation: 'Savings Plans discount on covered usage',
  RIFee: 'Reserved Instance recurring fee',
  Fee: 'Fees (upfront RI fees, subscriptions)',
  Support: 'Support fee',
  EdpDiscount: 'Enterprise discount',
  BundledDiscount: 'Bundled discount',
  PrivateRateDiscount: 'Private rate discount',
};

/**
 * The monthly report from what Cost Explorer and Budgets answered. Pure: the same data gives the same
 * report, so a recording renders without an account.
 *
 * Amounts are kept as exact decimals (whole pico-units of the currency) while they are summed, and
 * rounded to cents only in the finished report: a service's cost is the sum of many small parts
 * across pages. Rows are rounded by the largest-remainder method, so the printed rows of a column
 * add up to its printed total.
 */
export function buildCostReport(data: RecordedCostData, options: BuildCostReportOptions): CostReport {
  const { period } = data;
  const findings = new Findings();
  const units = new Units();
  const unblended = mergePages(data.costByService, COST_METRIC, findings, units, 'cost by service');
  // The same groups again: what is unreadable was counted once already.
  const amortized = mergePages(
    data.costByService,
    AMORTIZED_METRIC,
    new Findings(),
    units,
    'cost by service',
  );
  const months = [period.month, period.previousMonth] as const;

  const notes: string[] = [];
  for (const month of [...months].reverse()) {
    if (!unblended.hasGroups(month))
      notes.push(`Cost Explorer returned no costs for ${month}: it counts as 0.`);
  }
  if (unblended.estimated.has(period.month)) {
    notes.push(
      `Cost Explorer marks ${period.month} as estimated: AWS can still adjust it until the bill is final.`,
    );
  }

  const lines = splitByRecordType(unblended, amortized, period);
  const net = monthlyAmount(unblended.total(period.month), unblended.total(period.previousMonth));
  const grossUsage = monthlyAmount(sumOf(lines.usage, 'last'), sumOf(lines.usage, 'before'));
  const { services, negligible } = serviceCosts(lines, grossUsage);
  const adjustments = adjustmentsOf(lines, net, grossUsage);

  const trend = trendOf(mergePages(data.trend, COST_METRIC, findings, units, 'trend'), period, notes);
  const byTag = tagCosts(data, options.tagKeys ?? Object.keys(data.costByTag), findings, units, notes);
  const platform = mergePages(data.platform, AMORTIZED_METRIC, findings, units, 'platform cost');
  const monthToDate =
    data.monthToDate && mergePages(data.monthToDate, COST_METRIC, findings, units, 'month to date');
  const forecastUnit = 'unavailable' in data.forecast ? undefined : data.forecast.Total?.Unit;
  if (forecastUnit) units.see(forecastUnit, 'forecast');
  const budgets = budgetsOf(data, units, notes);
  const currency = units.currency();

  const forecast = forecastOf(data.forecast, monthToDate, period, currency, notes);
  const anomalies = anomaliesOf(data.anomalies);
  const platformCost = platformCostOf(platform, period, net, adjustments.length > 0, currency, notes);
  if (services.length > 0 || adjustments.length > 0) {
    notes.push(
      'Rows are rounded to the cent by the largest-remainder method: each column of rows adds up to ' +
        'its printed total, and a row is at most a cent from its own exact amount.',
    );
  }
  if (findings.unreadableAmounts > 0) {
    notes.push(`${findings.unreadableAmounts} amounts from Cost Explorer were not numbers and count as 0.`);
  }
  if (findings.undatedResults > 0) {
    notes.push(`${findings.undatedResults} Cost Explorer results had no time period and were left out.`);
  }
  if (negligible > 0) {
    notes.push(`${negligible} services cost less than half a cent in both months and are not listed.`);
  }

  return {
    schema: 'vigil.cost-report/2',
    generatedAt: options.generatedAt.toISOString(),
    currency,
    period,
    totals: {
      net,
      grossUsage,
      amortized: monthlyAmount(amortized.total(period.month), amortized.total(period.previousMonth)),
    },
    services,
    adjustments,
    topMovers: topMovers(
      services,
      data.usageByType && mergePages(data.usageByType, COST_METRIC, new Findings(), units, 'usage by type'),
      period,
    ),
    byTag,
    trend,
    forecast,
    anomalies,
    ...(data.savingsPlans === undefined ? {} : { savingsPlans: savingsPlansOf(data.savingsPlans) }),
    budgets,
    platformCost,
    apiCost: {
      requests: data.costExplorerRequests,
      usd: toUnits(
        BigInt(data.costExplorerRequests) * (parseAmount(String(COST_EXPLORER_USD_PER_REQUEST)) ?? 0n),
      ),
    },
    notes,
  };
}

/** What reading the raw amounts turned up, for the notes. */
class Findings {
  unreadableAmounts = 0;
  undatedResults = 0;
}

/**
 * The currencies the amounts came in. One report adds amounts up; amounts in two currencies cannot
 * be added, and converting them would need a rate the APIs do not give: the report refuses.
 */
class Units {
  private readonly seen = new Map<string, string>();

  see(unit: string | undefined, where: string): void {
    if (unit === undefined || unit === '') return;
    if (!this.seen.has(unit)) this.seen.set(unit, where);
  }

  currency(): string {
    const units = [...this.seen];
    if (units.length > 1) {
      throw new CostReportError(
        `Cost Explorer and Budgets answered in more than one currency (${units
          .map(([unit, where]) => `${unit} in ${where}`)
          .join(', ')}): amounts in different currencies cannot be added up, so no report was made.`,
      );
    }
    const [unit] = units[0] ?? ['USD'];
    if (!isCurrencyCode(unit)) {
      throw new CostReportError(`Cost Explorer answered amounts in ${JSON.stringify(unit)}, not a currency.`);
    }
    return unit;
  }
}

/** Between the keys of a group that has two (SERVICE and RECORD_TYPE); no service name holds it. */
const KEY_SEPARATOR = '\u001f';

/** One query's pages, merged for one metric: amounts per month (`YYYY-MM`) and group key. */
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
 * Pages merged by month and group key, for one metric. Cost Explorer can split one month's groups
 * over several pages, and can list the same group on more than one: parts are added, never replaced.
 */
function mergePages(
  pages: readonly GetCostAndUsageCommandOutput[],
  metric: string,
  findings: Findings,
  units: Units,
  query: string,
): MonthlyCosts {
  const merged = new MonthlyCosts();
  const read = (value: { Amount?: string; Unit?: string } | undefined): bigint => {
    units.see(value?.Unit, query);
    const amount = parseAmount(value?.Amount);
    if (amount === undefined) {
      findings.unreadableAmounts++;
      return 0n;
    }
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
      const total = result.Total?.[metric];
      if (total) merged.totals.set(month, (merged.totals.get(month) ?? 0n) + read(total));
      else if (!merged.groups.has(month)) merged.groups.set(month, new Map());
      continue;
    }
    const amounts = merged.groups.get(month) ?? new Map<string, bigint>();
    merged.groups.set(month, amounts);
    for (const group of groups) {
      const key = group.Keys?.join(KEY_SEPARATOR) || '(no key)';
      amounts.set(key, (amounts.get(key) ?? 0n) + read(group.Metrics?.[metric]));
    }
  }
  return merged;
}

/** Exact amounts of one line of the report, for the two months. */
interface ExactLine {
  last: bigint;
  before: bigint;
  amortizedLast: bigint;
}

interface ExactAdjustment extends ExactLine {
  /** Last month's amount per service it was booked on. */
  readonly byService: Map<string, bigint>;
}

/** Usage per service, and everything else per record type. */
interface Lines {
  readonly usage: Map<string, ExactLine>;
  readonly adjustments: Map<string, ExactAdjustment>;
}

function splitByRecordType(unblended: MonthlyCosts, amortized: MonthlyCosts, period: ReportPeriod): Lines {
  const lines: Lines = { usage: new Map(), adjustments: new Map() };
  for (const key of unblended.keys(period.month, period.previousMonth)) {
    const [service = '(no service)', recordType = '(no record type)'] = key.split(KEY_SEPARATOR);
    const last = unblended.amount(period.month, key);
    const before = unblended.amount(period.previousMonth, key);
    const amortizedLast = amortized.amount(period.month, key);
    if (USAGE_RECORD_TYPES.has(recordType)) {
      const line = lines.usage.get(service) ?? { last: 0n, before: 0n, amortizedLast: 0n };
      line.last += last;
      line.before += before;
      line.amortizedLast += amortizedLast;
      lines.usage.set(service, line);
    } else {
      const line = lines.adjustments.get(recordType) ?? {
        last: 0n,
        before: 0n,
        amortizedLast: 0n,
        byService: new Map<string, bigint>(),
      };
      line.last += last;
      line.before += before;
      line.amortizedLast += amortizedLast;
      line.byService.set(service, (line.byService.get(service) ?? 0n) + last);
      lines.adjustments.set(recordType, line);
    }
  }
  return lines;
}

function sumOf(lines: ReadonlyMap<string, ExactLine>, column: 'last' | 'before'): bigint {
  return sum([...lines.values()].map((line) => line[column]));
}

function serviceCosts(
  lines: Lines,
  grossUsage: MonthlyAmount,
): { services: ServiceCost[]; negligible: number } {
  const entries = [...lines.usage];
  const last = roundToTotal(
    entries.map(([, line]) => line.last),
    centsOf(grossUsage.lastMonth),
  );
  const before = roundToTotal(
    entries.map(([, line]) => line.before),
    centsOf(grossUsage.monthBefore),
  );
  const amortizedUsage = entries.map(([, line]) => line.amortizedLast);
  const amortizedLast = roundToTotal(amortizedUsage, toCents(sum(amortizedUsage)));
  let negligible = 0;
  const services = entries.flatMap(([service], index): ServiceCost[] => {
    const [lastCents = 0n, beforeCents = 0n] = [last[index], before[index]];
    if (lastCents === 0n && beforeCents === 0n) {
      negligible++;
      return [];
    }
    return [
      {
        service,
        ...fromCents(lastCents, beforeCents),
        status: beforeCents === 0n ? 'new' : lastCents === 0n ? 'gone' : 'continuing',
        amortizedLastMonth: Number(amortizedLast[index] ?? 0n) / 100,
      },
    ];
  });
  services.sort(
    (a, b) =>
      b.lastMonth - a.lastMonth || b.monthBefore - a.monthBefore || a.service.localeCompare(b.service),
  );
  return { services, negligible };
}

/**
 * Credits, refunds, tax and fees, each record type once. Their rows add up to the printed bill minus
 * the printed usage, so usage rows plus these rows give the bill to the cent.
 */
function adjustmentsOf(lines: Lines, net: MonthlyAmount, grossUsage: MonthlyAmount): Adjustment[] {
  const entries = [...lines.adjustments];
  const last = roundToTotal(
    entries.map(([, line]) => line.last),
    centsOf(net.lastMonth) - centsOf(grossUsage.lastMonth),
  );
  const before = roundToTotal(
    entries.map(([, line]) => line.before),
    centsOf(net.monthBefore) - centsOf(grossUsage.monthBefore),
  );
  return entries
    .flatMap(([recordType, line], index): Adjustment[] => {
      const [lastCents = 0n, beforeCents = 0n] = [last[index], before[index]];
      if (lastCents === 0n && beforeCents === 0n) return [];
      const byService = [...line.byService];
      const serviceCents = roundToTotal(
        byService.map(([, amount]) => amount),
        lastCents,
      );
      return [
        {
          recordType,
          label: ADJUSTMENT_LABELS[recordType] ?? recordType,
          ...fromCents(lastCents, beforeCents),
          services: byService
            .map(([service], at) => ({ service, amount: Number(serviceCents[at] ?? 0n) / 100 }))
            .filter((entry) => entry.amount !== 0)
            .sort((a, b) => Math.abs(b.amount) - Math.abs(a.amount) || a.service.localeCompare(b.service)),
        },
      ];
    })
    .sort(
      (a, b) => Math.abs(b.lastMonth) - Math.abs(a.lastMonth) || a.recordType.localeCompare(b.recordType),
    );
}

function topMovers(
  services: readonly ServiceCost[],
  usageByType: MonthlyCosts | undefined,
  period: ReportPeriod,
): ServiceCost[] {
  return services
    .filter((service) => service.change !== 0)
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.service.localeCompare(b.service))
    .slice(0, TOP_MOVERS)
    .map((mover) => {
      if (!usageByType) return mover;
      const drivers = driversOf(mover.service, usageByType, period);
      return drivers.length > 0 ? { ...mover, drivers } : mover;
    });
}

/** A service's usage types that changed by at least a cent, largest change first, at most three. */
function driversOf(service: string, usageByType: MonthlyCosts, period: ReportPeriod): UsageTypeChange[] {
  const prefix = `${service}${KEY_SEPARATOR}`;
  return [...usageByType.keys(period.month, period.previousMonth)]
    .filter((key) => key.startsWith(prefix))
    .map((key) => {
      const { lastMonth, monthBefore, change } = monthlyAmount(
        usageByType.amount(period.month, key),
        usageByType.amount(period.previousMonth, key),
      );
      return { usageType: key.slice(prefix.length), lastMonth, monthBefore, change };
    })
    .filter((driver) => driver.change !== 0)
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.usageType.localeCompare(b.usageType))
    .slice(0, 3);
}

function tagCosts(
  data: RecordedCostData,
  tagKeys: readonly string[],
  findings: Findings,
  units: Units,
  notes: string[],
): TagCost[] {
  const { period } = data;
  let untagged = false;
  const tags = [...new Set(tagKeys)].map((tagKey): TagCost => {
    const pages = data.costByTag[tagKey];
    if (!pages || pages.length === 0) {
      notes.push(`No costs were recorded for the tag ${tagKey}.`);
      return { tagKey, values: [] };
    }
    const merged = mergePages(pages, AMORTIZED_METRIC, findings, units, `cost by tag ${tagKey}`);
    const values = new Map<string, { last: bigint; before: bigint }>();
    for (const key of merged.keys(period.month, period.previousMonth)) {
      const value = tagValueOf(key, tagKey);
      const line = values.get(value) ?? { last: 0n, before: 0n };
      line.last += merged.amount(period.month, key);
      line.before += merged.amount(period.previousMonth, key);
      values.set(value, line);
    }
    const entries = [...values];
    const last = roundToTotal(
      entries.map(([, line]) => line.last),
      toCents(merged.total(period.month)),
    );
    const before = roundToTotal(
      entries.map(([, line]) => line.before),
      toCents(merged.total(period.previousMonth)),
    );
    if (values.has(UNTAGGED)) untagged = true;
    return {
      tagKey,
      values: entries
        .map(([value], index) => ({
          value,
          lastMonth: Number(last[index] ?? 0n) / 100,
          monthBefore: Number(before[index] ?? 0n) / 100,
        }))
        .filter((entry) => entry.lastMonth !== 0 || entry.monthBefore !== 0)
        .sort((a, b) => b.lastMonth - a.lastMonth || a.value.localeCompare(b.value)),
    };
  });
  if (tags.some((tag) => tag.values.length > 0)) {
    notes.push(
      'Costs by tag are amortized: a Savings Plan or RI fee counts where it was used. Credits, refunds, ' +
        `tax and fees carry no tags, so they are in ${UNTAGGED}` +
        (untagged ? ', which can therefore be below zero.' : '.'),
    );
  }
  return tags;
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
    notes.push(`The trend has no data for ${missing.join(', ')}: shown as 0.`);
  }
  return months.map((month) => ({ month, amount: toUnits(trend.total(month)) }));
}

function forecastOf(
  forecast: RecordedCostData['forecast'],
  monthToDate: MonthlyCosts | undefined,
  period: ReportPeriod,
  currency: string,
  notes: string[],
): CostReport['forecast'] {
  if ('unavailable' in forecast) return { unavailable: forecast.unavailable };
  const results = forecast.ForecastResultsByTime ?? [];
  const rest = parseAmount(forecast.Total?.Amount) ?? sumOfTexts(results.map((result) => result.MeanValue));
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
      `The forecast for ${period.currentMonth} is ${formatMoney(toUnits(spent), currency)} spent before ${start} plus ` +
        `${formatMoney(toUnits(rest), currency)} forecast for the rest of the month.`,
    );
  }
  const bound = (values: readonly (string | undefined)[]) => spent + (sumOfTexts(values) ?? rest);
  return {
    month: period.currentMonth,
    amount: toUnits(spent + rest),
    lower: toUnits(bound(results.map((result) => result.PredictionIntervalLowerBound))),
    upper: toUnits(bound(results.map((result) => result.PredictionIntervalUpperBound))),
    predictionIntervalPercent: FORECAST_PREDICTION_INTERVAL_PERCENT,
  };
}

const DISMISSING_FEEDBACK = new Set(['NO', 'PLANNED_ACTIVITY']);

function anomaliesOf(pages: RecordedCostData['anomalies']): CostAnomaly[] {
  const byId = new Map<string, Anomaly>();
  for (const anomaly of pages.flatMap((page) => page.Anomalies ?? [])) {
    if (anomaly.AnomalyId) byId.set(anomaly.AnomalyId, anomaly);
  }
  return [...byId.values()]
    .map((anomaly): CostAnomaly => {
      const impact = anomaly.Impact;
      const percent = impact?.TotalImpactPercentage;
      const feedback =
        anomaly.Feedback === 'YES' || anomaly.Feedback === 'NO' || anomaly.Feedback === 'PLANNED_ACTIVITY'
          ? anomaly.Feedback
          : undefined;
      return withoutUndefined({
        id: anomaly.AnomalyId ?? '',
        start: (anomaly.AnomalyStartDate ?? anomaly.AnomalyEndDate ?? '').slice(0, 10),
        end: anomaly.AnomalyEndDate?.slice(0, 10),
        // TotalImpact is the whole anomaly; older anomalies carry only the largest daily impact.
        impact: toUnits(exactNumber(impact?.TotalImpact ?? impact?.MaxImpact ?? 0)),
        impactPercent:
          typeof percent === 'number' && Number.isFinite(percent)
            ? toTenths(exactNumber(percent))
            : undefined,
        feedback,
        dismissed: feedback !== undefined && DISMISSING_FEEDBACK.has(feedback),
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
    .sort(
      (a, b) =>
        Number(a.dismissed) - Number(b.dismissed) || b.impact - a.impact || a.start.localeCompare(b.start),
    );
}

/**
 * Utilization from its Total (the whole month), coverage summed over the coverage pages: spend
 * covered at on-demand prices against all Savings Plans eligible spend. Amounts carry no unit here;
 * they are in the account's currency like the rest.
 */
function savingsPlansOf(recorded: NonNullable<RecordedCostData['savingsPlans']>): CostReport['savingsPlans'] {
  if ('unavailable' in recorded) return { unavailable: recorded.unavailable };
  const total = recorded.utilization.Total?.Utilization;
  const commitment = parseAmount(total?.TotalCommitment) ?? 0n;
  const used = parseAmount(total?.UsedCommitment) ?? 0n;
  const unused = parseAmount(total?.UnusedCommitment) ?? commitment - used;
  const coverages = recorded.coverage.flatMap((page) => page.SavingsPlansCoverages ?? []);
  const covered = sum(
    coverages.map((entry) => parseAmount(entry.Coverage?.SpendCoveredBySavingsPlans) ?? 0n),
  );
  const eligible = sum(coverages.map((entry) => parseAmount(entry.Coverage?.TotalCost) ?? 0n));
  return {
    totalCommitment: toUnits(commitment),
    usedCommitment: toUnits(used),
    unusedCommitment: toUnits(unused),
    utilizationPercent: commitment > 0n ? percentOf(used, commitment) : 0,
    coveredSpend: toUnits(covered),
    eligibleSpend: toUnits(eligible),
    coveragePercent: eligible > 0n ? percentOf(covered, eligible) : null,
  };
}

/** What a budget that is not a cost budget measures. */
const MEASURES: Readonly<Record<string, string>> = {
  USAGE: 'usage (hours, gigabytes, requests)',
  RI_UTILIZATION: 'Reserved Instance utilization, a percentage',
  RI_COVERAGE: 'Reserved Instance coverage, a percentage',
  SAVINGS_PLANS_UTILIZATION: 'Savings Plans utilization, a percentage',
  SAVINGS_PLANS_COVERAGE: 'Savings Plans coverage, a percentage',
};

/**
 * Cost budgets against the reported month's actual cost, from each budget's performance history
 * (DescribeBudgets answers only the current period). Other budgets are named in a note.
 */
function budgetsOf(data: RecordedCostData, units: Units, notes: string[]): BudgetStatus[] {
  const { period } = data;
  for (const budget of data.budgets) {
    const name = budget.BudgetName ?? '(unnamed budget)';
    if (budget.BudgetType !== 'COST') {
      const measures = MEASURES[budget.BudgetType ?? ''] ?? `${budget.BudgetType ?? 'something else'}`;
      notes.push(
        `The budget ${name} measures ${measures}, not money spent: it is not shown with the cost budgets.`,
      );
    } else if (budget.TimeUnit === 'ANNUALLY') {
      notes.push(
        `The budget ${name} is annual: AWS Budgets keeps no history for annual budgets, so it is not shown.`,
      );
    }
  }
  const monthStart = firstDayOf(period.month);
  const monthEnd = period.end;
  const statuses: BudgetStatus[] = [];
  for (const history of data.budgetPerformance ?? []) {
    if (history.BudgetType !== undefined && history.BudgetType !== 'COST') continue;
    const name = history.BudgetName ?? '(unnamed budget)';
    const entry = (history.BudgetedAndActualAmountsList ?? []).find((candidate) => {
      const start = dayOf(candidate.TimePeriod?.Start);
      const end = dayOf(candidate.TimePeriod?.End);
      return start !== undefined && end !== undefined && start < monthEnd && end > monthStart;
    });
    if (!entry) {
      notes.push(`AWS Budgets has no figures of the budget ${name} for ${period.month}.`);
      continue;
    }
    units.see(entry.BudgetedAmount?.Unit, `budget ${name}`);
    units.see(entry.ActualAmount?.Unit, `budget ${name}`);
    const limit = parseAmount(entry.BudgetedAmount?.Amount);
    if (limit === undefined || limit <= 0n) {
      notes.push(
        `The budget ${name} had no limit above 0 in ${period.month}, so it has no percentage and is not listed.`,
      );
      continue;
    }
    const actual = parseAmount(entry.ActualAmount?.Amount) ?? 0n;
    statuses.push({
      name,
      periodStart: dayOf(entry.TimePeriod?.Start) ?? monthStart,
      periodEnd: dayOf(entry.TimePeriod?.End) ?? monthEnd,
      limit: toUnits(limit),
      actual: toUnits(actual),
      percentUsed: percentOf(actual, limit),
    });
  }
  if (data.budgetPerformance !== undefined) {
    const answered = new Set(data.budgetPerformance.map((history) => history.BudgetName));
    for (const budget of data.budgets) {
      const name = budget.BudgetName ?? '(unnamed budget)';
      if (budget.BudgetType === 'COST' && budget.TimeUnit !== 'ANNUALLY' && !answered.has(name)) {
        notes.push(`AWS Budgets has no figures of the budget ${name} for ${period.month}.`);
      }
    }
  }
  return statuses.sort((a, b) => b.percentUsed - a.percentUsed || a.name.localeCompare(b.name));
}

/** A Budgets timestamp as the SDK hands it over (a Date), as recorded (epoch seconds) or as text. */
function dayOf(value: Date | number | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date =
    value instanceof Date ? value : typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, 10);
}

function platformCostOf(
  platform: MonthlyCosts,
  period: ReportPeriod,
  net: MonthlyAmount,
  hasAdjustments: boolean,
  currency: string,
  notes: string[],
): CostReport['platformCost'] {
  const lastMonth = toUnits(platform.total(period.month));
  const monthBefore = toUnits(platform.total(period.previousMonth));
  if (lastMonth === 0 && monthBefore === 0) {
    notes.push(
      "No cost carries the platform's tag: Cost Explorer sees a tag only once it is activated as a " +
        'cost allocation tag in the Billing console.',
    );
  } else if (hasAdjustments) {
    notes.push(
      "The platform's own cost is the amortized usage of its tagged resources, before credits, refunds " +
        'and tax, which carry no tags' +
        (lastMonth > net.lastMonth
          ? `: that is why it (${formatMoney(lastMonth, currency)}) is more than the bill (${formatMoney(net.lastMonth, currency)}).`
          : '.'),
    );
  }
  return { lastMonth, monthBefore };
}

// Exact amounts: whole pico-units of the currency. Cost Explorer writes amounts as decimal strings
// with up to ten places; summing them as binary floats and rounding each part would lose cents.
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
  // Digits past a pico-unit are dropped.
  const magnitude =
    shift >= 0 ? BigInt(digits) * 10n ** BigInt(shift) : BigInt(digits.slice(0, shift) || '0');
  return sign === '-' ? -magnitude : magnitude;
}

function sumOfTexts(texts: readonly (string | undefined)[]): bigint | undefined {
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

/** Whole cents, halves away from zero. */
function toCents(amount: bigint): bigint {
  return divideRounded(amount, CENT);
}

/** An exact amount as the report's number: whole cents. */
function toUnits(amount: bigint): number {
  return Number(toCents(amount)) / 100;
}

/** A report number (whole cents) back to cents. */
function centsOf(amount: number): bigint {
  return BigInt(Math.round(amount * 100));
}

/**
 * Each amount in whole cents such that they add up to `totalCents`: every amount is rounded down,
 * and the cents still missing go to the amounts that lost the most (largest remainder), ties to the
 * earlier one. A row is then at most a cent from its exact amount, and the printed rows add up to
 * the printed total — which rounding each row on its own does not promise.
 */
export function roundToTotal(amounts: readonly bigint[], totalCents: bigint): bigint[] {
  if (amounts.length === 0) return [];
  const floors = amounts.map((amount) => floorDiv(amount, CENT));
  const order = amounts
    .map((amount, index) => ({ index, remainder: amount - (floors[index] ?? 0n) * CENT }))
    .sort((a, b) => compare(b.remainder, a.remainder) || a.index - b.index);
  let missing = totalCents - sum(floors);
  const rounded = [...floors];
  // Normally 0 ≤ missing < amounts.length; a total that is itself a difference of rounded totals
  // can ask for one cent more or less.
  for (let at = 0; missing > 0n; at = (at + 1) % order.length, missing--) {
    const index = order[at]?.index ?? 0;
    rounded[index] = (rounded[index] ?? 0n) + 1n;
  }
  for (let at = order.length - 1; missing < 0n; at = (at - 1 + order.length) % order.length, missing++) {
    const index = order[at]?.index ?? 0;
    rounded[index] = (rounded[index] ?? 0n) - 1n;
  }
  return rounded;
}

function floorDiv(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  return numerator % denominator !== 0n && numerator < 0n ? quotient - 1n : quotient;
}

function monthlyAmount(last: bigint, before: bigint): MonthlyAmount {
  return fromCents(toCents(last), toCents(before));
}

/**
 * Two printed amounts and the change between them, so that it is the difference a reader computes
 * from the two. The percentage is null when either month is zero or below: a percentage of
 * nothing, of a net credit, or to a net credit (−190.7%) means nothing.
 */
function fromCents(lastCents: bigint, beforeCents: bigint): MonthlyAmount {
  return {
    lastMonth: Number(lastCents) / 100,
    monthBefore: Number(beforeCents) / 100,
    change: Number(lastCents - beforeCents) / 100,
    changePercent:
      beforeCents <= 0n || lastCents < 0n ? null : percentOf(lastCents - beforeCents, beforeCents),
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
