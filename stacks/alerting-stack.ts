import * as path from 'node:path';
import {
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type EnvironmentConfig, playbookPolicies } from '../config/environment-config';
import { AlertTopics, allowAlarmActions } from '../constructs/alerting/alert-topics';
import { ALARM_SEVERITIES, type AlarmSeverity } from '../constructs/contracts/alarm-severity';
import {
  EPISODE_FLAPPING_INDEX,
  EPISODE_TABLE_KEYS,
  UNREADABLE_EVENTS_PREFIX,
} from '../constructs/contracts/alerting';
import { BUSINESS_ALERT_DETAIL_TYPE } from '../constructs/contracts/business-alert';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import { EncryptedBucket } from '../constructs/encrypted-bucket';
import type { LogArchiveStream } from '../constructs/log-archive/log-archive-stream';
import { routeToTopics } from '../constructs/monitoring/alarm-routing';
import { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { wildcardResourceFinding } from '../constructs/nag-finding';
import { PlatformFunction } from '../constructs/platform-function';
import { ServiceDashboard } from '../dashboards/service-dashboard';
import { alarmNamePrefix, physicalName } from './physical-name';

/** How often flapping episodes are checked; a settled one's page closes at most this late. */
const FLAPPING_CHECK_MINUTES = 5;

export interface AlertingStackProps extends StackProps {
  /** The validated environment this stack is deployed for. */
  readonly config: EnvironmentConfig;
  /** The platform key (core stack): topics, queues, table, bucket and log group. */
  readonly key: kms.IKey;
  /** Receives the artifacts bucket's server access logs (core stack). */
  readonly accessLogBucket: s3.IBucket;
  /** Stream archiving the service's function logs. @default logs are not archived */
  readonly logArchive?: LogArchiveStream;
  /**
   * The platform bus workloads put business alerts on (core stack).
   * @default the core stack's bus by its fixed name, `vigil-<env>-platform`
   */
  readonly platformBus?: events.IEventBus;
}

const ROOT = path.join(__dirname, '..');
const ALERTING_SERVICE = 'alerting';
const GRAPHS_PREFIX = 'graphs/';

/**
 * Turns every alarm state change of the environment into an enriched alert: an EventBridge rule
 * (Vigil's alarms) and an intake topic (alarms made elsewhere) invoke the enricher, which gathers
 * context, threads episodes in DynamoDB and publishes to the severity topics, the chat channel and
 * PagerDuty. Workloads' business alerts (platform bus) and, as configured, GuardDuty and Security
 * Hub findings and AWS Health events (default bus) take the same path, with episodes of their own.
 * What it cannot deliver lands in one dead-letter queue. The path is watched by alarms that notify
 * the severity topics directly, never through the enricher they watch.
 */
export class AlertingStack extends Stack {
  readonly topics: Readonly<Record<AlarmSeverity, sns.ITopic>>;
  /** Alarms made outside Vigil send their classic SNS notifications here to be enriched. */
  readonly intakeTopic: sns.Topic;
  readonly enricher: PlatformFunction;
  readonly episodeTable: dynamodb.Table;
  /** Messages SNS could not deliver to a subscriber (email, webhook). */
  readonly subscriptionDeadLetters: sqs.IQueue;
  /** Alerts (and events) that could not be delivered; alarmed straight to the critical topic. */
  readonly deadLetterQueue: sqs.Queue;
  readonly alarmRule: events.Rule;
  /** Schedules the enricher's check of flapping episodes. */
  readonly flappingCheckRule: events.Rule;
  /** Business alerts (platform bus) to the enricher. */
  readonly businessAlertRule: events.Rule;
  /**
   * GuardDuty findings, Security Hub findings and AWS Health events (default bus) to the enricher,
   * each only when `alerting.securityEvents` routes it.
   */
  readonly securityEventRules: {
    readonly guardDuty?: events.Rule;
    readonly securityHub?: events.Rule;
    readonly health?: events.Rule;
  };
  /** The alerting path's own alarms, routed directly to the topics. */
  readonly monitoring: ServiceMonitoring;

  private readonly logArchive?: LogArchiveStream;

  constructor(scope: Construct, id: string, props: AlertingStackProps) {
    super(scope, id, props);
    this.logArchive = props.logArchive;
    const { config, key } = props;
    const alerting = config.alerting;

    const alertTopics = new AlertTopics(this, 'Topics', {
      key,
      namePrefix: physicalName(config, 'alerts'),
      subscribers: config.alerts,
    });
    this.topics = alertTopics.topics;
    this.subscriptionDeadLetters = alertTopics.subscriptionDeadLetters;

    this.episodeTable = new dynamodb.Table(this, 'EpisodeTable', {
      partitionKey: { name: EPISODE_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: EPISODE_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: EPISODE_TABLE_KEYS.ttl,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Flapping heads only (a sparse index): the scheduled check finds the episodes due to settle.
    this.episodeTable.addGlobalSecondaryIndex({
      indexName: EPISODE_FLAPPING_INDEX.indexName,
      partitionKey: { name: EPISODE_FLAPPING_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: EPISODE_FLAPPING_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['alarmName'],
    });

    const artifacts = new EncryptedBucket(this, 'ArtifactsBucket', {
      encryptionKey: key,
      // By name, as in the predictor stack: the core stack's policy admits this account's buckets.
      serverAccessLogsBucket: s3.Bucket.fromBucketName(this, 'AccessLogs', props.accessLogBucket.bucketName),
      serverAccessLogsPrefix: 'alert-artifacts/',
      lifecycleRules: [
        {
          id: 'expire-graphs',
          prefix: GRAPHS_PREFIX,
          expiration: Duration.days(alerting.episodeRetentionDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
        // Whole copies of events the enricher could not read, linked from their alert; kept as long.
        {
          id: 'expire-unreadable-events',
          prefix: UNREADABLE_EVENTS_PREFIX,
          expiration: Duration.days(alerting.episodeRetentionDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
    });

    Validations.of(artifacts).acknowledge({
      id: '@aws-cdk/aws-s3:accessLogsPolicyNotAdded',
      reason:
        'The core stack\u2019s access-log bucket policy admits server access logs from every bucket of the account.',
    });

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', {
      encryptionKey: key,
      holds: 'alerts a channel refused and alarm events the enricher could not take',
    });

    this.enricher = this.createEnricher(config, key, artifacts);
    this.grantEnricher(config, key, artifacts);

    // The rule matches this environment's alarms by name prefix (`vigil-<env>-` by default, teams'
    // alarms synthesized for the environment included; never another environment's); composite parts
    // and the watchdog alarms below are left out (parts notify through their composite, watchdogs
    // notify directly). A description is optional and `anything-but` matches only a field that is
    // present, so alarms without one (the documented composite sample has none) match by `exists:
    // false`; AWS does not document whether a missing description can arrive as null, so null matches too.
    this.alarmRule = new events.Rule(this, 'AlarmStateChanges', {
      description: `Vigil ${config.name}: alarm state changes to the alert enricher`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: [
          { 'anything-but': { wildcard: `*:alarm:${alarmNamePrefix(config)}-${ALERTING_SERVICE}-*` } },
        ] as unknown as string[],
        detail: {
          alarmName: [{ prefix: alerting.alarmNamePrefix }],
          $or: [
            { configuration: { description: [{ 'anything-but': { wildcard: '*"partOf":*' } }] } },
            { configuration: { description: [{ exists: false }] } },
            { configuration: { description: [null] } },
          ],
        },
      },
    });
    this.alarmRule.addTarget(this.enricherTarget());

    // Any workload's `Business Alert` on the platform bus. EventBridge refuses custom events whose
    // source starts with `aws.`, so the source filter only keeps AWS's own events out should one ever
    // share the detail-type; malformed alerts are the enricher's to dead-letter, with the reason.
    this.businessAlertRule = new events.Rule(this, 'BusinessAlerts', {
      // Named, so its watchdog's RuleName dimension is the name itself, not one cut from the rule's ARN.
      ruleName: physicalName(config, 'business-alerts'),
      description: `Vigil ${config.name}: business alerts on the platform bus to the alert enricher`,
      eventBus:
        props.platformBus ??
        events.EventBus.fromEventBusName(this, 'PlatformBus', physicalName(config, 'platform')),
      eventPattern: {
        source: [{ 'anything-but': { prefix: 'aws.' } }] as unknown as string[],
        detailType: [BUSINESS_ALERT_DETAIL_TYPE],
      },
    });
    this.businessAlertRule.addTarget(this.enricherTarget());
    this.securityEventRules = this.addSecurityEventRules(config);

    // A flapping episode's last change is suppressed, so no event closes its page: every few minutes
    // the enricher checks the episodes whose quiet window passed against the alarms' state now.
    this.flappingCheckRule = new events.Rule(this, 'FlappingCheck', {
      description: `Vigil ${config.name}: settle flapping episodes whose quiet window passed`,
      schedule: events.Schedule.rate(Duration.minutes(FLAPPING_CHECK_MINUTES)),
    });
    this.flappingCheckRule.addTarget(
      new targets.LambdaFunction(this.enricher.live, {
        deadLetterQueue: this.deadLetterQueue,
        // The next check comes soon and finds the same episodes: an old one is not worth retrying.
        retryAttempts: 2,
        maxEventAge: Duration.minutes(FLAPPING_CHECK_MINUTES),
      }),
    );

    this.intakeTopic = new sns.Topic(this, 'IntakeTopic', {
      topicName: physicalName(config, 'alarm-intake'),
      displayName: 'Vigil alarm intake (alarms made outside Vigil)',
      masterKey: key,
      enforceSSL: true,
    });
    allowAlarmActions(this.intakeTopic);
    const intake = this.intakeTopic.addSubscription(
      new subscriptions.LambdaSubscription(this.enricher.live, { deadLetterQueue: this.deadLetterQueue }),
    );
    Validations.of(intake).acknowledge({
      id: 'CloudFormation-Validate::W3694',
      reason:
        'SNS invokes a Lambda alias ARN as it does a function ARN; the live alias is what releases move.',
    });

    this.monitoring = this.addWatchdogs(config);
    new CfnOutput(this, 'IntakeTopicArn', {
      value: this.intakeTopic.topicArn,
      description: 'Alarm action for alarms made outside Vigil: their state changes are enriched too',
    });
    for (const severity of ALARM_SEVERITIES) {
      new CfnOutput(this, `${severity}TopicArn`, { value: this.topics[severity].topicArn });
    }
  }

  /**
   * The enricher's `live` alias as an EventBridge target, as every event rule of this stack reaches
   * it: retried for a day (185 attempts, EventBridge's most), then kept in the dead-letter queue.
   */
  private enricherTarget(): targets.LambdaFunction {
    return new targets.LambdaFunction(this.enricher.live, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    });
  }

  /**
   * AWS's security and health events, on the default bus where AWS services put them, each by the
   * pattern its documentation gives ("Amazon GuardDuty events", "AWS Health events", EventBridge
   * events reference; "Configuring an EventBridge rule for Security Hub findings"). Routing only:
   * whether GuardDuty or Security Hub runs is the account owner's choice.
   */
  private addSecurityEventRules(config: EnvironmentConfig): AlertingStack['securityEventRules'] {
    const routed = config.alerting.securityEvents;
    const rule = (id: string, what: string, eventPattern: events.EventPattern) => {
      const made = new events.Rule(this, id, {
        description: `Vigil ${config.name}: ${what} to the alert enricher`,
        eventPattern,
      });
      made.addTarget(this.enricherTarget());
      return made;
    };
    const guardDuty = routed.guardDuty
      ? rule('GuardDutyFindings', 'GuardDuty findings', {
          source: ['aws.guardduty'],
          detailType: ['GuardDuty Finding'],
        })
      : undefined;
    // Only findings someone has yet to look at (workflow NEW, record ACTIVE), and not INFORMATIONAL
    // ("No issue was found", Severity in the Security Hub API Reference: passed checks). GuardDuty
    // sends its findings to Security Hub by itself when both run, so while GuardDuty's own rule routes
    // them, their Security Hub copies (product `aws/guardduty`) are left out: one alert per finding.
    const findings: Record<string, unknown> = {
      Workflow: { Status: ['NEW'] },
      RecordState: ['ACTIVE'],
      Severity: { Label: [{ 'anything-but': 'INFORMATIONAL' }] },
      ...(routed.guardDuty ? { ProductArn: [{ 'anything-but': { suffix: ':product/aws/guardduty' } }] } : {}),
    };
    const securityHub = routed.securityHub
      ? rule('SecurityHubFindings', 'new Security Hub findings', {
          source: ['aws.securityhub'],
          detailType: ['Security Hub Findings - Imported'],
          detail: { findings },
        })
      : undefined;
    // This account's own events: public ones describe a service in a region, whether or not anything
    // here uses it, and the AWS Health Dashboard already shows them to everyone.
    const health = routed.health
      ? rule('HealthEvents', 'AWS Health events of this account', {
          source: ['aws.health'],
          detailType: ['AWS Health Event'],
          detail: { eventScopeCode: ['ACCOUNT_SPECIFIC'] },
        })
      : undefined;
    return { guardDuty, securityHub, health };
  }

  private createEnricher(config: EnvironmentConfig, key: kms.IKey, artifacts: s3.IBucket): PlatformFunction {
    const alerting = config.alerting;
    const severityMap = (pick: (severity: AlarmSeverity) => string | undefined) =>
      JSON.stringify(
        Object.fromEntries(
          ALARM_SEVERITIES.flatMap((severity) => {
            const value = pick(severity);
            return value ? [[severity, value]] : [];
          }),
        ),
      );
    const enricher = new PlatformFunction(this, 'Enricher', {
      entry: path.join(ROOT, 'lambda', 'alert-enricher', 'handler.ts'),
      description: 'Enriches alarm state changes with graphs, logs, traces and history, and delivers them',
      serviceName: 'alert-enricher',
      metricsNamespace: 'Vigil/Alerting',
      logKey: key,
      logRetentionDays: config.logs.retentionDays,
      memorySize: 1024,
      // Context has a 4 s hard deadline; delivery retries PagerDuty for up to ~10 s.
      timeout: Duration.seconds(30),
      environment: {
        CRITICAL_TOPIC_ARN: this.topics.critical.topicArn,
        HIGH_TOPIC_ARN: this.topics.high.topicArn,
        WARNING_TOPIC_ARN: this.topics.warning.topicArn,
        INFO_TOPIC_ARN: this.topics.info.topicArn,
        CHAT_TOPIC_ARNS: severityMap((severity) => config.alerts[severity].chatTopicArn),
        PAGERDUTY_SECRET_NAMES: severityMap(
          (severity) => config.alerts[severity].pagerDutyRoutingKeySecretName,
        ),
        EPISODE_TABLE_NAME: this.episodeTable.tableName,
        ARTIFACTS_BUCKET_NAME: artifacts.bucketName,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        GRAPH_URL_TTL_SECONDS: String(alerting.graphLinkHours * 3600),
        CONTEXT_DEADLINE_MS: String(alerting.contextDeadlineMs),
        FLAP_TRANSITIONS: String(alerting.flapTransitions),
        FLAP_WINDOW_MINUTES: String(alerting.flapWindowMinutes),
        EPISODE_RETENTION_DAYS: String(alerting.episodeRetentionDays),
        OUTSIDE_ALARM_SEVERITY: alerting.outsideAlarmSeverity,
        // The remediation stack starts runs by the same policies, so the alert says what will happen.
        REMEDIATION_PLAYBOOKS: JSON.stringify(playbookPolicies(config.remediation)),
      },
    });
    // EventBridge and SNS invoke asynchronously: two retries, then the event is kept with its error.
    enricher.live.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    Validations.of(enricher.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Failed async events of the live alias go to an on-failure SQS destination, which keeps the error too.',
    });
    return enricher;
  }

  /** Least privilege: each grant names its resources, except where the API has no resource-level permissions. */
  private grantEnricher(config: EnvironmentConfig, key: kms.IKey, artifacts: s3.IBucket): void {
    const role = this.enricher.role;
    const allow = (actions: string[], resources: string[]) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    const alarms = this.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const logGroups = this.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    allow(['cloudwatch:DescribeAlarmHistory', 'cloudwatch:ListTagsForResource'], [alarms]);
    allow(['cloudwatch:GetMetricData', 'cloudwatch:GetMetricWidgetImage'], ['*']);
    // DescribeAlarms takes the alarm resource type (Service Authorization Reference, Amazon CloudWatch),
    // but "To use this operation and return information about composite alarms, you must be signed on
    // with the cloudwatch:DescribeAlarms permission that is scoped to *" (DescribeAlarms, CloudWatch API
    // Reference): the enricher describes composite alarms' children, composites among them.
    allow(['cloudwatch:DescribeAlarms'], ['*']);
    allow(['logs:StartQuery'], [logGroups]);
    allow(
      ['logs:GetQueryResults', 'logs:StopQuery', 'xray:GetTraceSummaries', 'cloudtrail:LookupEvents'],
      ['*'],
    );
    allow(
      ['s3:PutObject', 's3:GetObject'],
      [artifacts.arnForObjects(`${GRAPHS_PREFIX}*`), artifacts.arnForObjects(`${UNREADABLE_EVENTS_PREFIX}*`)],
    );
    allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [this.episodeTable.tableArn]);
    allow(['dynamodb:Query'], [`${this.episodeTable.tableArn}/index/${EPISODE_FLAPPING_INDEX.indexName}`]);
    const chatTopics = ALARM_SEVERITIES.flatMap((severity) => config.alerts[severity].chatTopicArn ?? []);
    allow(
      ['sns:Publish'],
      [...ALARM_SEVERITIES.map((severity) => this.topics[severity].topicArn), ...new Set(chatTopics)],
    );
    allow(['sqs:SendMessage'], [this.deadLetterQueue.queueArn]);
    allow(['kms:Decrypt', 'kms:GenerateDataKey'], [key.keyArn]);
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'CDK\u2019s grant for the on-failure destination (the encrypted dead-letter queue); limited to the platform key.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: 'Part of the same dead-letter queue grant, on the platform key only.',
      },
      {
        id: wildcardResourceFinding(this, alarms),
        reason:
          'The enricher reads the history and tags of any alarm it is sent, outside alarms included, whose names are unknown at deploy time; read-only.',
      },
      {
        id: wildcardResourceFinding(this, logGroups),
        reason:
          'Logs Insights queries the log group of whichever resource alarmed, unknown at deploy time; StartQuery reads only.',
      },
      {
        id: wildcardResourceFinding(this, artifacts.arnForObjects(`${GRAPHS_PREFIX}*`)),
        reason:
          'One graph object per alert, named at run time; the grant is the graphs/ prefix of the artifacts bucket.',
      },
      {
        id: wildcardResourceFinding(this, artifacts.arnForObjects(`${UNREADABLE_EVENTS_PREFIX}*`)),
        reason:
          'One copy per unreadable event, named by its digest at run time; the grant is the unreadable/ prefix of the artifacts bucket.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'GetMetricData, GetMetricWidgetImage, X-Ray GetTraceSummaries and CloudTrail LookupEvents have no resource-level permissions; Logs GetQueryResults/StopQuery name only a query id, of a query StartQuery ran on log groups; DescribeAlarms returns composite alarms only when granted on * (DescribeAlarms API reference), and the enricher reads composite children; all read-only.',
      },
    );
    const secrets = [
      ...new Set(
        ALARM_SEVERITIES.flatMap((severity) => config.alerts[severity].pagerDutyRoutingKeySecretName ?? []),
      ),
    ];
    if (secrets.length > 0) {
      // Secrets Manager appends six random characters to a secret's ARN.
      allow(
        ['secretsmanager:GetSecretValue'],
        secrets.map((name) =>
          this.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${name}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      );
    }
  }

  /** Alarms on the alerting path itself, notifying the topics directly (the enricher is what they watch). */
  private addWatchdogs(config: EnvironmentConfig): ServiceMonitoring {
    const monitoring = new ServiceMonitoring(this, 'Monitoring', {
      logArchive: this.logArchive,
      service: ALERTING_SERVICE,
      alarmNamePrefix: alarmNamePrefix(config),
      routing: routeToTopics(this.topics),
      runbookBaseUrl: config.monitoring.runbookBaseUrl,
      logRetentionDays: config.logs.retentionDays,
      overrides: {
        ...config.monitoring.overrides,
        // A failing enricher means alerts are late or lost: page, whatever the environment says for lambdas.
        'lambda/errors': { severity: 'critical' },
        'sqs/dead-letter-messages': { severity: 'critical' },
        'event-rule/failed-invocations': { severity: 'critical' },
      },
    });
    monitoring.monitorLambda(this.enricher.function, { name: 'enricher', alias: this.enricher.live });
    monitoring.monitorQueue(this.deadLetterQueue, { name: 'dead-letters', deadLetter: true });
    monitoring.monitorQueue(this.subscriptionDeadLetters, {
      name: 'subscription-dead-letters',
      deadLetter: true,
    });
    monitoring.monitorTable(this.episodeTable, { name: 'episodes' });
    monitoring.monitorEventRule(this.alarmRule, { name: 'alarm-state-changes' });
    monitoring.monitorEventRule(this.flappingCheckRule, { name: 'flapping-check' });
    monitoring.monitorEventRule(this.businessAlertRule, { name: 'business-alerts' });
    const { guardDuty, securityHub, health } = this.securityEventRules;
    if (guardDuty) monitoring.monitorEventRule(guardDuty, { name: 'guardduty-findings' });
    if (securityHub) monitoring.monitorEventRule(securityHub, { name: 'security-hub-findings' });
    if (health) monitoring.monitorEventRule(health, { name: 'health-events' });
    for (const severity of ALARM_SEVERITIES) {
      monitoring.monitorTopic(this.topics[severity], { name: `${severity}-topic` });
    }
    monitoring.addServiceHealthAlarm();
    new ServiceDashboard(this, 'Dashboard', { monitoring, dashboardName: physicalName(config, 'alerting') });
    return monitoring;
  }
}
