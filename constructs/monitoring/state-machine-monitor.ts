import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { kebab } from '../construct-names';
import type { MonitoringScope } from './monitoring-scope';
import { ResourceMonitor } from './resource-monitor';
import type { SignalOverrides } from './signal-overrides';

/**
 * The Step Functions state machine a {@link StateMachineMonitor} watches, and the thresholds of its alarms. Only the Step Functions state machine is
 * required: each threshold has a default, many derived from the resource's own configuration.
 */
export interface StateMachineMonitorProps {
  /** The state machine to watch. */
  readonly stateMachine: sfn.IStateMachine;
  /** The state machine's name within its service. @default kebab-case of the state machine's construct id */
  readonly name?: string;
  /** The service the state machine belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
  /** Failed executions in five minutes that mean the workflow is broken (high). @default 1 */
  readonly failedExecutions?: number;
  /** Timed-out executions in five minutes that mean the workflow hangs (high). @default 1 */
  readonly timedOutExecutions?: number;
  /** Aborted executions in five minutes worth a look (warning). @default 1 */
  readonly abortedExecutions?: number;
  /** Throttled state transitions in five minutes, in 2 of 3 periods, worth a look (warning). @default 1 */
  readonly throttledExecutions?: number;
  /**
   * p99 execution time, as a share of the state machine's own timeout, at which timeouts are near
   * (warning). @default 0.8 of the definition's `TimeoutSeconds`; without one, of the 5-minute limit
   * of an Express workflow or of a 1-hour budget for a Standard one
   */
  readonly executionTimeShareOfTimeout?: number;
  /**
   * Overrides for this state machine's signals, keyed by signal; they win over the service's
   * `state-machine/<signal>` overrides. @default none
   */
  readonly overrides?: SignalOverrides<'state-machine'>;
}

const FIVE_MINUTES = Duration.minutes(5);
// Step Functions stops an Express execution after 5 minutes, whatever the definition says.
const EXPRESS_LIMIT_SECONDS = 300;
// A Standard execution without TimeoutSeconds may run for a year, which is no yardstick for
// "slow"; an hour is a budget most workflows that page someone stay well within.
const STANDARD_BUDGET_SECONDS = 3600;

/**
 * Alarms for one Step Functions state machine: failed and timed-out executions (high), aborted
 * executions and throttled transitions (warning), and the p99 execution time against the state
 * machine's own timeout (warning), read from `TimeoutSeconds` at the top of its definition.
 */
export class StateMachineMonitor extends ResourceMonitor<'state-machine'> {
  constructor(scope: Construct, id: string, props: StateMachineMonitorProps) {
    super(scope, id, props, () => ({
      kind: 'state-machine',
      name: props.name ?? kebab(props.stateMachine.node.id),
    }));
    const { stateMachine } = props;
    const count = (metricName: string) =>
      stateMachine.metric(metricName, { period: FIVE_MINUTES, statistic: 'Sum' });

    const failed = props.failedExecutions ?? 1;
    this.addAlarm({
      signal: 'executions-failed',
      metric: count('ExecutionsFailed'),
      threshold: failed,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary: 'Executions failed; the work they carried was not done and needs a redrive or a fix.',
      thresholdReason: `at least ${failed} failed execution(s)`,
    });
    const timedOut = props.timedOutExecutions ?? 1;
    this.addAlarm({
      signal: 'executions-timed-out',
      metric: count('ExecutionsTimedOut'),
      threshold: timedOut,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary:
        'Executions hit the state machine timeout; a step hangs or waits on something that never comes.',
      thresholdReason: `at least ${timedOut} timed-out execution(s)`,
    });
    const aborted = props.abortedExecutions ?? 1;
    this.addAlarm({
      signal: 'executions-aborted',
      metric: count('ExecutionsAborted'),
      threshold: aborted,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      summary:
        'Executions were stopped before finishing; check who stopped them and what was left half done.',
      thresholdReason: `at least ${aborted} aborted execution(s)`,
    });
    const throttled = props.throttledExecutions ?? 1;
    this.addAlarm({
      signal: 'executions-throttled',
      metric: count('ExecutionThrottled'),
      threshold: throttled,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      summary: 'State transitions are throttled; executions slow down and may reach their timeout.',
      thresholdReason: `at least ${throttled} throttled transition(s)`,
    });

    const timeout = stateMachineTimeout(stateMachine);
    const share = props.executionTimeShareOfTimeout ?? 0.8;
    this.addAlarm({
      signal: 'p99-execution-time',
      metric: stateMachine.metric('ExecutionTime', { period: FIVE_MINUTES, statistic: 'p99' }),
      threshold: Math.round(timeout.seconds * 1000 * share),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Many workflows run a few times an hour: one period of slow executions is already the news.
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      summary: 'The slowest executions approach the timeout; timed-out executions follow.',
      thresholdReason: `${Math.round(share * 100)}% of ${timeout.reason}`,
      thresholdUnit: 'ms',
    });
  }
}

interface Timeout {
  readonly seconds: number;
  /** Completes "80% of …" in the threshold reason. */
  readonly reason: string;
}

/**
 * The timeout executions of the state machine run under. The L2 `timeout` prop is not kept on the
 * construct; it ends up as the definition's top-level `TimeoutSeconds`, so the definition is read:
 * the `Definition` object, or `DefinitionString` resolved (it is a token, and an `Fn::Join` when
 * the definition references other resources).
 */
function stateMachineTimeout(stateMachine: sfn.IStateMachine): Timeout {
  const cfn = stateMachine.node.defaultChild;
  if (!(cfn instanceof sfn.CfnStateMachine)) {
    return {
      seconds: STANDARD_BUDGET_SECONDS,
      reason: `a ${STANDARD_BUDGET_SECONDS} s budget (imported state machine: its timeout is unknown)`,
    };
  }
  const defined = definitionTimeout(cfn);
  const express = cfn.stateMachineType === sfn.StateMachineType.EXPRESS;
  if (typeof defined === 'number' && !(express && defined > EXPRESS_LIMIT_SECONDS)) {
    return { seconds: defined, reason: `the ${defined} s state machine timeout` };
  }
  if (express)
    return { seconds: EXPRESS_LIMIT_SECONDS, reason: `the ${EXPRESS_LIMIT_SECONDS} s Express limit` };
  const why =
    defined === 'unreadable'
      ? 'its definition cannot be read at synth time'
      : 'the state machine sets no TimeoutSeconds';
  return { seconds: STANDARD_BUDGET_SECONDS, reason: `a ${STANDARD_BUDGET_SECONDS} s budget (${why})` };
}

/** The definition's top-level TimeoutSeconds, or why there is none to read. */
function definitionTimeout(cfn: sfn.CfnStateMachine): number | 'unset' | 'unreadable' {
  const stack = Stack.of(cfn);
  const definition =
    cfn.definition !== undefined
      ? stack.resolve(cfn.definition)
      : parseDefinition(stack.resolve(cfn.definitionString));
  // Definitions in S3 (`DefinitionBody.fromFile`) and ones that only parse after substitution land here.
  if (!isRecord(definition)) return 'unreadable';
  const timeout = definition.TimeoutSeconds;
  if (timeout === undefined) return 'unset';
  return typeof timeout === 'number' && !Token.isUnresolved(timeout) && timeout > 0 ? timeout : 'unreadable';
}

/**
 * Parses a resolved definition string. In an `Fn::Join`, every reference (ARN, name) is replaced by
 * `null`: valid JSON both inside a string and as a bare value, and the top-level TimeoutSeconds is
 * never a reference when it comes from the L2 `timeout`.
 */
function parseDefinition(resolved: unknown): unknown {
  let text: string | undefined;
  if (typeof resolved === 'string') {
    text = resolved;
  } else if (isRecord(resolved) && Array.isArray(resolved['Fn::Join'])) {
    const [delimiter, parts] = resolved['Fn::Join'] as unknown[];
    if (typeof delimiter === 'string' && Array.isArray(parts)) {
      text = parts.map((part) => (typeof part === 'string' ? part : 'null')).join(delimiter);
    }
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // A definition with `${…}` substitutions outside strings is not JSON until CloudFormation substitutes it.
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
