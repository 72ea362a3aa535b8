/**
 * CloudWatch list prices in USD per month (us-east-1, standard tiers; free tiers ignored). The one
 * place they live: check them against your region and contract.
 */
export const CLOUDWATCH_PRICES = {
  /** Per metric an alarm evaluates, at 60-second resolution or coarser. */
  alarmMetric: 0.1,
  /** Per metric an alarm evaluates at 10- or 30-second resolution. */
  highResolutionAlarmMetric: 0.3,
  /** An anomaly-detection alarm is billed as three metrics: the metric and both band edges. */
  anomalyBandMetrics: 3,
  compositeAlarm: 0.5,
  dashboard: 3,
  /** Per custom metric (first 10,000), e.g. one per log metric filter. */
  customMetric: 0.3,
} as const;

/** What a template's monitoring costs per month, in USD. */
export interface MonitoringCost {
  readonly alarms: number;
  readonly dashboards: number;
  readonly customMetrics: number;
  readonly total: number;
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

interface MetricQuery {
  readonly MetricStat?: { readonly Period?: number };
  readonly Expression?: unknown;
}

/**
 * Monthly cost of the alarms, dashboards and log-derived custom metrics a synthesized template
 * declares. Application metrics published at run time (Powertools EMF) are not in a template and
 * not counted.
 */
export function monitoringCostOf(template: {
  readonly Resources?: Record<string, TemplateResource>;
}): MonitoringCost {
  let alarms = 0;
  let dashboards = 0;
  let customMetrics = 0;
  for (const resource of Object.values(template.Resources ?? {})) {
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::CloudWatch::Alarm':
        alarms += metricAlarmCost(properties);
        break;
      case 'AWS::CloudWatch::CompositeAlarm':
        alarms += CLOUDWATCH_PRICES.compositeAlarm;
        break;
      case 'AWS::CloudWatch::Dashboard':
        dashboards += CLOUDWATCH_PRICES.dashboard;
        break;
      case 'AWS::Logs::MetricFilter':
        customMetrics +=
          ((properties.MetricTransformations as unknown[] | undefined)?.length ?? 1) *
          CLOUDWATCH_PRICES.customMetric;
        break;
    }
  }
  const round = (usd: number) => Math.round(usd * 100) / 100;
  return {
    alarms: round(alarms),
    dashboards: round(dashboards),
    customMetrics: round(customMetrics),
    total: round(alarms + dashboards + customMetrics),
  };
}

function metricAlarmCost(properties: Record<string, unknown>): number {
  const queries = properties.Metrics as MetricQuery[] | undefined;
  const periods = queries
    ? queries.flatMap((query) =>
        query.MetricStat ? [query.MetricStat.Period ?? 60] : isInsightsQuery(query.Expression) ? [60] : [],
      )
    : [(properties.Period as number | undefined) ?? 60];
  const perMetric = periods.reduce(
    (sum, period) =>
      sum + (period < 60 ? CLOUDWATCH_PRICES.highResolutionAlarmMetric : CLOUDWATCH_PRICES.alarmMetric),
    0,
  );
  return properties.ThresholdMetricId ? perMetric * CLOUDWATCH_PRICES.anomalyBandMetrics : perMetric;
}

/** A Metrics Insights query alarm is billed like one metric. */
function isInsightsQuery(expression: unknown): boolean {
  return typeof expression === 'string' && /^\s*SELECT\b/i.test(expression);
}
