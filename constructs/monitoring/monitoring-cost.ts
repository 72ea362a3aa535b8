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
  /** Per composite alarm, whatever the number of alarms its rule reads. */
  compositeAlarm: 0.5,
  /** Per dashboard (`AWS::CloudWatch::Dashboard`). */
  dashboard: 3,
  /** Per custom metric (first 10,000), e.g. one per log metric filter. */
  customMetric: 0.3,
  /**
   * Per metric a Metrics Insights query alarm analyzes: such an alarm's "costs are based on the number
   * of metrics analyzed by the query that your alarm references", e.g. ten for a query whose filter
   * matches ten metrics (CloudWatch User Guide, "CloudWatch billing and cost" (cloudwatch_billing.html),
   * Metrics Insights query alarms). ASSUMPTION: the stored documentation gives that structure but not
   * the price; this is the standard alarm-metric price until checked against the pricing page.
   */
  insightsAlarmMetricAnalyzed: 0.1,
} as const;

/**
 * Metrics a Metrics Insights query analyzes when the template cannot tell (the series of a schema exist
 * only at run time, e.g. DynamoDB SystemErrors per Operation the table serves). ASSUMPTION: a table
 * serving GetItem, PutItem, UpdateItem, DeleteItem and Query.
 */
export const ASSUMED_METRICS_PER_INSIGHTS_QUERY = 5;

/** Assumptions {@link monitoringCostOf} makes where the template alone cannot tell. */
export interface MonitoringCostOptions {
  /** Metrics a Metrics Insights query analyzes where the template does not say. @default {@link ASSUMED_METRICS_PER_INSIGHTS_QUERY} */
  readonly metricsPerInsightsQuery?: number;
}

/** What a template's monitoring costs per month, in USD. */
export interface MonitoringCost {
  /** Metric and composite alarms together, including the metrics Metrics Insights alarms analyze. */
  readonly alarms: number;
  /** Dashboards. */
  readonly dashboards: number;
  /** Custom metrics the template publishes through log metric filters. */
  readonly customMetrics: number;
  /** The sum of the three, rounded to cents like each of them. */
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
export function monitoringCostOf(
  template: { readonly Resources?: Record<string, TemplateResource> },
  options: MonitoringCostOptions = {},
): MonitoringCost {
  const resources = template.Resources ?? {};
  const analyzed = (expression: string) =>
    metricsAnalyzed(expression, resources) ??
    options.metricsPerInsightsQuery ??
    ASSUMED_METRICS_PER_INSIGHTS_QUERY;
  let alarms = 0;
  let dashboards = 0;
  let customMetrics = 0;
  for (const resource of Object.values(resources)) {
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::CloudWatch::Alarm':
        alarms += metricAlarmCost(properties, analyzed);
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

/**
 * A metric alarm: each metric it lists at its resolution's price (anomaly detection: three), plus, for a
 * Metrics Insights query, each metric the query analyzes. An alarm with both is billed for both.
 */
function metricAlarmCost(properties: Record<string, unknown>, analyzed: (query: string) => number): number {
  const queries = properties.Metrics as MetricQuery[] | undefined;
  const periods = queries
    ? queries.flatMap((query) => (query.MetricStat ? [query.MetricStat.Period ?? 60] : []))
    : [(properties.Period as number | undefined) ?? 60];
  const listed = periods.reduce(
    (sum, period) =>
      sum + (period < 60 ? CLOUDWATCH_PRICES.highResolutionAlarmMetric : CLOUDWATCH_PRICES.alarmMetric),
    0,
  );
  const insights = (queries ?? []).reduce((sum, query) => {
    const expression = rendered(query.Expression);
    return /^\s*SELECT\b/i.test(expression ?? '')
      ? sum + analyzed(expression as string) * CLOUDWATCH_PRICES.insightsAlarmMetricAnalyzed
      : sum;
  }, 0);
  return (properties.ThresholdMetricId ? listed * CLOUDWATCH_PRICES.anomalyBandMetrics : listed) + insights;
}

/**
 * A query expression as text. One that names a resource of the template synthesizes as an Fn::Join
 * (e.g. `WHERE TableName = '<table>'`); a reference reads `{Ref:LogicalId}`.
 */
function rendered(expression: unknown): string | undefined {
  if (typeof expression === 'string') return expression;
  const join = (expression as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (!join) return undefined;
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: unknown }).Ref;
      return typeof ref === 'string' ? `{Ref:${ref}}` : '{?}';
    })
    .join(join[0]);
}

/**
 * The metrics a query analyzes, where the template tells: a query over a DynamoDB table's global
 * secondary indexes (a `GlobalSecondaryIndexName` schema, `WHERE TableName =` a table of the template)
 * analyzes one series per index. Undefined otherwise.
 */
function metricsAnalyzed(query: string, resources: Record<string, TemplateResource>): number | undefined {
  const schema = /FROM\s+SCHEMA\(\s*"AWS\/DynamoDB"\s*,([^)]*)\)/i.exec(query)?.[1];
  const table = /WHERE\s+TableName\s*=\s*'\{Ref:([^}]+)\}'/i.exec(query)?.[1];
  if (schema === undefined || table === undefined) return undefined;
  const dimensions = schema.split(',').map((dimension) => dimension.trim());
  if (dimensions.length !== 2 || !dimensions.includes('GlobalSecondaryIndexName')) return undefined;
  const indexes = resources[table]?.Properties?.GlobalSecondaryIndexes;
  return Array.isArray(indexes) && indexes.length > 0 ? indexes.length : undefined;
}
