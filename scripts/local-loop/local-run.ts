import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentConfigInput } from '../../config/environment-config';
import type { MetricAlarmDefinition } from '../../constructs/alarm-engine/alarm-definition';
import type { EngineTransition } from '../../constructs/alarm-engine/alarm-engine';
import { AlarmSimulation } from '../../constructs/alarm-engine/simulated-time';
import { alarmsFromAssembly } from '../../constructs/alarm-engine/template-alarms';
import type { EnrichedAlert } from '../../lambda/alert-enricher/enriched-alert';
import type { AwsClients } from '../../lambda/shared/aws-clients';
import { alarmStateChangeEvent } from './alarm-events';
import { captureDeliveredAlerts, writeAlertFormats } from './alert-outputs';
import { standInCloudWatch } from './cloudwatch-stand-in';
import { deployedValue } from './deployed-values';
import { LocalLambdaFunction, standInLambda } from './lambda-aliases';
import { LOCAL_REGION, LocalAws } from './local-aws';
import { startLocalDynamoDb } from './local-dynamodb';
import { LocalLogStore, recordRunLogs } from './local-logs';
import { LocalSqs } from './local-sqs';
import { LogMetrics } from './log-metrics';
import { standInLogsInsights } from './logs-insights-stand-in';
import type { LoopSummary, ScenarioOptions } from './scenario';
import { standInServices } from './service-stand-ins';
import { LocalSns, type PublishedMessage, type SnsDelivery } from './sns-stand-in';
import { type SynthesizedApp, synthesizeDevApp } from './synthesize';
import { SynthesizedAppReader } from './synthesized-app';
import { describeTask, pathOf } from './task-descriptions';
import { Timeline } from './timeline';
import { type LocalExecution, VigilLoop } from './vigil-loop';
import { LocalTraceStore, standInXRay } from './xray-stand-in';

export const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const LOCAL_ACCOUNT = '123456789012';
/** One line per SNS delivery, in the run folder. */
export const SNS_DELIVERIES = 'sns-deliveries.jsonl';
/** Simulated time moves in steps of this; the alarm engine evaluates every minute in between. */
const STEP = 10_000;

/** A Lambda function of the synthesized app a scenario drives: its stack, function and alias logical ids. */
export interface WatchedFunctionSpec {
  readonly stack: string;
  readonly function: string;
  readonly alias: string;
}

export interface LocalRunOptions extends ScenarioOptions {
  /** Config fields the scenario changes on the shipped dev environment (e.g. a playbook's mode). */
  readonly config?: Partial<EnvironmentConfigInput>;
  /** The functions whose alias, versions and built-in metrics the scenario drives. */
  readonly watch: readonly WatchedFunctionSpec[];
  /**
   * Which synthesized alarms the run evaluates: the others read metrics the scenario does not
   * produce, and are listed as left out.
   */
  readonly evaluates: (
    alarm: MetricAlarmDefinition,
    watched: readonly LocalLambdaFunction[],
    reader: SynthesizedAppReader,
  ) => boolean;
}

/** A remediation run as the console and the run folder show it. */
export interface RemediationRecord extends LocalExecution {
  readonly playbook: string;
  readonly target: string;
  readonly outcome: string;
}

/**
 * Everything a scenario needs to run Vigil's loop locally: the dev app synthesized with the
 * scenario's config, DynamoDB on dynalite, the alarm engine on the alarms the scenario evaluates, the
 * AWS stand-ins, Vigil's own functions wired as the templates wire them, and the record of what
 * happened (timeline, alerts in their four formats, remediation runs). Open with {@link openLocalRun},
 * always {@link close}.
 */
export class LocalRun {
  readonly timeline: Timeline;
  readonly simulation: AlarmSimulation;
  readonly aws = new LocalAws();
  /** What the functions run for real wrote to their log groups (Logs Insights answers from it). */
  readonly logs = new LocalLogStore();
  /** The traces of the requests run for real (X-Ray answers from them). */
  readonly traces = new LocalTraceStore();
  /** The metrics CloudWatch Logs makes from those lines: EMF and the app's metric filters. */
  readonly logMetrics: LogMetrics;
  readonly clients: AwsClients;
  readonly loop: VigilLoop;
  readonly watched: readonly LocalLambdaFunction[];
  /** The evaluated alarms, by name. */
  readonly definitions: ReadonlyMap<string, MetricAlarmDefinition>;
  readonly alerts: LoopSummary['alerts'][number][] = [];
  readonly remediations: RemediationRecord[] = [];
  /** Each alert's email text, in delivery order. */
  readonly emails: string[] = [];
  readonly published: readonly PublishedMessage[];
  /** The app's topics and subscriptions: what was published, and what each subscriber received. */
  readonly sns: LocalSns;
  /** The app's queues (SNS subscriptions and the functions send to them; a scenario may consume them). */
  readonly sqs: LocalSqs;
  /** What the functions put in S3, by `bucket/key`. */
  readonly objects: ReadonlyMap<string, Uint8Array | string>;
  private readonly pending: EngineTransition[] = [];
  private readonly since = new Map<string, number>();
  private readonly traffic: ((from: number, to: number) => void)[] = [];
  private readonly requests: (() => Promise<void>)[] = [];
  private readonly transitionListeners: ((transition: EngineTransition) => void)[] = [];
  private readonly alertListeners: ((alert: EnrichedAlert) => void)[] = [];
  private readonly leftOut: number;
  private readonly restoreCapture: () => void;

  constructor(
    readonly app: SynthesizedApp,
    readonly reader: SynthesizedAppReader,
    private readonly options: LocalRunOptions,
    dynamoDbEndpoint: string,
    private readonly closeDynamoDb: () => Promise<void>,
  ) {
    const start = options.timelineStart;
    recordRunLogs(this.logs, options.runFolder);
    this.timeline = new Timeline(start);
    this.watched = options.watch.map((spec) => {
      const fn = reader.resource('AWS::Lambda::Function', spec.stack, spec.function);
      const alias = reader.resource('AWS::Lambda::Alias', spec.stack, spec.alias);
      return new LocalLambdaFunction(
        reader.ref(fn),
        deployedValue({ 'Fn::GetAtt': [fn.logicalId, 'Arn'] }, fn.stack),
        String(alias.properties.Name),
        reader.tags(fn),
        typeof fn.properties.ReservedConcurrentExecutions === 'number'
          ? fn.properties.ReservedConcurrentExecutions
          : null,
      );
    });

    const stacks = new Map(app.stacks.map((entry) => [entry.stack.stackName, entry.stack]));
    const fromAssembly = alarmsFromAssembly(app.outdir, {
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      physicalId: (logicalId, stackName) => {
        const stack = stacks.get(stackName);
        try {
          return stack && physicalNameOf(deployedValue({ Ref: logicalId }, stack));
        } catch {
          return undefined;
        }
      },
    });
    const alarms = fromAssembly.alarms.filter(
      (alarm): alarm is MetricAlarmDefinition =>
        alarm.kind === 'metric' && options.evaluates(alarm, this.watched, reader),
    );
    this.leftOut = fromAssembly.alarms.length - alarms.length;
    this.definitions = new Map(alarms.map((alarm) => [alarm.name, alarm]));
    // Healthy before the scenario starts: the alarms are OK, as a deployed workload's would be.
    this.simulation = new AlarmSimulation(alarms, start, {
      initialState: 'OK',
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
    });
    this.simulation.engine.onTransition((transition) => this.pending.push(transition));

    standInCloudWatch(
      this.aws,
      this.simulation,
      this.definitions,
      (name) => this.arnOf(name),
      alarmTags(reader),
    );
    standInLambda(this.aws, this.watched, () => this.now());
    standInLogsInsights(this.aws, this.logs);
    this.logMetrics = new LogMetrics(reader, this.logs, this.simulation.feed);
    standInXRay(this.aws, this.traces);
    const services = standInServices(this.aws, this.watched);
    this.objects = services.objects;
    this.sqs = new LocalSqs(reader);
    this.sqs.standIn(this.aws, () => this.now());
    this.sns = new LocalSns(reader, {
      now: () => this.now(),
      sqs: this.sqs,
      // Reached when a message is delivered, after the loop below exists.
      functionAt: (arn) => this.loop.functionAt(arn),
      onPublish: (message) => {
        const kind = message.attributes.kind ?? '';
        if (!kind.startsWith('remediation')) return;
        this.timeline.add(
          this.now(),
          `${kind} published to ${message.topicArn.split(':').at(-1)} (episode ${message.attributes.episode ?? 'none'}): ${message.subject ?? ''}`,
        );
      },
      onDelivery: (delivery) => this.recordDelivery(delivery),
      onInvocationError: (delivery, error) =>
        this.timeline.add(
          this.now(),
          `${delivery.endpoint.split(':function:')[1] ?? delivery.endpoint} (lambda, via ${delivery.topic}) failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
    });
    this.sns.standIn(this.aws);
    this.published = this.sns.published;
    this.clients = this.aws.clients(dynamoDbEndpoint);

    this.loop = new VigilLoop(
      reader,
      this.aws,
      this.clients,
      { now: () => this.now(), advance: (ms) => this.advance(ms) },
      {
        onDispatch: (d) =>
          this.timeline.add(
            this.now(),
            `dispatcher: ${d.outcome}${'playbook' in d ? ` ${d.playbook}` : ''}${'reason' in d ? ` (${d.reason})` : ''}`,
          ),
        onExecutionStart: (execution) =>
          this.timeline.add(
            this.now(),
            `remediation run started: ${execution.input.playbook}, ${execution.name}`,
          ),
        onTask: (state, payload, result) =>
          this.timeline.add(this.now(), describeTask(state, payload, result)),
      },
    );
    this.restoreCapture = captureDeliveredAlerts((alert) => this.recordAlert(alert)).restore;
    options.console?.holdRun({
      reader,
      clients: this.clients,
      simulation: this.simulation,
      alarms: this.definitions,
      timeline: this.timeline,
      ledgerTableName: this.loop.ledgerTableName,
      close: () => this.release(),
    });
  }

  now(): number {
    return this.simulation.clock.now();
  }

  /**
   * Adds a source of metrics, called for every stretch of simulated time the run moves through. It
   * also fills the time before the scenario with the same traffic, as a deployed workload's history
   * would be: the last half hour (the alarms' evaluation ranges: they start OK) and the same hours
   * yesterday (anomaly bands train on the same hour of earlier days). `requests` runs the requests the
   * source sampled to be executed for real; it is awaited after each stretch, before that stretch's
   * alarm transitions are delivered, so their logs and traces are there when the enricher looks.
   */
  addTraffic(source: (from: number, to: number) => void, requests?: () => Promise<void>): void {
    const start = this.options.timelineStart;
    source(start - DAY - HOUR, start - DAY + 3 * HOUR);
    source(start - 30 * MINUTE, start);
    this.traffic.push(source);
    if (requests) this.requests.push(requests);
  }

  /** Called for each alarm transition, before its event is delivered. */
  onTransition(listener: (transition: EngineTransition) => void): void {
    this.transitionListeners.push(listener);
  }

  /** Called for each alert the enricher delivers. */
  onAlert(listener: (alert: EnrichedAlert) => void): void {
    this.alertListeners.push(listener);
  }

  /**
   * Moves simulated time on: the alarm engine evaluates, and each transition's event is delivered to
   * the rules as it happens, also while a remediation run waits (EventBridge does not wait for it).
   */
  async advance(ms: number): Promise<void> {
    const feed = (from: number, to: number) => {
      for (const source of this.traffic) source(from, to);
    };
    this.simulation.run(this.now() + ms, feed, STEP);
    for (const requests of this.requests) await requests();
    await this.deliverPending();
    // What SNS invokes asynchronously (the intake topic's enricher): after the stretch's own deliveries.
    await this.sns.flush();
    for (const result of await this.loop.runSchedules(this.now())) {
      if (result.result !== 'delivered')
        this.timeline.add(
          this.now(),
          `flapping check: ${result.result} ${result.alarm}${'reason' in result ? ` (${result.reason})` : ''}`,
        );
    }
  }

  /** Runs until `done` holds or `limit` (simulated) is reached, `STEP` at a time; `each` runs before each step. */
  async runUntil(
    done: () => boolean,
    limit: number,
    each: () => void | Promise<void> = () => {},
  ): Promise<void> {
    while (!done() && this.now() < limit) {
      await each();
      await this.advance(STEP);
    }
    if (this.pending.length > 0) throw new Error('transitions left undelivered');
  }

  arnOf(name: string): string {
    return (
      this.definitions.get(name)?.arn ?? `arn:aws:cloudwatch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:alarm:${name}`
    );
  }

  /** The evaluated alarm whose description attaches `playbook`. */
  alarmWithPlaybook(playbook: string): MetricAlarmDefinition {
    const found = [...this.definitions.values()].find((alarm) =>
      alarm.description?.includes(`"playbook":"${playbook}"`),
    );
    if (!found) throw new Error(`no evaluated alarm with the ${playbook} playbook in the synthesized app`);
    return found;
  }

  /** What the run did not do for real, said once each; `extra` first. */
  notes(extra: readonly string[] = []): string[] {
    return [
      ...extra,
      `alarms evaluated: ${this.definitions.size} of ${this.definitions.size + this.leftOut} (those on the metrics this scenario produces)`,
      `published messages: ${this.published.length} (alerts and remediation reports)`,
      ...this.snsNotes(),
      ...this.aws.unsupported.map(
        (call) =>
          `no local stand-in for ${call}: the call failed as an unreachable service would, and the handler carried on without it`,
      ),
    ];
  }

  /** The outcome line: times are measured from `from` (the scenario's cause, e.g. the bad release). */
  summary(
    scenario: string,
    times: { readonly from?: number; readonly detectedAt?: number; readonly resolvedAt?: number },
  ): LoopSummary {
    const since = (at: number | undefined) =>
      at === undefined || times.from === undefined ? null : Math.round((at - times.from) / 1000);
    return {
      scenario,
      simulatedSeconds: Math.round((this.now() - this.options.timelineStart) / 1000),
      wallSeconds: 0,
      detectedAfterSeconds: since(times.detectedAt),
      alerts: this.alerts,
      remediations: this.remediations.map(({ playbook, target, outcome }) => ({ playbook, target, outcome })),
      resolvedAfterSeconds: since(times.resolvedAt),
      unsupportedCalls: this.aws.unsupported,
    };
  }

  /** Ends the run; with a console, its local AWS stays up until the console stops (RunConsole.holdRun). */
  async close(): Promise<void> {
    this.restoreCapture();
    if (!this.options.console) await this.release();
  }

  private async release(): Promise<void> {
    await this.closeDynamoDb();
    this.app.dispose();
  }

  /** Each SNS delivery: a timeline line, and a line of `sns-deliveries.jsonl` in the run folder. */
  private recordDelivery(delivery: SnsDelivery): void {
    const what = delivery.attributes.kind ?? (delivery.attributes.alarm ? 'alert' : 'message');
    // A function as `name:alias`, a queue by name; an address or URL as it is.
    const endpoint =
      delivery.protocol === 'lambda'
        ? (delivery.endpoint.split(':function:')[1] ?? delivery.endpoint)
        : delivery.protocol === 'sqs'
          ? (delivery.endpoint.split(':').at(-1) as string)
          : delivery.endpoint;
    this.timeline.add(
      delivery.at,
      `${what} delivered to ${endpoint} (${delivery.protocol}) via ${delivery.topic}${delivery.filter === 'matched' ? ', filter policy matched' : ''}`,
    );
    const line = {
      time: new Date(delivery.at).toISOString(),
      topic: delivery.topic,
      protocol: delivery.protocol,
      endpoint: delivery.endpoint,
      subject: delivery.subject ?? null,
      filter: delivery.filter,
      outcome: delivery.outcome,
      messageId: delivery.messageId,
      subscriptionArn: delivery.subscriptionArn,
    };
    fs.appendFileSync(path.join(this.options.runFolder, SNS_DELIVERIES), `${JSON.stringify(line)}\n`);
  }

  private snsNotes(): string[] {
    const subscriptions = [...this.sns.topics.values()].flatMap((topic) => topic.subscriptions);
    if (subscriptions.length === 0) return [];
    const filtered = this.sns.filteredOut;
    return [
      `SNS: ${this.sns.topics.size} topics, ${subscriptions.length} subscriptions from the templates; ${this.sns.deliveries.length} deliveries${this.sns.deliveries.length > 0 ? ` (${this.sns.countsByProtocol()})` : ''}${filtered > 0 ? `, ${filtered} held back by filter policies` : ''}; email and https deliveries are not sent, each is a line of ${SNS_DELIVERIES}`,
    ];
  }

  private recordAlert(alert: EnrichedAlert): void {
    const index = this.alerts.length + 1;
    const file = writeAlertFormats(this.options.runFolder, index, alert);
    // The graph the email links to, drawn by the GetMetricWidgetImage stand-in and put in the
    // artifacts bucket: kept beside the alert, as the link points at a bucket that does not exist here.
    const graph = alert.context.graph;
    const png = graph && [...this.objects].find(([name]) => name.endsWith(`/${graph.key}`))?.[1];
    if (png !== undefined) fs.writeFileSync(file.replace(/\.email\.txt$/, '.graph.png'), png);
    this.emails.push(fs.readFileSync(file, 'utf8'));
    this.alerts.push({
      alarm: alert.alarm.name,
      severity: alert.severity,
      state: alert.state,
      notification: alert.notification,
      episode: alert.episode.id,
    });
    this.timeline.add(
      this.now(),
      `alert delivered: ${alert.notification}, severity ${alert.severity}, ${alert.alarm.name} (episode ${alert.episode.id}); 4 formats in alert-${String(index).padStart(2, '0')}-*`,
    );
    for (const listener of this.alertListeners) listener(alert);
  }

  private async deliverPending(): Promise<void> {
    for (let transition = this.pending.shift(); transition; transition = this.pending.shift()) {
      const definition = this.definitions.get(transition.alarm) as MetricAlarmDefinition;
      this.timeline.add(transition.at, `alarm ${transition.alarm}: ${transition.from} → ${transition.to}`);
      for (const listener of this.transitionListeners) listener(transition);
      const event = alarmStateChangeEvent({
        definition,
        arn: this.arnOf(transition.alarm),
        transition,
        previousSince: this.since.get(transition.alarm) ?? this.options.timelineStart,
        engine: this.simulation.engine,
        source: this.simulation.feed,
      });
      this.since.set(transition.alarm, transition.at);
      const outcome = await this.loop.deliver(event);
      for (const result of outcome.alerting ?? []) {
        if (result.result !== 'delivered')
          this.timeline.add(
            transition.at,
            `enricher: ${result.result} ${result.alarm}${'reason' in result ? ` (${result.reason})` : ''}`,
          );
      }
      for (const execution of outcome.executions) this.recordRemediation(execution);
    }
  }

  private recordRemediation(execution: LocalExecution): void {
    const last = execution.result.states.at(-1) ?? '';
    const outcome = execution.result.error
      ? `failed (${execution.result.error.name})`
      : last.replace(/^Ended /, '');
    const target = (execution.input.target ?? {}) as Record<string, unknown>;
    const record: RemediationRecord = {
      ...execution,
      playbook: String(execution.input.playbook),
      target: targetName(target),
      outcome,
    };
    this.remediations.push(record);
    const index = String(this.remediations.length).padStart(2, '0');
    const { definition } = this.reader.stateMachine(execution.stateMachineArn);
    fs.writeFileSync(
      path.join(this.options.runFolder, `remediation-${index}.json`),
      `${JSON.stringify({ ...record, definition }, null, 2)}\n`,
    );
    this.timeline.add(
      this.now(),
      `remediation outcome: ${outcome} (path: ${pathOf(execution.result.states)})`,
    );
  }
}

/** Synthesizes the dev app with the scenario's config and opens a local run on it. */
export async function openLocalRun(options: LocalRunOptions): Promise<LocalRun> {
  const app = synthesizeDevApp(options.config);
  try {
    const reader = new SynthesizedAppReader(app);
    const dynamoDb = await startLocalDynamoDb(reader);
    try {
      return new LocalRun(app, reader, options, dynamoDb.endpoint, () => dynamoDb.close());
    } catch (error) {
      await dynamoDb.close();
      throw error;
    }
  } catch (error) {
    app.dispose();
    throw error;
  }
}

/** `function:alias` for a Lambda target, the queue name for a queue target. */
function targetName(target: Record<string, unknown>): string {
  if (typeof target.functionName === 'string') {
    return target.aliasName === undefined
      ? target.functionName
      : `${target.functionName}:${target.aliasName}`;
  }
  if (typeof target.queueName === 'string') return target.queueName;
  return JSON.stringify(target);
}

/**
 * A resource's name from what `Ref` returns: most types return the name; a queue returns its URL and
 * a topic its ARN, whose last part is the name (the QueueName / TopicName dimensions of their metrics).
 */
function physicalNameOf(ref: string): string {
  if (ref.startsWith('https://sqs.')) return ref.split('/').at(-1) as string;
  if (ref.startsWith('arn:aws:sns:')) return ref.split(':').at(-1) as string;
  return ref;
}

/** Each alarm's tags as the templates set them, by alarm name (ListTagsForResource answers from these). */
function alarmTags(reader: SynthesizedAppReader): ReadonlyMap<string, Readonly<Record<string, string>>> {
  return new Map(
    reader.resources('AWS::CloudWatch::Alarm').flatMap((alarm) => {
      const name = alarm.properties.AlarmName;
      if (name === undefined) return [];
      const tags = (alarm.properties.Tags ?? []) as { Key: string; Value: unknown }[];
      return [
        [
          deployedValue(name, alarm.stack),
          Object.fromEntries(tags.map((tag) => [tag.Key, deployedValue(tag.Value, alarm.stack)])),
        ] as const,
      ];
    }),
  );
}

/** Lambda built-in metrics of one of the watched functions only. */
export function onWatchedFunctions(
  alarm: MetricAlarmDefinition,
  watched: readonly LocalLambdaFunction[],
  reader: SynthesizedAppReader,
): boolean {
  const stats = alarm.metricStat
    ? [alarm.metricStat]
    : (alarm.metrics ?? []).flatMap((q) => q.metricStat ?? []);
  const fromLogs = metricsFilteredFromLogsOf(watched, reader);
  return (
    stats.length > 0 &&
    stats.every(
      (stat) =>
        (stat.metric.namespace === 'AWS/Lambda' &&
          watched.some((fn) => fn.functionName === stat.metric.dimensions.FunctionName)) ||
        fromLogs.has(`${stat.metric.namespace}/${stat.metric.metricName}`),
    )
  );
}

/** `namespace/name` of the metrics the app's metric filters make from the watched functions' log groups. */
function metricsFilteredFromLogsOf(
  watched: readonly LocalLambdaFunction[],
  reader: SynthesizedAppReader,
): ReadonlySet<string> {
  const groups = new Set(
    watched.flatMap((fn) =>
      reader
        .resources('AWS::Lambda::Function')
        .filter((resource) => reader.ref(resource) === fn.functionName)
        .flatMap((resource) => {
          const logging = resource.properties.LoggingConfig as { LogGroup?: unknown } | undefined;
          return logging?.LogGroup === undefined ? [] : [deployedValue(logging.LogGroup, resource.stack)];
        }),
    ),
  );
  return new Set(
    reader.resources('AWS::Logs::MetricFilter').flatMap((filter) => {
      const properties = filter.properties as {
        LogGroupName: unknown;
        MetricTransformations: { MetricNamespace: string; MetricName: string }[];
      };
      if (!groups.has(deployedValue(properties.LogGroupName, filter.stack))) return [];
      return properties.MetricTransformations.map((t) => `${t.MetricNamespace}/${t.MetricName}`);
    }),
  );
}
