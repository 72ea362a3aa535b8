import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct, IConstruct } from 'constructs';
import { kebab } from '../construct-names';
import { LogSubscription } from '../log-archive/log-subscription';
import type { MonitorSignal } from './monitor-signals';
import type { MonitoringScope } from './monitoring-scope';
import { ResourceMonitor } from './resource-monitor';
import type { SignalOverrides } from './signal-overrides';
import { resourcesReferencing } from './stack-references';

/**
 * The function a {@link LambdaMonitor} watches, and the thresholds of its alarms. Only the function is
 * required: each threshold has a default, many derived from the resource's own configuration.
 */
export interface LambdaMonitorProps {
  /** The function to watch. */
  readonly fn: lambda.IFunction;
  /** The function's name within its service. @default kebab-case of the function's construct id */
  readonly name?: string;
  /** The service the function belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
  /** The alias callers invoke; a failing release is then rolled back by moving it. @default none */
  readonly alias?: lambda.IAlias;
  /** Error rate, in percent of invocations, that means the function is failing. @default 5 */
  readonly errorRatePercent?: number;
  /** Errors in five minutes that deserve a look even at low traffic. @default 1 */
  readonly errorCount?: number;
  /** p99 duration, as a share of the function's own timeout, at which timeouts are near. @default 0.8 */
  readonly durationShareOfTimeout?: number;
  /** Concurrency, as a share of the reserved concurrency, at which throttling is near. @default 0.8 */
  readonly concurrencyShareOfReserved?: number;
  /** Whether the function is invoked asynchronously. @default true when the stack holds an async invoke config for it */
  readonly asyncInvocations?: boolean;
  /** Whether the function reads a Kinesis or DynamoDB stream. @default true when it has a stream event source */
  readonly streamSource?: boolean;
  /**
   * Subscribe the function's log group to the service's log archive. Needs a log group in the app (see
   * {@link LambdaMonitor}). @default true when the service has one
   */
  readonly archiveLogs?: boolean;
  /**
   * Alarm on ERROR lines in the function's JSON logs (Powertools or the JSON log format). Needs a log
   * group in the app (see {@link LambdaMonitor}). @default true
   */
  readonly errorLogs?: boolean;
  /**
   * Alarm when invocations fall below the band anomaly detection learns from their history: callers
   * failing upstream look like silence, not errors. Off by default: each band is three custom metrics.
   * @default false
   */
  readonly trafficDrop?: boolean;
  /** Overrides for this function's signals, keyed by signal; they win over the service's `lambda/<signal>` overrides. @default none */
  readonly overrides?: SignalOverrides<'lambda'>;
}

const FIVE_MINUTES = Duration.minutes(5);
// Lambda's own defaults, used when the function does not set them.
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 6 * 3600;
const DEFAULT_STREAM_ALARM_AGE_SECONDS = 300;

/**
 * Alarms for one Lambda function, each threshold taken from the function's own configuration:
 * error rate and errors, throttles, p99 duration against its timeout, concurrency against its
 * reserved concurrency, iterator age for stream sources, the asynchronous-invocation signals
 * (events dropped or ageing, dead-letter and destination failures), and ERROR log lines.
 *
 * The monitor adds no resource the team did not ask for. The ERROR-log metric filter, the log archive
 * subscription and the service's log retention need the function's log group in the app: one the team
 * gave it (`logGroup`), the one CDK makes with the `@aws-cdk/aws-lambda:useCdkManagedLogGroup` feature
 * flag, or the one its `logRetention` sets up. A function with none gets a construct warning saying how
 * to give it one, and those three are skipped: reading `Function.logGroup` would otherwise make CDK add
 * a LogRetention custom resource (a function and a role) to the team's stack, and a filter on a log
 * group Lambda has not created yet fails the deployment.
 */
export class LambdaMonitor extends ResourceMonitor<'lambda'> {
  /** The log group the function writes to: its own, or Lambda's default `/aws/lambda/<name>`. */
  get logGroupName(): string | undefined {
    return this.resource.logGroup;
  }

  constructor(scope: Construct, id: string, props: LambdaMonitorProps) {
    super(scope, id, props, (self) => ({
      kind: 'lambda',
      name: props.name ?? kebab(props.fn.node.id),
      logGroup: logGroupNameOf(props.fn, self),
    }));
    const { fn } = props;
    const cfn = fn.node.defaultChild instanceof lambda.CfnFunction ? fn.node.defaultChild : undefined;
    const rollback = props.alias ? 'lambda-alias-rollback' : undefined;
    // Named in the alarm so the dispatcher moves this alias, whatever it is called; a token cannot be.
    const aliasName =
      props.alias && !Token.isUnresolved(props.alias.aliasName) ? props.alias.aliasName : undefined;

    const invocations = fn.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' });
    const errors = fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' });
    const errorRatePercent = props.errorRatePercent ?? 5;
    this.addAlarm({
      signal: 'error-rate',
      metric: new cloudwatch.MathExpression({
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: { errors, invocations },
        period: FIVE_MINUTES,
        label: 'Error rate (%)',
      }),
      threshold: errorRatePercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary: 'A growing share of invocations fail; callers see errors.',
      thresholdReason: `more than ${errorRatePercent}% of invocations`,
      thresholdUnit: '%',
      playbook: rollback,
      alias: rollback ? aliasName : undefined,
    });
    const errorCount = props.errorCount ?? 1;
    this.addAlarm({
      signal: 'errors',
      metric: errors,
      threshold: errorCount,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      summary: 'The function keeps failing, even if the failure rate is low.',
      thresholdReason: `at least ${errorCount} error(s)`,
    });

    const reserved = numberOrUndefined(cfn?.reservedConcurrentExecutions);
    this.addAlarm({
      signal: 'throttles',
      metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      summary: 'Invocations are rejected for lack of concurrency; synchronous callers get 429s.',
      thresholdReason:
        reserved === undefined
          ? 'any throttle (account concurrency is shared)'
          : `any throttle (reserved concurrency ${reserved})`,
      playbook: reserved === undefined ? undefined : 'lambda-concurrency',
    });

    const timeoutSeconds = numberOrUndefined(cfn?.timeout) ?? DEFAULT_TIMEOUT_SECONDS;
    const durationShare = props.durationShareOfTimeout ?? 0.8;
    this.addAlarm({
      signal: 'p99-duration',
      metric: fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
      threshold: Math.round(timeoutSeconds * 1000 * durationShare),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary: 'The slowest invocations approach the timeout; timeouts and retries follow.',
      thresholdReason: `${Math.round(durationShare * 100)}% of the ${timeoutSeconds} s timeout`,
      thresholdUnit: 'ms',
    });

    if (reserved !== undefined && reserved > 0) {
      const share = props.concurrencyShareOfReserved ?? 0.8;
      this.addAlarm({
        signal: 'concurrency',
        metric: fn.metric('ConcurrentExecutions', { period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: Math.max(1, Math.floor(reserved * share)),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'warning',
        summary: 'Concurrency nears the reserved limit; throttling is next.',
        thresholdReason: `${Math.round(share * 100)}% of the reserved concurrency of ${reserved}`,
        // No playbook: raising the reservation cannot lower ConcurrentExecutions below a threshold fixed
        // at synth from the old one; the throttles alarm carries lambda-concurrency.
      });
    }

    const streamMappings = eventSourceMappings(fn).filter(
      (mapping) => mapping.startingPosition !== undefined,
    );
    if (props.streamSource ?? streamMappings.length > 0) {
      const maxRecordAge = streamMappings
        .map((mapping) => numberOrUndefined(mapping.maximumRecordAgeInSeconds))
        .find((age) => age !== undefined && age > 0);
      const threshold =
        maxRecordAge === undefined ? DEFAULT_STREAM_ALARM_AGE_SECONDS : Math.floor(maxRecordAge / 2);
      this.addAlarm({
        signal: 'iterator-age',
        metric: fn.metric('IteratorAge', { period: FIVE_MINUTES, statistic: 'Maximum' }),
        threshold: threshold * 1000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'high',
        summary: 'The function falls behind its stream; records may expire before they are processed.',
        thresholdReason:
          maxRecordAge === undefined
            ? `${threshold} s behind the stream (no maximum record age is set)`
            : `half the ${maxRecordAge} s maximum record age`,
        thresholdUnit: 'ms',
      });
    }

    const invokeConfigs = asyncInvokeConfigs(fn);
    if (props.asyncInvocations ?? invokeConfigs.length > 0) {
      this.addAsyncAlarms(fn, invokeConfigs, cfn);
    }
    if (hasDestination(invokeConfigs, streamMappings)) {
      this.lost(
        fn,
        'destination-delivery-failures',
        'DestinationDeliveryFailures',
        'Records of failed or finished invocations could not be sent to their destination.',
      );
    }

    const logGroup = logGroupOf(fn, this);
    const errorLogs = props.errorLogs ?? true;
    const archive = (props.archiveLogs ?? true) ? this.monitoring.logArchive : undefined;
    if (logGroup) {
      this.applyLogRetention(fn, logGroup);
      if (errorLogs) this.addErrorLogAlarm(logGroup);
      if (archive) new LogSubscription(this, 'LogArchive', { logGroup, archive });
    } else {
      this.warnWithoutLogGroup(fn, errorLogs, archive !== undefined);
    }
    if (props.trafficDrop ?? false) {
      this.addAnomalyAlarm({
        signal: 'traffic-drop',
        metric: invocations,
        stdDevs: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        severity: 'warning',
        summary:
          'Invocations fell well below their usual level for this time: callers may be failing before they reach it.',
        thresholdReason: 'below the 3-standard-deviation anomaly band, no data counting as a drop',
      });
    }
  }

  private addAsyncAlarms(
    fn: lambda.IFunction,
    invokeConfigs: lambda.CfnEventInvokeConfig[],
    cfn: lambda.CfnFunction | undefined,
  ): void {
    const maxAge =
      invokeConfigs
        .map((config) => numberOrUndefined(config.maximumEventAgeInSeconds))
        .find((age) => age !== undefined) ?? DEFAULT_MAX_EVENT_AGE_SECONDS;
    // AsyncEventsDropped counts every event dropped without a successful run, also those Lambda first
    // sends to the dead-letter queue or on-failure destination ("If an OnFailure destination or DLQ is
    // configured, events are sent to that destination before being dropped": AWS What's New, "AWS Lambda
    // launches CloudWatch metrics for asynchronous invocations", 2023-02-09; AWS Compute Blog, "Introducing
    // new asynchronous invocation metrics for AWS Lambda"). Such an event is kept, not lost: the alarm on
    // the queue that holds it is the one page, and DeadLetterErrors/DestinationDeliveryFailures (critical)
    // page when the handoff itself fails. Without either, each dropped event is work lost.
    const kept = keepsFailedEvents(cfn, invokeConfigs);
    if (kept === undefined) {
      this.lost(
        fn,
        'async-events-dropped',
        'AsyncEventsDropped',
        'Asynchronous events were dropped without being processed (or were handed to a failure destination the monitor cannot read).',
      );
    } else if (kept) {
      this.addAlarm({
        signal: 'async-events-dropped',
        metric: fn.metric('AsyncEventsDropped', { period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'warning',
        summary: `Asynchronous events failed every attempt or expired and were handed to the ${kept}; inspect them there.`,
        thresholdReason: `any event (kept in the ${kept}, whose own alarm pages)`,
      });
    } else {
      this.lost(
        fn,
        'async-events-dropped',
        'AsyncEventsDropped',
        'Asynchronous events were dropped without being processed.',
      );
    }
    // Lambda counts DeadLetterErrors only when it tries to write to a dead-letter queue, so a function
    // without one never publishes it; an on-failure destination is watched by DestinationDeliveryFailures
    // (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#invocation-metrics).
    if (cfn?.deadLetterConfig !== undefined) {
      this.lost(
        fn,
        'dead-letter-errors',
        'DeadLetterErrors',
        'Failed events could not be written to the dead-letter queue.',
      );
    }
    this.addAlarm({
      signal: 'async-event-age',
      metric: fn.metric('AsyncEventAge', { period: FIVE_MINUTES, statistic: 'Maximum' }),
      threshold: Math.floor(maxAge / 2) * 1000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary: 'Queued asynchronous events wait long; past the maximum age they are dropped.',
      thresholdReason: `half the ${maxAge} s maximum event age`,
      thresholdUnit: 'ms',
    });
  }

  /** An alarm on any event of a count metric where each event is work lost. */
  private lost(
    fn: lambda.IFunction,
    signal: MonitorSignal<'lambda'>,
    metricName: string,
    summary: string,
  ): void {
    this.addAlarm({
      signal,
      metric: fn.metric(metricName, { period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'critical',
      summary,
      thresholdReason: 'any event (each one is work lost)',
    });
  }

  /** Only the log group CDK made for the function (`<function>/LogGroup`) gets the service's retention. */
  private applyLogRetention(fn: lambda.IFunction, logGroup: logs.ILogGroup): void {
    const days = this.monitoring.logRetentionDays;
    if (days === undefined || !(fn instanceof lambda.Function)) return;
    const managed = fn.node.tryFindChild('LogGroup');
    if (managed !== logGroup || !(managed?.node.defaultChild instanceof logs.CfnLogGroup)) return;
    managed.node.defaultChild.retentionInDays = days;
  }

  /** Says what the monitor skipped for a function without a log group in the app, and how to give it one. */
  private warnWithoutLogGroup(fn: lambda.IFunction, errorLogs: boolean, archive: boolean): void {
    const days = this.monitoring.logRetentionDays;
    const skipped = [
      ...(errorLogs ? ['the ERROR-log alarm'] : []),
      ...(archive ? ['the log archive subscription'] : []),
      ...(days === undefined ? [] : [`the service's ${days}-day log retention`]),
    ];
    if (skipped.length === 0) return;
    Annotations.of(this).addWarningV2(
      '@vigil/monitoring:lambda-without-log-group',
      `${fn.node.path} has no log group in the app, so Vigil skips ${skipped.join(', ')} rather than ` +
        'add a LogRetention custom resource to this stack. Give the function one: `logGroup: new ' +
        "logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH })`, or set the " +
        '`@aws-cdk/aws-lambda:useCdkManagedLogGroup` feature flag in cdk.json.',
    );
  }

  /** A metric filter on the function's JSON logs: ERROR lines are failures even when the invocation succeeds. */
  private addErrorLogAlarm(logGroup: logs.ILogGroup): void {
    const metricName = `${this.monitoring.service}-${this.resource.name}-error-logs`;
    const filter = new logs.MetricFilter(this, 'ErrorLogFilter', {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue('$.level', '=', 'ERROR'),
      metricNamespace: 'Vigil/Logs',
      metricName,
      metricValue: '1',
    });
    this.addAlarm({
      signal: 'error-logs',
      metric: filter.metric({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      summary: 'The function logged errors; the log excerpt in the alert shows which.',
      thresholdReason: 'any JSON log line with level ERROR',
    });
  }
}

/**
 * The function's log group name, when naming it costs no cross-stack reference (an export per
 * function would crowd a large workload's outputs); otherwise the enricher falls back to Lambda's
 * default `/aws/lambda/<function>`.
 */
function logGroupNameOf(fn: lambda.IFunction, monitor: Construct): string {
  const logGroup = existingLogGroup(fn);
  if (logGroup && Stack.of(fn) === Stack.of(monitor)) return logGroup.logGroupName;
  return `/aws/lambda/${fn.functionName}`;
}

/**
 * The function's log group: for a function of the app, the one it already has (undefined when it has
 * none); an imported function's is found by the name Lambda gives it.
 */
function logGroupOf(fn: lambda.IFunction, scope: Construct): logs.ILogGroup | undefined {
  if (fn instanceof lambda.Function) return existingLogGroup(fn);
  const existing = scope.node.tryFindChild('LogGroup') as logs.ILogGroup | undefined;
  return existing ?? logs.LogGroup.fromLogGroupName(scope, 'LogGroup', `/aws/lambda/${fn.functionName}`);
}

/**
 * The log group a function of the app already has, read without side effects: `Function.logGroup` on
 * a function without one makes CDK add a LogRetention custom resource. A function has one when the team
 * passed `logGroup` (its logging config names it), when CDK made it (`LogGroup`, with the
 * useCdkManagedLogGroup flag or `logRetention`) or once something read `logGroup` before (`LogRetention`).
 */
function existingLogGroup(fn: lambda.IFunction): logs.ILogGroup | undefined {
  if (!(fn instanceof lambda.Function)) return undefined;
  const cfn = fn.node.defaultChild;
  const config = cfn instanceof lambda.CfnFunction ? cfn.loggingConfig : undefined;
  const named =
    config !== undefined &&
    (Token.isUnresolved(config) ||
      (config as lambda.CfnFunction.LoggingConfigProperty).logGroup !== undefined);
  const made = fn.node.tryFindChild('LogGroup') ?? fn.node.tryFindChild('LogRetention');
  return named || made ? fn.logGroup : undefined;
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && !Token.isUnresolved(value) ? value : undefined;
}

/** Event source mappings that target the function, wherever they are defined in its stack. */
function eventSourceMappings(fn: lambda.IFunction): lambda.CfnEventSourceMapping[] {
  return ofFunction(fn, lambda.CfnEventSourceMapping);
}

/** Async invoke configurations of the function or any of its aliases and versions, in its stack. */
function asyncInvokeConfigs(fn: lambda.IFunction): lambda.CfnEventInvokeConfig[] {
  return ofFunction(fn, lambda.CfnEventInvokeConfig);
}

function ofFunction<T extends IConstruct & { functionName: string }>(
  fn: lambda.IFunction,
  type: abstract new (...args: never[]) => T,
): T[] {
  return resourcesReferencing(fn, type, (resource) => resource.functionName, fn.functionName);
}

/**
 * Where the function keeps asynchronous events that fail every attempt or expire: its dead-letter queue
 * or an on-failure destination (of the function or any of its aliases and versions); false when it keeps
 * them nowhere, undefined when a token hides the configuration.
 */
function keepsFailedEvents(
  cfn: lambda.CfnFunction | undefined,
  invokeConfigs: readonly lambda.CfnEventInvokeConfig[],
): 'dead-letter queue' | 'on-failure destination' | false | undefined {
  const deadLetter = cfn?.deadLetterConfig;
  if (deadLetter !== undefined && !Token.isUnresolved(deadLetter)) {
    if ((deadLetter as lambda.CfnFunction.DeadLetterConfigProperty).targetArn !== undefined) {
      return 'dead-letter queue';
    }
  } else if (deadLetter !== undefined) {
    return undefined;
  }
  let hidden = cfn === undefined;
  for (const config of invokeConfigs) {
    const destinations = config.destinationConfig;
    if (destinations === undefined) continue;
    if (Token.isUnresolved(destinations)) {
      hidden = true;
      continue;
    }
    const onFailure = (destinations as lambda.CfnEventInvokeConfig.DestinationConfigProperty).onFailure;
    if (onFailure !== undefined) return 'on-failure destination';
  }
  return hidden ? undefined : false;
}

/**
 * Whether the function's asynchronous invocations or stream mappings have a destination, the only case
 * in which Lambda publishes DestinationDeliveryFailures
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#invocation-metrics).
 */
function hasDestination(
  invokeConfigs: readonly lambda.CfnEventInvokeConfig[],
  mappings: readonly lambda.CfnEventSourceMapping[],
): boolean {
  const set = (config: object | undefined, ...keys: string[]) =>
    config !== undefined &&
    (Token.isUnresolved(config) ||
      keys.some((key) => (config as Record<string, unknown>)[key] !== undefined));
  return (
    invokeConfigs.some((config) => set(config.destinationConfig, 'onFailure', 'onSuccess')) ||
    mappings.some((mapping) => set(mapping.destinationConfig, 'onFailure'))
  );
}
