import type { CostAnomaly, CostReport, ServiceCost } from '../cost-report-model';

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
      lastMonth: totals.lastMonth,
      monthBefore: totals.monthBefore,
      changeUsd: totals.changeUsd,
      changePercent: totals.changePercent,
    },
    services: report.services.map(serviceCost),
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
    budgets: report.budgets.map((budget) => ({
      name: budget.name,
      limitUsd: budget.limitUsd,
      actualUsd: budget.actualUsd,
      forecastUsd: budget.forecastUsd,
      percentUsed: budget.percentUsed,
    })),
    platformCost: { lastMonth: platformCost.lastMonth, monthBefore: platformCost.monthBefore },
    apiCost: { requests: apiCost.requests, usd: apiCost.usd },
    notes: [...report.notes],
  };
}

function serviceCost(service: ServiceCost): ServiceCost {
  return {
    service: service.service,
    lastMonth: service.lastMonth,
    monthBefore: service.monthBefore,
    changeUsd: service.changeUsd,
    changePercent: service.changePercent,
    status: service.status,
  };
}

function anomaly(entry: CostAnomaly): CostAnomaly {
  return {
    id: entry.id,
    start: entry.start,
    end: entry.end,
    impactUsd: entry.impactUsd,
    impactPercent: entry.impactPercent,
    rootCauses: entry.rootCauses.map((cause) => ({
      service: cause.service,
      region: cause.region,
      usageType: cause.usageType,
      linkedAccount: cause.linkedAccount,
    })),
  };
}
