import { Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { kebab } from '../construct-names';
import type { MonitoringScope } from './monitoring-scope';
import { ResourceMonitor } from './resource-monitor';
import type { SignalOverrides } from './signal-overrides';

/**
 * The EventBridge rule a {@link EventRuleMonitor} watches, and the thresholds of its alarms. Only the EventBridge rule is
 * required: each threshold has a default, many derived from the resource's own configuration.
 */
export interface EventRuleMonitorProps {
  /** The rule to watch. */
  readonly rule: events.IRule;
  /** The rule's name within its service. @default kebab-case of the rule's construct id */
  readonly name?: string;
  /** The service the rule belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
  /**
   * Target invocations failed for good, in five minutes, that mean events went undelivered (high).
   * @default 1: EventBridge counts an invocation as failed only after its retry policy gave up
   */
  readonly failedInvocations?: number;
  /** Throttled rule runs, in five minutes, worth a look (warning). @default 1 */
  readonly throttledRules?: number;
  /**
   * Alarm when failed events cannot be sent to a target's dead-letter queue (critical).
   * @default true when a target of the rule, as defined when the monitor is created, has a dead-letter queue
   */
  readonly deadLetterFailureAlarm?: boolean;
  /** Overrides for this rule's signals, keyed by signal; they win over the service's `event-rule/<signal>` overrides. @default none */
  readonly overrides?: SignalOverrides<'event-rule'>;
}

const FIVE_MINUTES = Duration.minutes(5);
const NAMESPACE = 'AWS/Events';

/**
 * Alarms for one EventBridge rule: target invocations that failed for good, throttled rule runs,
 * and, when targets have dead-letter queues, events that could not be sent there.
 *
 * EventBridge publishes rule metrics with the `RuleName` dimension for rules on the default bus and
 * with `EventBusName` and `RuleName` for rules on a custom bus; the monitor reads the bus from the
 * rule's configuration. For a rule without an explicit name on a custom bus the name is taken from
 * the rule's ARN (`rule/<bus>/<name>`), because its `Ref` is `<bus>|<name>`.
 */
export class EventRuleMonitor extends ResourceMonitor<'event-rule'> {
  constructor(scope: Construct, id: string, props: EventRuleMonitorProps) {
    super(scope, id, props, () => ({ kind: 'event-rule', name: props.name ?? kebab(props.rule.node.id) }));
    const { rule } = props;
    const cfn = rule.node.defaultChild instanceof events.CfnRule ? rule.node.defaultChild : undefined;
    const dimensionsMap = metricDimensions(rule, cfn);
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: NAMESPACE,
        metricName,
        dimensionsMap,
        period: FIVE_MINUTES,
        statistic: 'Sum',
      });
    const targets = targetsOf(rule, cfn);
    const withDeadLetterQueue = targets.filter((target) => target.deadLetterConfig !== undefined);

    const failed = props.failedInvocations ?? 1;
    this.addAlarm({
      signal: 'failed-invocations',
      metric: metric('FailedInvocations'),
      threshold: failed,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // EventBridge publishes these counts only when they are not zero.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary:
        withDeadLetterQueue.length > 0 && withDeadLetterQueue.length === targets.length
          ? "Targets rejected events after every retry; the events wait in the targets' dead-letter queues."
          : 'Targets rejected events after every retry; events for targets without a dead-letter queue are lost.',
      thresholdReason:
        (failed === 1
          ? 'any invocation that failed after retries'
          : `${failed} failed invocations, set by the team`) +
        (targets.length > 0
          ? ` (${withDeadLetterQueue.length} of ${targets.length} targets have a dead-letter queue)`
          : ''),
    });

    const throttled = props.throttledRules ?? 1;
    this.addAlarm({
      signal: 'throttled-rules',
      metric: metric('ThrottledRules'),
      threshold: throttled,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Throttled runs are retried; only sustained throttling delays delivery.
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      summary: 'Rule runs are throttled by the invocation quota; deliveries are delayed and may fail.',
      thresholdReason: throttled === 1 ? 'any throttled run' : `${throttled} throttled runs, set by the team`,
    });

    if (props.deadLetterFailureAlarm ?? withDeadLetterQueue.length > 0) {
      this.addAlarm({
        signal: 'dead-letter-failed',
        metric: metric('InvocationsFailedToBeSentToDlq'),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'critical',
        summary:
          'Failed events could not be sent to the dead-letter queue (permissions, key access or size); those events are gone.',
        thresholdReason: 'any event (each one is lost for good)',
      });
    }
  }
}

/** `RuleName` on the default bus; `EventBusName` and `RuleName` on a custom bus. */
function metricDimensions(rule: events.IRule, cfn: events.CfnRule | undefined): Record<string, string> {
  const bus = busName(rule, cfn);
  if (bus === undefined) return { RuleName: ruleName(rule, cfn, undefined) };
  return { EventBusName: bus, RuleName: ruleName(rule, cfn, bus) };
}

/** The custom bus the rule is on, by name; undefined for the default bus. */
function busName(rule: events.IRule, cfn: events.CfnRule | undefined): string | undefined {
  if (cfn === undefined) {
    // An imported rule: its ARN names the bus as `rule/<bus>/<name>` when it is not the default one.
    const name = rule.ruleName;
    return !Token.isUnresolved(name) && name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : undefined;
  }
  const configured = cfn.eventBusName;
  if (configured === undefined || configured === 'default') return undefined;
  if (!Token.isUnresolved(configured) && configured.startsWith('arn:')) {
    const name = configured.slice(configured.indexOf(':event-bus/') + ':event-bus/'.length);
    return name === 'default' ? undefined : name;
  }
  return configured;
}

function ruleName(rule: events.IRule, cfn: events.CfnRule | undefined, bus: string | undefined): string {
  const literal = cfn?.name;
  if (literal !== undefined && !Token.isUnresolved(literal)) return literal;
  const name = rule.ruleName;
  if (bus === undefined) return name;
  if (cfn === undefined) return Token.isUnresolved(name) ? name : name.slice(name.lastIndexOf('/') + 1);
  // Custom bus names cannot contain '/'; partner bus names (aws.partner/...) can, and are literal.
  const busSlashes = Token.isUnresolved(bus) ? 0 : bus.split('/').length - 1;
  return Fn.select(2 + busSlashes, Fn.split('/', rule.ruleArn));
}

interface RuleTarget {
  readonly deadLetterConfig?: unknown;
}

/** The rule's targets as configured so far; none for an imported rule. */
function targetsOf(rule: events.IRule, cfn: events.CfnRule | undefined): RuleTarget[] {
  if (cfn === undefined) return [];
  const targets: unknown = Stack.of(rule).resolve(cfn.targets);
  return Array.isArray(targets) ? (targets as RuleTarget[]) : [];
}
