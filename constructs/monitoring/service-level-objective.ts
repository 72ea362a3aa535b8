import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { AlarmSeverity } from '../contracts/alarm-severity';
import type { BurnRuleLabel, MonitorSignal, SloIndicatorKind } from './monitor-signals';
import { defaultMonitoringScope, type MonitoredResource, type MonitoringScope } from './monitoring-scope';

/** What an SLO measures: the share of bad events over any window. */
export interface SloIndicator {
  /** `availability` or `latency`: names the alarms. */
  readonly kind: SloIndicatorKind;
  /** What a bad event is, for people: `an invocation that failed`. */
  readonly badEvent: string;
  /** Bad events as a share of all events (0 to 1) over `window`; 0 without traffic. */
  badShare(window: Duration): cloudwatch.IMetric;
}

/** Bad = failed invocations, of all invocations. */
export function lambdaAvailability(fn: lambda.IFunction): SloIndicator {
  return {
    kind: 'availability',
    badEvent: 'an invocation that failed',
    badShare: (window) =>
      new cloudwatch.MathExpression({
        expression: 'IF(total > 0, bad / total, 0)',
        usingMetrics: {
          bad: fn.metricErrors({ period: window, statistic: 'Sum' }),
          total: fn.metricInvocations({ period: window, statistic: 'Sum' }),
        },
        period: window,
      }),
  };
}

/** Bad = invocations slower than `thresholdMs`, from the Duration metric's percentile rank. */
export function lambdaLatency(fn: lambda.IFunction, thresholdMs: number): SloIndicator {
  return {
    kind: 'latency',
    badEvent: `an invocation slower than ${thresholdMs} ms`,
    badShare: (window) =>
      new cloudwatch.MathExpression({
        // No invocation leaves `fast` missing, and so the bad share: the burn-rate alarms treat missing
        // data as not breaching. (Metric math has no ISNUMBER; using-metric-math.md lists every function.)
        expression: '1 - fast / 100',
        usingMetrics: {
          fast: fn.metricDuration({
            period: window,
            statistic: cloudwatch.Stats.percentileRank(0, thresholdMs),
          }),
        },
        period: window,
      }),
  };
}

/** Bad = 5XX responses, of all requests, for an API Gateway HTTP API. */
export function httpApiAvailability(apiId: string): SloIndicator {
  const metric = (metricName: string, window: Duration) =>
    new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiId: apiId },
      statistic: 'Sum',
      period: window,
    });
  return {
    kind: 'availability',
    badEvent: 'a request answered with a 5XX',
    badShare: (window) =>
      new cloudwatch.MathExpression({
        expression: 'IF(total > 0, bad / total, 0)',
        usingMetrics: { bad: metric('5xx', window), total: metric('Count', window) },
        period: window,
      }),
  };
}

/** What a {@link ServiceLevelObjective} promises and over which period its error budget is spent. */
export interface ServiceLevelObjectiveProps {
  /** What the objective is about, kebab-case, e.g. `api`. */
  readonly name: string;
  /** What is measured. */
  readonly indicator: SloIndicator;
  /** Share of good events promised, e.g. 0.999. */
  readonly target: number;
  /** Length of the error budget, in days. @default 30 */
  readonly periodDays?: number;
  /** The service the objective belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
}

/** One burn-rate rule: spending `budgetShare` of the budget within `long` pages at `severity`. */
interface BurnRule {
  readonly long: Duration;
  readonly short: Duration;
  readonly budgetShare: number;
  readonly severity: AlarmSeverity;
  readonly label: BurnRuleLabel;
}

// The Google SRE workbook's multi-window rules: fast burns page, slow burns open a ticket.
const BURN_RULES: readonly BurnRule[] = [
  {
    long: Duration.hours(1),
    short: Duration.minutes(5),
    budgetShare: 0.02,
    severity: 'critical',
    label: '1h',
  },
  { long: Duration.hours(6), short: Duration.minutes(30), budgetShare: 0.05, severity: 'high', label: '6h' },
  { long: Duration.days(1), short: Duration.hours(2), budgetShare: 0.1, severity: 'warning', label: '1d' },
];

/**
 * A service-level objective with multi-window, multi-burn-rate alarms. Each rule fires only when
 * both its long window (the budget is really being spent) and its short window (it still is) burn
 * faster than the rule's rate, so it pages fast on outages and resets fast after them.
 */
export class ServiceLevelObjective extends Construct {
  /** The composite alarms that notify, fastest burn first. */
  readonly burnRateAlarms: cloudwatch.CompositeAlarm[] = [];
  /** The error budget: the share of events allowed to be bad. */
  readonly errorBudget: number;
  /** What the objective is about, as given. */
  readonly name: string;
  /** Length of the error budget, in days. */
  readonly periodDays: number;
  private readonly indicator: SloIndicator;

  constructor(scope: Construct, id: string, props: ServiceLevelObjectiveProps) {
    super(scope, id);
    if (!(props.target > 0 && props.target < 1)) {
      throw new Error(`SLO ${props.name}: target must be between 0 and 1 exclusive (got ${props.target})`);
    }
    const monitoring = props.monitoring ?? defaultMonitoringScope(this);
    const periodDays = props.periodDays ?? 30;
    this.errorBudget = 1 - props.target;
    this.name = props.name;
    this.periodDays = periodDays;
    this.indicator = props.indicator;
    monitoring.addObjective(this);
    const resource: MonitoredResource = { kind: 'slo', name: props.name };
    const percent = `${Number((props.target * 100).toFixed(4))}%`;

    for (const rule of BURN_RULES) {
      const burnRate = (rule.budgetShare * periodDays * 24) / rule.long.toHours({ integral: false });
      const signal: MonitorSignal<'slo'> = `${props.indicator.kind}-burn-${rule.label}`;
      const compositeName = monitoring.alarmName(resource, signal);
      const window = (part: 'long' | 'short', length: Duration) =>
        monitoring.addAlarm(this, resource, {
          signal: `${signal}-${part}` satisfies MonitorSignal<'slo'>,
          metric: props.indicator.badShare(length),
          threshold: burnRate * this.errorBudget,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          severity: rule.severity,
          summary: `The ${part} window of the ${rule.label} burn-rate rule of the ${percent} ${props.indicator.kind} SLO.`,
          thresholdReason: `bad share above ${burnRate.toFixed(1)} x the ${this.errorBudget.toPrecision(3)} budget`,
          partOf: compositeName,
        });
      const [long] = window('long', rule.long);
      const [short] = window('short', rule.short);
      if (!long || !short) continue;
      const composite = monitoring.addCompositeAlarm(this, resource, {
        signal,
        rule: cloudwatch.AlarmRule.allOf(long, short),
        severity: rule.severity,
        summary: `At this rate ${props.indicator.badEvent} spends ${Math.round(rule.budgetShare * 100)}% of the ${periodDays}-day error budget of the ${percent} ${props.indicator.kind} SLO within ${rule.long.toHumanString()}.`,
        thresholdReason: `burn rate ${burnRate.toFixed(1)} over ${rule.long.toHumanString()} and ${rule.short.toHumanString()}`,
      });
      if (composite) this.burnRateAlarms.push(composite);
    }
  }

  /** Share of the error budget left over the budget period, in percent (negative once overspent). */
  budgetRemaining(): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      expression: `100 * (1 - badShare / ${this.errorBudget})`,
      usingMetrics: { badShare: this.indicator.badShare(Duration.days(this.periodDays)) },
      period: Duration.days(this.periodDays),
      label: `${this.name} ${this.indicator.kind} budget left (%)`,
    });
  }
}
