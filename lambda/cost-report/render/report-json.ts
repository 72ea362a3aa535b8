import type { Adjustment, CostAnomaly, CostReport, MonthlyAmount, ServiceCost } from '../cost-report-model';

/**
 * Keys in the model's order whatever order the report was built in, so two months' files diff
 * line by line.
 */
export function renderReportJson(report: CostReport): string {
  return `${JSON.stringify(inModelOrder(report), null, 2)}\n`;
}

function inModelOrder(report: CostReport): CostReport {
  const { period, totals, forecast, platformCost, apiCost } = report;
  return {
    schema: report.schema,
    generatedAt: report.generatedAt,
    currency: report.currency,
    period: {
      month: period.month,
      previousMonth: period.previousMonth,
      trendStart: period.trendStart,
      end: period.end,
      currentMonth: period.currentMonth,
    },
    totals: {
      net: monthlyAmount(totals.net),
      grossUsage: monthlyAmount(totals.grossUsage),
      amortized: monthlyAmount(totals.amortized),
    },
    services: report.services.map(serviceCost),
    adjustments: report.adjustments.map(adjustment),
    topMovers: report.topMovers.map(serviceCost),
    byTag: report.byTag.map((tag) => ({
      tagKey: tag.tagKey,
      values: tag.values.map((entry) => ({
        value: entry.value,
        lastMonth: entry.lastMonth,
        monthBefore: entry.monthBefore,
      })),
    })),
    trend: report.trend.map((point) => ({ month: point.month, amount: point.amount })),
    forecast:
      'unavailable' in forecast
        ? { unavailable: forecast.unavailable }
        : {
            month: forecast.month,
            amount: forecast.amount,
            lower: forecast.lower,
            upper: forecast.upper,
            predictionIntervalPercent: forecast.predictionIntervalPercent,
          },
    anomalies: report.anomalies.map(anomaly),
    ...(report.savingsPlans === undefined
      ? {}
      : {
          savingsPlans:
            'unavailable' in report.savingsPlans
              ? { unavailable: report.savingsPlans.unavailable }
              : {
                  totalCommitment: report.savingsPlans.totalCommitment,
                  usedCommitment: report.savingsPlans.usedCommitment,
                  unusedCommitment: report.savingsPlans.unusedCommitment,
                  utilizationPercent: report.savingsPlans.utilizationPercent,
                  coveredSpend: report.savingsPlans.coveredSpend,
                  eligibleSpend: report.savingsPlans.eligibleSpend,
                  coveragePercent: report.savingsPlans.coveragePercent,
                },
        }),
    budgets: report.budgets.map((budget) => ({
      name: budget.name,
      periodStart: budget.periodStart,
      periodEnd: budget.periodEnd,
      limit: budget.limit,
      actual: budget.actual,
      percentUsed: budget.percentUsed,
    })),
    platformCost: { lastMonth: platformCost.lastMonth, monthBefore: platformCost.monthBefore },
    apiCost: { requests: apiCost.requests, usd: apiCost.usd },
    notes: [...report.notes],
  };
}

function monthlyAmount(amount: MonthlyAmount): MonthlyAmount {
  return {
    lastMonth: amount.lastMonth,
    monthBefore: amount.monthBefore,
    change: amount.change,
    changePercent: amount.changePercent,
  };
}

function serviceCost(service: ServiceCost): ServiceCost {
  return {
    service: service.service,
    ...monthlyAmount(service),
    status: service.status,
    amortizedLastMonth: service.amortizedLastMonth,
    ...(service.drivers === undefined
      ? {}
      : {
          drivers: service.drivers.map((driver) => ({
            usageType: driver.usageType,
            lastMonth: driver.lastMonth,
            monthBefore: driver.monthBefore,
            change: driver.change,
          })),
        }),
  };
}

function adjustment(line: Adjustment): Adjustment {
  return {
    recordType: line.recordType,
    label: line.label,
    ...monthlyAmount(line),
    services: line.services.map((entry) => ({ service: entry.service, amount: entry.amount })),
  };
}

function anomaly(entry: CostAnomaly): CostAnomaly {
  return {
    id: entry.id,
    start: entry.start,
    end: entry.end,
    impact: entry.impact,
    impactPercent: entry.impactPercent,
    feedback: entry.feedback,
    dismissed: entry.dismissed,
    rootCauses: entry.rootCauses.map((cause) => ({
      service: cause.service,
      region: cause.region,
      usageType: cause.usageType,
      linkedAccount: cause.linkedAccount,
    })),
  };
}
