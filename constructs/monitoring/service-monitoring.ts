import { App, CfnResource, NestedStack, Stack, Tags } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigatewayModule from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as apigwv2Module from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudfrontModule from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as dynamodbModule from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as eventsModule from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaModule from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as snsModule from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sqsModule from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sfnModule from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import { addAlarmLint } from '../alarm-lint/alarm-lint';
import { fitsOneAnyOfRule, packIntoAnyOfRules } from '../alarm-lint/composite-packing';
import { kebab, pascal } from '../construct-names';
import { formatAlarmDescription } from '../contracts/alarm-description';
import type { AlarmSeverity } from '../contracts/alarm-severity';
import type { LogArchiveStream } from '../log-archive/log-archive-stream';
import {
  describeCondition,
  describeEvaluation,
  higherIsWorse,
  metricPeriodSeconds,
} from './alarm-evaluation';
import { alarmNamePrefixFor, ENVIRONMENT_CONTEXT_KEY, ENVIRONMENT_NAME } from './alarm-naming';
import { type AlarmRouting, NO_ROUTING } from './alarm-routing';
import type { AlarmFacts, AlarmSpec, AnomalyAlarmSpec, CompositeAlarmSpec } from './alarm-spec';
import {
  CloudFrontDistributionMonitor,
  type CloudFrontDistributionMonitorProps,
} from './cloudfront-distribution-monitor';
import { DynamoDbTableMonitor, type DynamoDbTableMonitorProps } from './dynamodb-table-monitor';
import { EventRuleMonitor, type EventRuleMonitorProps } from './event-rule-monitor';
import { FirehoseMonitor, type FirehoseMonitorProps } from './firehose-monitor';
import { HttpApiMonitor, type HttpApiMonitorProps } from './http-api-monitor';
import { LambdaMonitor, type LambdaMonitorProps } from './lambda-monitor';
import { type OverrideKey, unknownOverrideKeysMessage } from './monitor-signals';
import { type MonitoredResource, type MonitoringScope, setDefaultMonitoringScope } from './monitoring-scope';
import { RestApiMonitor, type RestApiMonitorProps } from './rest-api-monitor';
import { SavedQueries } from './saved-queries';
import { ServiceLevelObjective } from './service-level-objective';
import { overriddenAlarms, type SignalOverride, signalOverrideProblems } from './signal-overrides';
import { SnsTopicMonitor, type SnsTopicMonitorProps } from './sns-topic-monitor';
import { SqsQueueMonitor, type SqsQueueMonitorProps } from './sqs-queue-monitor';
import { StateMachineMonitor, type StateMachineMonitorProps } from './state-machine-monitor';

/** Settings of a service's monitoring; only `service` is required. */
export interface ServiceMonitoringProps {
  /** Service name, kebab-case: part of every alarm name, tag and dashboard. */
  readonly service: string;
  /** Where alarms notify, by severity. @default no actions (state changes still reach EventBridge) */
  readonly routing?: AlarmRouting;
  /** Runbook base URL; an alarm links `<base>/<resource kind>-<signal>`. @default no runbook link */
  readonly runbookBaseUrl?: string;
  /**
   * First part of every alarm name.
   * @default `vigil-<env>` for the Vigil environment in the `env` context (`cdk synth -c env=prod`),
   * which that environment's alerting and remediation rules match; `vigil` without one (no
   * environment's rules take those alarms by default)
   */
  readonly alarmNamePrefix?: string;
  /**
   * Per-signal overrides for every resource of the service, keyed `<kind>/<signal>` (e.g.
   * `lambda/throttles`) by a signal in MONITOR_SIGNALS; any other key fails synth with the list of
   * valid ones. A watched route's or method's alarms follow their API's key. @default none
   */
  readonly overrides?: Readonly<Partial<Record<OverrideKey, SignalOverride>>>;
  /**
   * Retention, in days, for the log groups CDK creates for monitored functions (with
   * `@aws-cdk/aws-lambda:useCdkManagedLogGroup`); log groups a team created itself are left alone, and
   * a function without a log group in the app gets a construct warning instead (see LambdaMonitor).
   * @default CDK's retention (two years)
   */
  readonly logRetentionDays?: number;
  /** Archive the logs of every monitored function to this stream (a monitor may opt out). @default not archived */
  readonly logArchive?: LogArchiveStream;
  /**
   * Save the Logs Insights queries on-call runs most (`SAVED_QUERIES`: errors by type, slowest
   * requests, one request, cold starts) over the monitored functions' log groups. @default true
   */
  readonly savedQueries?: boolean;
  /**
   * Put the monitors made by the `monitorX` methods into nested stacks of at most this many resources,
   * for services too large for one template (CloudFormation allows 500 resources and 1 MB).
   * @default monitors go into this construct's own stack
   */
  readonly maxResourcesPerNestedStack?: number;
}

/** One alarm of the service with what dashboards need to place it. */
export interface RegisteredAlarm {
  /** The alarm, metric or composite, as created (named, tagged, described and routed). */
  readonly alarm: cloudwatch.AlarmBase;
  /** The watched resource it belongs to. */
  readonly resource: MonitoredResource;
  /** What it measures, e.g. `error-rate`: the last part of its name. */
  readonly signal: string;
  /** Its severity, an override's when one applies: what chose its actions. */
  readonly severity: AlarmSeverity;
  /** The composite it feeds, when it only feeds one. */
  readonly partOf?: string;
}

const DEFAULT_ID = 'VigilMonitoring';
const MAX_RESOURCES_PER_MONITOR = 15;
const ALARM_NAME_PART = /^[a-z0-9][a-z0-9-]*$/;
// AWS tag values allow letters, digits, spaces and _ . : / = + - @.
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const claimedNames = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Monitoring for one service: the single place alarms are made. Every alarm gets a name from one
 * rule (`<prefix>-<service>-<resource>-<signal>`, unique across the app), a severity, its actions
 * from the routing, AWS tags (service, resource, signal, severity, runbook, playbook) and a JSON
 * description the enrichment Lambda parses. {@link createdAlarms} returns every alarm made through
 * it, because monitors register alarms here instead of being discovered afterwards.
 *
 * It makes the monitors (`monitorLambda`, …); they know it only as a {@link MonitoringScope}.
 */
export class ServiceMonitoring extends Construct implements MonitoringScope {
  /** The service's monitoring in the stack of `scope`, created with the stack's name if none exists. */
  static of(scope: IConstruct): ServiceMonitoring {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(DEFAULT_ID);
    if (existing instanceof ServiceMonitoring) return existing;
    return new ServiceMonitoring(stack, DEFAULT_ID, { service: kebab(stack.stackName) });
  }

  readonly service: string;
  private readonly props: ServiceMonitoringProps;
  private readonly alarms: RegisteredAlarm[] = [];
  // Alarms that page (critical or high, not parts of a composite): the service-health rule's inputs.
  private readonly paging: cloudwatch.AlarmBase[] = [];
  private readonly idCounts = new Map<string, number>();
  private readonly slos: ServiceLevelObjective[] = [];
  /** Resources that have a monitor made through this facade. */
  private readonly monitored = new Set<IConstruct>();
  private healthAlarm: cloudwatch.CompositeAlarm | undefined;
  private shard: NestedStack | undefined;
  private shardCount = 0;
  private readonly namePrefix: string;
  private queries: SavedQueries | undefined;

  constructor(scope: Construct, id: string, props: ServiceMonitoringProps) {
    super(scope, id);
    if (!ALARM_NAME_PART.test(props.service)) {
      throw new Error(`service must be kebab-case (got ${JSON.stringify(props.service)})`);
    }
    const unknownKeys = unknownOverrideKeysMessage(Object.keys(props.overrides ?? {}));
    if (unknownKeys !== undefined) throw new Error(`service ${props.service}: ${unknownKeys}`);
    const problems = Object.entries(props.overrides ?? {}).flatMap(([key, override]) =>
      signalOverrideProblems(`service ${props.service}: override ${key}`, override),
    );
    if (problems.length > 0) throw new Error(problems.join('; '));
    this.service = props.service;
    this.props = props;
    this.namePrefix = props.alarmNamePrefix ?? alarmNamePrefixFor(contextEnvironment(this));
    // Every app that makes alarms through Vigil checks all of its alarms at synth.
    addAlarmLint(this);
  }

  /** The service-health composite, once {@link addServiceHealthAlarm} made it. */
  get health(): cloudwatch.CompositeAlarm | undefined {
    return this.healthAlarm;
  }

  /** The service's objectives, for dashboards. */
  objectives(): readonly ServiceLevelObjective[] {
    return [...this.slos];
  }

  /** Called by each ServiceLevelObjective of the service. */
  addObjective(objective: IConstruct): void {
    if (!(objective instanceof ServiceLevelObjective)) {
      throw new Error(`${objective.node.path} is not a ServiceLevelObjective`);
    }
    this.slos.push(objective);
  }

  /** Every alarm made for this service, composite alarms included, in creation order. */
  createdAlarms(): readonly cloudwatch.AlarmBase[] {
    return this.alarms.map((registered) => registered.alarm);
  }

  /** Every alarm with its resource, signal and severity, in creation order. */
  registeredAlarms(): readonly RegisteredAlarm[] {
    return [...this.alarms];
  }

  /** Alarms for a Lambda function (see {@link LambdaMonitor}). */
  monitorLambda(
    fn: lambda.IFunction,
    options: Omit<LambdaMonitorProps, 'fn' | 'monitoring'> = {},
  ): LambdaMonitor {
    const monitor = new LambdaMonitor(this.placement(), this.monitorId('Lambda', fn, options.name), {
      ...options,
      fn,
      monitoring: this,
    });
    if (monitor.logGroupName !== undefined && this.props.savedQueries !== false) {
      this.queries ??= new SavedQueries(this, 'SavedQueries', {
        service: this.service,
        namePrefix: this.namePrefix,
      });
      this.queries.addLogGroup(monitor.logGroupName);
    }
    return monitor;
  }

  /** The log groups of the service's monitored functions (what its saved queries read). */
  get logGroupNames(): readonly string[] {
    return this.queries?.logGroups ?? [];
  }

  /** Alarms for an SQS queue or dead-letter queue (see {@link SqsQueueMonitor}). */
  monitorQueue(
    queue: sqs.IQueue,
    options: Omit<SqsQueueMonitorProps, 'queue' | 'monitoring'> = {},
  ): SqsQueueMonitor {
    return new SqsQueueMonitor(this.placement(), this.monitorId('Queue', queue, options.name), {
      ...options,
      queue,
      monitoring: this,
    });
  }

  /** Alarms for an SNS topic (see {@link SnsTopicMonitor}). */
  monitorTopic(
    topic: sns.ITopic,
    options: Omit<SnsTopicMonitorProps, 'topic' | 'monitoring'> = {},
  ): SnsTopicMonitor {
    return new SnsTopicMonitor(this.placement(), this.monitorId('Topic', topic, options.name), {
      ...options,
      topic,
      monitoring: this,
    });
  }

  /** Alarms for an EventBridge rule (see {@link EventRuleMonitor}). */
  monitorEventRule(
    rule: events.IRule,
    options: Omit<EventRuleMonitorProps, 'rule' | 'monitoring'> = {},
  ): EventRuleMonitor {
    return new EventRuleMonitor(this.placement(), this.monitorId('Rule', rule, options.name), {
      ...options,
      rule,
      monitoring: this,
    });
  }

  /** Alarms for an API Gateway HTTP API (see {@link HttpApiMonitor}). */
  monitorHttpApi(
    api: apigwv2.IHttpApi,
    options: Omit<HttpApiMonitorProps, 'api' | 'monitoring'> = {},
  ): HttpApiMonitor {
    return new HttpApiMonitor(this.placement(), this.monitorId('HttpApi', api, options.name), {
      ...options,
      api,
      monitoring: this,
    });
  }

  /** Alarms for an API Gateway REST API (see {@link RestApiMonitor}). */
  monitorRestApi(
    api: apigateway.IRestApi,
    options: Omit<RestApiMonitorProps, 'api' | 'monitoring'> = {},
  ): RestApiMonitor {
    return new RestApiMonitor(this.placement(), this.monitorId('RestApi', api, options.name), {
      ...options,
      api,
      monitoring: this,
    });
  }

  /** Alarms for a DynamoDB table (see {@link DynamoDbTableMonitor}). */
  monitorTable(
    table: dynamodb.ITable,
    options: Omit<DynamoDbTableMonitorProps, 'table' | 'monitoring'> = {},
  ): DynamoDbTableMonitor {
    return new DynamoDbTableMonitor(this.placement(), this.monitorId('Table', table, options.name), {
      ...options,
      table,
      monitoring: this,
    });
  }

  /** Alarms for a Step Functions state machine (see {@link StateMachineMonitor}). */
  monitorStateMachine(
    stateMachine: sfn.IStateMachine,
    options: Omit<StateMachineMonitorProps, 'stateMachine' | 'monitoring'> = {},
  ): StateMachineMonitor {
    return new StateMachineMonitor(
      this.placement(),
      this.monitorId('StateMachine', stateMachine, options.name),
      {
        ...options,
        stateMachine,
        monitoring: this,
      },
    );
  }

  /** Alarms for a Kinesis Data Firehose delivery stream (see {@link FirehoseMonitor}). */
  monitorDeliveryStream(
    deliveryStream: FirehoseMonitorProps['deliveryStream'],
    options: Omit<FirehoseMonitorProps, 'deliveryStream' | 'monitoring'> = {},
  ): FirehoseMonitor {
    return new FirehoseMonitor(
      this.placement(),
      this.monitorId('DeliveryStream', deliveryStream, options.name),
      {
        ...options,
        deliveryStream,
        monitoring: this,
      },
    );
  }

  /** Alarms for a CloudFront distribution, in a stack in us-east-1 (see {@link CloudFrontDistributionMonitor}). */
  monitorDistribution(
    distribution: cloudfront.IDistribution,
    options: Omit<CloudFrontDistributionMonitorProps, 'distribution' | 'monitoring'> = {},
  ): CloudFrontDistributionMonitor {
    return new CloudFrontDistributionMonitor(
      this.placement(),
      this.monitorId('Distribution', distribution, options.name),
      {
        ...options,
        distribution,
        monitoring: this,
      },
    );
  }

  /**
   * Monitors every supported resource defined under `scope` that has no monitor yet, with default
   * settings. It runs when called, not at synth like an aspect, so {@link createdAlarms} is complete
   * as soon as it returns; resources added to the scope later are not seen. A queue that is another
   * discovered queue's dead-letter queue is covered by that queue's monitor.
   *
   * CDK's own machinery is recognised by what it is, never by its name: everything a custom-resource
   * {@link cr.Provider} creates (its framework functions and waiter) and the function behind each
   * {@link lambda.SingletonFunction} (AwsCustomResource, BucketDeployment and the like). Anything else
   * that is not the team's is named in `exclude`, as constructs or as a test; an excluded construct's
   * children are excluded with it.
   * @returns how many resources it started monitoring
   */
  monitorScope(
    scope: IConstruct,
    exclude: readonly IConstruct[] | ((construct: IConstruct) => boolean) = [],
  ): number {
    const all = scope.node.findAll();
    const excluded =
      typeof exclude === 'function' ? exclude : (construct: IConstruct) => exclude.includes(construct);
    const machinery = cdkMachinery(scope);
    const skipped = (construct: IConstruct) => {
      const scopes = construct.node.scopes;
      return scopes
        .slice(Math.max(0, scopes.indexOf(scope)))
        .some((ancestor) => excluded(ancestor) || machinery.has(ancestor));
    };
    const found = all.filter((construct) => !this.monitored.has(construct) && !skipped(construct));
    // Every queue in scope counts here, monitored before or not: its monitor covers its dead-letter queue.
    const coveredDeadLetterQueues = new Set(
      all.flatMap((construct) =>
        construct instanceof sqsModule.Queue && construct.deadLetterQueue
          ? [construct.deadLetterQueue.queue]
          : [],
      ),
    );
    let started = 0;
    for (const construct of found) {
      const before = this.monitored.size;
      this.monitorDiscovered(construct, coveredDeadLetterQueues);
      if (this.monitored.size > before) started++;
    }
    return started;
  }

  private monitorDiscovered(construct: IConstruct, coveredDeadLetterQueues: ReadonlySet<IConstruct>): void {
    if (construct instanceof lambdaModule.Function) {
      this.monitorLambda(construct);
    } else if (construct instanceof sqsModule.Queue) {
      if (!coveredDeadLetterQueues.has(construct)) this.monitorQueue(construct);
    } else if (construct instanceof snsModule.Topic) {
      this.monitorTopic(construct);
    } else if (construct instanceof eventsModule.Rule) {
      this.monitorEventRule(construct);
    } else if (construct instanceof dynamodbModule.Table || construct instanceof dynamodbModule.TableV2) {
      this.monitorTable(construct);
    } else if (construct instanceof sfnModule.StateMachine) {
      this.monitorStateMachine(construct);
    } else if (construct instanceof apigwv2Module.HttpApi) {
      this.monitorHttpApi(construct);
    } else if (construct instanceof apigatewayModule.RestApi) {
      this.monitorRestApi(construct);
    } else if (construct instanceof cloudfrontModule.Distribution) {
      this.monitorDistribution(construct);
    }
  }

  /** The scope for the next monitor: this construct, or a nested stack with room left. */
  private placement(): Construct {
    const limit = this.props.maxResourcesPerNestedStack;
    if (limit === undefined) return this;
    const used = this.shard?.node.findAll().filter((child) => child instanceof CfnResource).length ?? limit;
    // The largest monitor (a Lambda function with every signal) adds about 15 resources.
    if (this.shard === undefined || used > limit - MAX_RESOURCES_PER_MONITOR) {
      this.shard = new NestedStack(this, `Shard${this.shardCount++}`);
    }
    return this.shard;
  }

  /** A construct id unique within the placement scope, readable in the template. */
  private monitorId(kind: string, resource: IConstruct, name: string | undefined): string {
    this.monitored.add(resource);
    const base = `${kind}${pascal(name ?? kebab(resource.node.id))}`;
    const count = (this.idCounts.get(base) ?? 0) + 1;
    this.idCounts.set(base, count);
    return count === 1 ? base : `${base}${count}`;
  }

  /** Retention the service applies to log groups CDK made for its functions, if it sets one. */
  get logRetentionDays(): number | undefined {
    return this.props.logRetentionDays;
  }

  /** Where monitored functions' logs are archived, when the service archives them. */
  get logArchive(): LogArchiveStream | undefined {
    return this.props.logArchive;
  }

  /** The one alarm-naming rule (see `alarm-naming.ts`). */
  alarmName(resource: MonitoredResource, signal: string): string {
    return [this.namePrefix, this.service, resource.name, signal].join('-');
  }

  /**
   * The override a signal of the resource gets: the monitor's fields over the service's. A variant
   * signal (a route's `get-items-server-error-rate`) follows the signal it names in `overrideSignal`.
   */
  overrideOf(resource: MonitoredResource, spec: AlarmFacts): SignalOverride | undefined {
    const signal = spec.overrideSignal ?? spec.signal;
    const service = this.props.overrides?.[`${resource.kind}/${signal}` as OverrideKey];
    const own = resource.overrides?.[signal];
    if (own === undefined) return service;
    const merged: SignalOverride = { ...service, ...own };
    // A monitor's one threshold replaces the service's several, and the other way round.
    if (own.threshold !== undefined) return { ...merged, thresholds: undefined };
    if (own.thresholds !== undefined) return { ...merged, threshold: undefined, severity: own.severity };
    return merged;
  }

  /**
   * Makes a signal's alarm in `scope` for a resource of this service: none when an override
   * switched it off, several (most severe first) when an override set `thresholds`.
   */
  addAlarm(scope: Construct, resource: MonitoredResource, spec: AlarmSpec): cloudwatch.Alarm[] {
    return this.makeAlarms(scope, resource, spec, (variant, alarmName, alarmDescription) => {
      return new cloudwatch.Alarm(scope, pascal(variant.signal), {
        alarmName,
        alarmDescription,
        metric: spec.metric,
        threshold: variant.threshold ?? spec.threshold,
        comparisonOperator: spec.comparisonOperator,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
        treatMissingData: spec.treatMissingData,
      });
    });
  }

  /**
   * Makes an anomaly-detection alarm, for metrics whose normal level no fixed threshold describes;
   * an override's threshold is the band's width in standard deviations.
   */
  addAnomalyAlarm(
    scope: Construct,
    resource: MonitoredResource,
    spec: AnomalyAlarmSpec,
  ): cloudwatch.AnomalyDetectionAlarm[] {
    return this.makeAlarms(scope, resource, spec, (variant, alarmName, alarmDescription) => {
      return new cloudwatch.AnomalyDetectionAlarm(scope, pascal(variant.signal), {
        alarmName,
        alarmDescription,
        metric: spec.metric,
        stdDevs: variant.threshold ?? spec.stdDevs,
        comparisonOperator: spec.comparisonOperator,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
        treatMissingData: spec.treatMissingData,
      });
    });
  }

  /** Each alarm a metric or anomaly signal gets under its override, registered with the text of when it fires. */
  private makeAlarms<Spec extends AlarmSpec | AnomalyAlarmSpec, T extends cloudwatch.AlarmBase>(
    scope: Construct,
    resource: MonitoredResource,
    spec: Spec,
    make: (variant: Spec & { readonly threshold?: number }, alarmName: string, alarmDescription: string) => T,
  ): T[] {
    const evaluation = describeEvaluation(
      metricPeriodSeconds(spec.metric),
      spec.evaluationPeriods,
      spec.datapointsToAlarm ?? spec.evaluationPeriods,
    );
    return this.overridden(resource, spec, spec.comparisonOperator).map((variant) =>
      this.register(scope, resource, variant, spec.signal, evaluation, (alarmName, alarmDescription) =>
        make(variant, alarmName, alarmDescription),
      ),
    );
  }

  /**
   * Makes a composite alarm over other alarms (e.g. both windows of a burn rate, or a service's health).
   * Its parts should be made with `partOf` so that only the composite notifies. A composite has no
   * threshold: an override may only switch it off or change its severity.
   */
  addCompositeAlarm(
    scope: Construct,
    resource: MonitoredResource,
    spec: CompositeAlarmSpec,
  ): cloudwatch.CompositeAlarm | undefined {
    const override = this.overrideOf(resource, spec);
    const key = `${resource.kind}/${spec.overrideSignal ?? spec.signal}`;
    if (override?.threshold !== undefined || override?.thresholds !== undefined) {
      throw new Error(
        `service ${this.service}, ${resource.name}: override ${key} sets a threshold, but ${spec.signal} is a ` +
          'composite alarm (a rule over other alarms); override the alarms it combines instead',
      );
    }
    if (override?.enabled === false) return undefined;
    const variant = { ...spec, severity: override?.severity ?? spec.severity };
    return this.register(scope, resource, variant, spec.signal, undefined, (alarmName, alarmDescription) => {
      return new cloudwatch.CompositeAlarm(scope, pascal(spec.signal), {
        compositeAlarmName: alarmName,
        alarmDescription,
        alarmRule: spec.rule,
      });
    });
  }

  /** The spec of each alarm a signal gets under its override, with the threshold text to match. */
  private overridden<
    Spec extends AlarmFacts & { readonly comparisonOperator: cloudwatch.ComparisonOperator },
  >(
    resource: MonitoredResource,
    spec: Spec,
    comparison: cloudwatch.ComparisonOperator,
  ): (Spec & { readonly threshold?: number })[] {
    const override = this.overrideOf(resource, spec);
    const where = `service ${this.service}, ${resource.name}: override ${resource.kind}/${spec.overrideSignal ?? spec.signal}`;
    const problems = signalOverrideProblems(where, override ?? {});
    if (problems.length > 0) throw new Error(problems.join('; '));
    if (override?.thresholds !== undefined && spec.partOf !== undefined) {
      throw new Error(
        `${where}: ${spec.signal} feeds the composite ${spec.partOf}, so it takes one threshold`,
      );
    }
    const unit = 'thresholdUnit' in spec ? (spec.thresholdUnit as string | undefined) : undefined;
    return overriddenAlarms(where, spec.signal, spec.severity, override, higherIsWorse(comparison)).map(
      (alarm) => ({
        ...spec,
        signal: alarm.signal,
        overrideSignal: spec.overrideSignal ?? spec.signal,
        severity: alarm.severity,
        threshold: alarm.threshold,
        playbook: alarm.keepsPlaybook ? spec.playbook : undefined,
        thresholdReason:
          alarm.threshold === undefined
            ? spec.thresholdReason
            : `${describeCondition(comparison, alarm.threshold, unit)}, set by the team (the monitor's default: ${spec.thresholdReason})`,
      }),
    );
  }

  private register<T extends cloudwatch.AlarmBase>(
    scope: Construct,
    resource: MonitoredResource,
    spec: AlarmFacts,
    /** The signal whose runbook the alarm links: a `-warning` variant shares its signal's. */
    runbookSignal: string,
    evaluation: string | undefined,
    make: (alarmName: string, description: string) => T,
  ): T {
    for (const part of [resource.name, resource.kind, spec.signal]) {
      if (!ALARM_NAME_PART.test(part)) {
        throw new Error(`alarm name parts must be kebab-case (got ${JSON.stringify(part)})`);
      }
    }
    const severity = spec.severity;
    const alarmName = this.alarmName(resource, spec.signal);
    this.claim(alarmName, scope);
    const runbook = this.props.runbookBaseUrl
      ? `${this.props.runbookBaseUrl.replace(/\/$/, '')}/${resource.kind}-${runbookSignal}`
      : undefined;
    const alarm = make(
      alarmName,
      formatAlarmDescription({
        vigil: 1,
        service: this.service,
        resource: resource.name,
        signal: spec.signal,
        severity,
        summary: spec.summary,
        threshold: evaluation === undefined ? spec.thresholdReason : `${spec.thresholdReason}, ${evaluation}`,
        runbook,
        playbook: spec.playbook,
        alias: spec.alias,
        logGroup: resource.logGroup,
        partOf: spec.partOf,
      }),
    );
    // A part of a composite changes state as its inputs move; only the composite notifies.
    if (spec.partOf === undefined) {
      const actions = (this.props.routing ?? NO_ROUTING).actionsFor(severity);
      alarm.addAlarmAction(...actions);
      alarm.addOkAction(...actions);
    }

    const tags: Record<string, string | undefined> = {
      'vigil:service': this.service,
      'vigil:resource': resource.name,
      'vigil:signal': spec.signal,
      'vigil:severity': severity,
      'vigil:runbook': runbook,
      'vigil:playbook': spec.playbook,
      'vigil:part-of': spec.partOf,
    };
    for (const [key, value] of Object.entries(tags)) {
      if (value === undefined) continue;
      if (!TAG_VALUE.test(value)) {
        throw new Error(
          `alarm ${alarmName}: tag ${key} value ${JSON.stringify(value)} has characters AWS tags do not allow`,
        );
      }
      Tags.of(alarm).add(key, value);
    }
    this.alarms.push({ alarm, resource, signal: spec.signal, severity, partOf: spec.partOf });
    if (spec.partOf === undefined && (severity === 'critical' || severity === 'high'))
      this.paging.push(alarm);
    return alarm;
  }

  /**
   * One composite alarm that is in ALARM while any critical or high alarm of the service is: the
   * service's status for dashboards and status pages. Call it after the monitors. It is `info`: the
   * alarms it summarises already notify. A rule may name at most 100 alarms in 10,240 characters
   * (PutCompositeAlarm); past that, `health-part-<n>` composites (parts of this one, each next to its
   * alarms) summarise groups that fit, and this one is in ALARM while any part is.
   */
  addServiceHealthAlarm(scope: Construct = this): cloudwatch.CompositeAlarm {
    if (this.paging.length === 0)
      throw new Error(`service ${this.service} has no critical or high alarm to summarise`);
    const service: MonitoredResource = { kind: 'service', name: 'service' };
    const healthName = this.alarmName(service, 'health');
    let inputs: readonly cloudwatch.AlarmBase[] = this.paging;
    let parts = 0;
    while (!fitsOneAnyOfRule(inputs)) {
      inputs = packIntoAnyOfRules(inputs).map((group) => {
        parts++;
        // Next to its alarms: a part in a nested shard names them without an output per alarm.
        const stack = Stack.of(group[0] as IConstruct);
        const part = this.addCompositeAlarm(stack === Stack.of(scope) ? scope : stack, service, {
          signal: `health-part-${parts}`,
          overrideSignal: 'health',
          rule: cloudwatch.AlarmRule.anyOf(...group),
          severity: 'info',
          summary: `Part ${parts} of the health of ${this.service}: one of its critical or high alarms is firing.`,
          thresholdReason: `any of ${group.length} critical or high alarms`,
          partOf: healthName,
        });
        if (!part)
          throw new Error(
            `the service-health part ${parts} of ${this.service} is switched off by an override`,
          );
        return part;
      });
    }
    const health = this.addCompositeAlarm(scope, service, {
      signal: 'health',
      rule: cloudwatch.AlarmRule.anyOf(...inputs),
      severity: 'info',
      summary: `${this.service} is unhealthy: at least one of its critical or high alarms is firing.`,
      thresholdReason:
        parts === 0
          ? `any of ${this.paging.length} critical or high alarms`
          : `any of ${this.paging.length} critical or high alarms, through ${parts} parts`,
    });
    if (!health) {
      throw new Error(`the service-health alarm of ${this.service} is switched off by an override`);
    }
    this.healthAlarm = health;
    return health;
  }

  /** Alarm names must be unique in an account and region; two identical names in one app are a bug. */
  private claim(alarmName: string, scope: Construct): void {
    const root = App.of(this) ?? this.node.root;
    const names = claimedNames.get(root) ?? new Map<string, string>();
    claimedNames.set(root, names);
    const owner = names.get(alarmName);
    if (owner !== undefined) {
      throw new Error(`alarm name ${alarmName} is used twice: by ${owner} and by ${scope.node.path}`);
    }
    names.set(alarmName, scope.node.path);
  }
}

/**
 * Constructs that are CDK's machinery, not the team's code, by type: every custom-resource provider
 * framework (a `Provider` and so all it creates) and the function each `SingletonFunction` of the app
 * stands for (it lives at stack level, away from the singleton; `permissionsNode` is its node).
 */
function cdkMachinery(scope: IConstruct): ReadonlySet<IConstruct> {
  const machinery = new Set<IConstruct>();
  for (const construct of scope.node.root.node.findAll()) {
    if (construct instanceof cr.Provider) machinery.add(construct);
    if (construct instanceof lambdaModule.SingletonFunction) {
      const inner = construct.permissionsNode;
      if (inner.scope) {
        const fn = inner.scope.node.tryFindChild(inner.id);
        if (fn) machinery.add(fn);
      }
    }
  }
  return machinery;
}

/** The Vigil environment the app is synthesized for (`-c env=<name>`), if it names one. */
function contextEnvironment(scope: IConstruct): string | undefined {
  const environment: unknown = scope.node.tryGetContext(ENVIRONMENT_CONTEXT_KEY);
  if (environment === undefined) return undefined;
  if (typeof environment !== 'string' || !ENVIRONMENT_NAME.test(environment)) {
    throw new Error(
      `context "${ENVIRONMENT_CONTEXT_KEY}" must name a Vigil environment (2-12 lowercase letters or digits, ` +
        `starting with a letter), which alarm names start with (got ${JSON.stringify(environment)}); ` +
        'or give ServiceMonitoring an alarmNamePrefix',
    );
  }
  return environment;
}

// A monitor given no `monitoring` uses its stack's; monitors cannot import this module, which imports them.
setDefaultMonitoringScope((construct) => ServiceMonitoring.of(construct));
