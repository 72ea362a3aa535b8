import type { EnvironmentConfig } from '../../../config/environment-config';
import { type EvidenceItem, type Statement, statusOf } from '../review-model';
import type { ReviewedApp } from '../reviewed-app';
import { property, resourceName, resourcesOf } from '../template-values';

const COST_CONTROLS = {
  id: 'COST02-BP05',
  title: 'Implement cost controls',
  url: 'https://docs.aws.amazon.com/wellarchitected/latest/cost-optimization-pillar/cost_govern_usage_controls.html',
};

/** COST: budgets that notify before the money is spent, from the templates. */
export function budgets(app: ReviewedApp): Statement {
  const found = resourcesOf(app, 'AWS::Budgets::Budget');
  const items: EvidenceItem[] = found.map((budget) => {
    const limit = property(budget, 'Budget', 'BudgetLimit') as
      | { Amount?: unknown; Unit?: unknown }
      | undefined;
    const notifications =
      (property(budget, 'NotificationsWithSubscribers') as
        | { Notification?: { NotificationType?: unknown; Threshold?: unknown } }[]
        | undefined) ?? [];
    return {
      resource: resourceName(budget),
      kind: `${String(property(budget, 'Budget', 'TimeUnit'))} ${String(property(budget, 'Budget', 'BudgetType'))} budget`,
      detail: `${String(limit?.Amount)} ${String(limit?.Unit)}; notifies at ${
        notifications
          .map((n) => `${String(n.Notification?.NotificationType)} ${String(n.Notification?.Threshold)}%`)
          .join(', ') || 'nothing'
      }`,
      status: notifications.length > 0 ? 'met' : 'gap',
    };
  });
  return {
    id: 'budgets',
    pillar: 'Cost optimization',
    claim: 'A cost budget notifies before and when the limit is reached.',
    bestPractice: COST_CONTROLS,
    status: items.length === 0 || items.some((item) => item.status === 'gap') ? 'gap' : 'met',
    numbers: [
      { key: 'budgets', label: 'budgets', value: items.length },
      {
        key: 'notifications',
        label: 'budget notifications',
        value: found.reduce(
          (sum, budget) =>
            sum + ((property(budget, 'NotificationsWithSubscribers') as unknown[] | undefined)?.length ?? 0),
          0,
        ),
      },
    ],
    items,
    fix: 'Set budget.monthlyLimitUsd in the environment file (the cost stack creates the budget and its notifications).',
  };
}

/** COST: Cost Anomaly Detection: monitors and a subscription that reaches someone. */
export function anomalyDetection(app: ReviewedApp, config: EnvironmentConfig): Statement {
  const monitors = resourcesOf(app, 'AWS::CE::AnomalyMonitor');
  const subscriptions = resourcesOf(app, 'AWS::CE::AnomalySubscription');
  const existing = config.cost.existingMonitorArns;
  const items: EvidenceItem[] = [
    ...monitors.map((monitor) => ({
      resource: resourceName(monitor),
      kind: 'anomaly monitor',
      detail:
        `${String(property(monitor, 'MonitorType'))} ${String(property(monitor, 'MonitorDimension') ?? '')}`.trim(),
      status: 'met' as const,
    })),
    ...existing.map((arn) => ({
      resource: arn,
      kind: 'existing anomaly monitor (config)',
      detail: 'subscribed',
      status: 'met' as const,
    })),
    ...subscriptions.map((subscription) => ({
      resource: resourceName(subscription),
      kind: 'anomaly subscription',
      detail: `${String(property(subscription, 'Frequency'))}`,
      status: 'met' as const,
    })),
  ];
  return {
    id: 'anomaly-detection',
    pillar: 'Cost optimization',
    claim: 'Cost Anomaly Detection watches the spend and a subscription reports anomalies.',
    bestPractice: COST_CONTROLS,
    status: subscriptions.length > 0 ? 'met' : 'gap',
    numbers: [
      { key: 'monitors', label: 'anomaly monitors in the templates', value: monitors.length },
      { key: 'existingMonitors', label: 'existing monitors subscribed (config)', value: existing.length },
      { key: 'subscriptions', label: 'anomaly subscriptions', value: subscriptions.length },
    ],
    items,
    fix:
      'Set cost.serviceMonitor: true in the one environment that owns the account’s service monitor, and ' +
      'cost.existingMonitorArns to that monitor’s ARN in every other environment.',
    note: 'AWS allows one AWS services monitor per account, so an environment may subscribe to an existing one instead.',
  };
}

/** COST: X-Ray samples a fixed share of requests rather than tracing each one. */
export function traceSampling(app: ReviewedApp, config: EnvironmentConfig): Statement {
  const rules = resourcesOf(app, 'AWS::XRay::SamplingRule');
  const traced = resourcesOf(app, 'AWS::Lambda::Function').filter(
    (fn) => property(fn, 'TracingConfig', 'Mode') === 'Active',
  );
  const items: EvidenceItem[] = rules.map((rule) => ({
    resource: resourceName(rule),
    kind: 'X-Ray sampling rule',
    detail: `${String(property(rule, 'SamplingRule', 'RuleName'))}: services ${String(
      property(rule, 'SamplingRule', 'ServiceName'),
    )}, fixed rate ${String(property(rule, 'SamplingRule', 'FixedRate'))}, reservoir ${String(
      property(rule, 'SamplingRule', 'ReservoirSize'),
    )}/s, priority ${String(property(rule, 'SamplingRule', 'Priority'))}`,
    status: 'met',
  }));
  return {
    id: 'trace-sampling',
    pillar: 'Cost optimization',
    claim: `Traces are sampled at the configured rate (tracing.samplingRate ${config.tracing.samplingRate}).`,
    status: traced.length > 0 && rules.length === 0 ? 'gap' : 'met',
    numbers: [
      { key: 'samplingRules', label: 'sampling rules', value: rules.length },
      { key: 'tracedFunctions', label: 'functions with active tracing', value: traced.length },
    ],
    items,
    fix: 'Keep the core stack’s sampling rule (tracing.samplingRate) so traced functions are not sampled by the default rule only.',
  };
}

/** COST and SUS: log groups expire their events; CloudWatch Logs keeps them forever otherwise. */
export function logRetention(app: ReviewedApp, config: EnvironmentConfig): Statement {
  const groups = resourcesOf(app, 'AWS::Logs::LogGroup');
  const items: EvidenceItem[] = groups.map((group) => {
    const days = property(group, 'RetentionInDays');
    return {
      resource: resourceName(group),
      kind: 'log group',
      detail: typeof days === 'number' ? `${days} days` : 'never expires',
      status: typeof days === 'number' ? 'met' : 'gap',
    };
  });
  const configured = items.filter((item) => item.detail === `${config.logs.retentionDays} days`).length;
  return {
    id: 'log-retention',
    pillar: 'Cost optimization',
    claim: `Every log group expires its events (logs.retentionDays ${config.logs.retentionDays}).`,
    status: statusOf(items),
    numbers: [
      { key: 'logGroups', label: 'log groups', value: items.length },
      {
        key: 'withRetention',
        label: 'with a retention',
        value: items.filter((i) => i.status === 'met').length,
      },
      {
        key: 'atConfigured',
        label: `at the configured ${config.logs.retentionDays} days`,
        value: configured,
      },
      { key: 'neverExpire', label: 'never expire', value: items.filter((i) => i.status === 'gap').length },
    ],
    items,
    fix: 'Create the log group explicitly with retention: config.logs.retentionDays (PlatformFunction does this).',
    note: 'Log groups a service creates itself at run time (outside the templates) are not counted.',
  };
}
