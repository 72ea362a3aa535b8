import * as path from 'node:path';
import {
  Annotations,
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { AccessLogBucket } from '../constructs/access-log-bucket';
import { CostAnomalyAlerts, hasAnomalyMonitor } from '../constructs/cost/cost-anomaly-alerts';
import { CostBudget } from '../constructs/cost/cost-budget';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import { EncryptedBucket } from '../constructs/encrypted-bucket';
import {
  allowLogGroupEncryption,
  allowServicesToUseKey,
  PLATFORM_KEY_SERVICES,
} from '../constructs/key-access';
import { routeToTopics } from '../constructs/monitoring/alarm-routing';
import { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { wildcardResourceFinding } from '../constructs/nag-finding';
import { PlatformFunction } from '../constructs/platform-function';
import { alarmNamePrefix, physicalName } from './physical-name';

export interface CostStackProps extends StackProps {
  /** The validated environment this stack is deployed for. */
  readonly config: EnvironmentConfig;
}

/** Cost Explorer, Budgets and Cost Anomaly Detection are served from us-east-1 only. */
export const COST_REGION = 'us-east-1';
const REPORTS_PREFIX = 'reports/';
/** What synthesis says when no anomaly monitor is configured. */
export const ANOMALY_ALERTS_OFF =
  'Cost anomaly alerts are off: no monitor is configured. Give the account’s service-wide monitor ' +
  '(aws ce get-anomaly-monitors) in cost.existingMonitorArns, or set cost.serviceMonitor: true ' +
  'in the one environment that owns it (AWS allows one per account).';

/**
 * Budgets, cost anomaly alerts and the monthly cost report, in us-east-1 with a key of their own
 * (KMS keys are regional). Budgets and Cost Anomaly Detection publish to the cost topic as services,
 * so the key and the topic admit exactly those two principals for this account.
 */
export class CostStack extends Stack {
  readonly key: kms.Key;
  readonly topic: sns.Topic;
  readonly budgets: readonly CostBudget[];
  /** Undefined when the configuration names no anomaly monitor (synthesis says so, as an info message). */
  readonly anomalyAlerts?: CostAnomalyAlerts;
  readonly reportBucket: EncryptedBucket;
  readonly reporter: PlatformFunction;
  readonly monitoring: ServiceMonitoring;

  constructor(scope: Construct, id: string, props: CostStackProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: COST_REGION } });
    const { config } = props;

    this.key = new kms.Key(this, 'CostKey', {
      alias: `alias/${physicalName(config, 'cost')}`,
      description: `Vigil ${config.name}: encrypts the cost topic, the cost reports and their function's logs`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    allowServicesToUseKey(this.key, {
      ...PLATFORM_KEY_SERVICES,
      'budgets.amazonaws.com': 'AWS Budgets notifications to the encrypted cost topic',
      'costalerts.amazonaws.com': 'Cost Anomaly Detection alerts to the encrypted cost topic',
    });
    allowLogGroupEncryption(this.key);

    this.topic = new sns.Topic(this, 'CostTopic', {
      topicName: physicalName(config, 'cost'),
      displayName: 'Vigil cost alerts and reports',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.allowServicesToPublish();
    const deadLetters = new DeadLetterQueue(this, 'SubscriptionDeadLetters', {
      encryptionKey: this.key,
      holds: 'cost messages SNS could not deliver to a subscriber',
    });
    for (const email of config.cost.emails) {
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(email, { deadLetterQueue: deadLetters }),
      );
    }

    this.budgets = [
      new CostBudget(this, 'AccountBudget', {
        namePrefix: physicalName(config, 'monthly'),
        limitUsd: config.budget.monthlyLimitUsd,
        topic: this.topic,
      }),
      ...config.budget.tagBudgets.map(
        (tagBudget, index) =>
          new CostBudget(this, `TagBudget${index}`, {
            namePrefix: physicalName(config, 'monthly-tag'),
            limitUsd: tagBudget.monthlyLimitUsd,
            topic: this.topic,
            tag: { key: tagBudget.tagKey, value: tagBudget.tagValue },
          }),
      ),
    ];

    this.anomalyAlerts = this.addAnomalyAlerts(config);

    // Server access logs cannot cross regions, so this region gets its own log bucket.
    const accessLogs = new AccessLogBucket(this, 'AccessLogBucket', {
      retentionDays: config.archive.accessLogRetentionDays,
      noncurrentVersionExpireDays: config.archive.noncurrentVersionExpireDays,
    });
    this.reportBucket = new EncryptedBucket(this, 'ReportBucket', {
      encryptionKey: this.key,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'cost-reports/',
      // Versioned: a rerun for a month adds a version instead of overwriting the report.
      lifecycleRules: [
        {
          id: 'keep-reports-two-years',
          expiration: Duration.days(731),
          noncurrentVersionExpiration: Duration.days(731),
        },
      ],
    });

    this.reporter = this.createReporter(config);
    this.monitoring = this.addMonitoring(config);
    new CfnOutput(this, 'CostTopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'ReportBucketName', { value: this.reportBucket.bucketName });
  }

  /**
   * Anomaly alerts on the monitors the configuration names. None named is not an error: the
   * account's one service-wide monitor belongs to one environment at most, and its ARN (it holds
   * the account id) cannot be known to a committed environment file, so alerts are off and synthesis
   * says how to turn them on. An info message, not a warning: the compliance gate counts warnings
   * as findings to fix, and an environment may rightly have no anomaly alerts of its own.
   */
  private addAnomalyAlerts(config: EnvironmentConfig): CostAnomalyAlerts | undefined {
    const { cost } = config;
    if (!hasAnomalyMonitor(cost)) {
      Annotations.of(this).addInfo(ANOMALY_ALERTS_OFF);
      return undefined;
    }
    return new CostAnomalyAlerts(this, 'Anomalies', {
      namePrefix: physicalName(config, 'cost'),
      topic: this.topic,
      absoluteUsd: cost.anomalyAbsoluteUsd,
      ...(cost.anomalyPercent !== null && { percent: cost.anomalyPercent }),
      serviceMonitor: cost.serviceMonitor,
      existingMonitorArns: cost.existingMonitorArns,
      tagMonitors: cost.tagMonitors,
    });
  }

  private createReporter(config: EnvironmentConfig): PlatformFunction {
    const email = config.cost.reportEmail;
    const reporter = new PlatformFunction(this, 'Reporter', {
      entry: path.join(__dirname, '..', 'lambda', 'cost-report', 'report-function.ts'),
      description: 'Monthly cost report: Cost Explorer and Budgets to HTML, CSV and JSON',
      serviceName: 'cost-report',
      metricsNamespace: 'Vigil/Cost',
      logKey: this.key,
      logRetentionDays: config.logs.retentionDays,
      memorySize: 1024,
      // Pages of Cost Explorer answers, retried when throttled, then charts: minutes, not seconds.
      timeout: Duration.minutes(5),
      environment: {
        ACCOUNT_ID: this.account,
        REPORT_BUCKET_NAME: this.reportBucket.bucketName,
        COST_TOPIC_ARN: this.topic.topicArn,
        TAG_KEYS: config.cost.allocationTagKeys.join(','),
        PLATFORM_TAG: 'Project=Vigil',
        LINK_TTL_SECONDS: String(12 * 3600),
        ...(email ? { EMAIL_FROM: email.from, EMAIL_TO: email.to.join(',') } : {}),
      },
    });
    const allow = (actions: string[], resources: string[]) =>
      reporter.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    allow(['ce:GetCostAndUsage', 'ce:GetCostForecast', 'ce:GetAnomalies'], ['*']);
    const allBudgets = `arn:${this.partition}:budgets::${this.account}:budget/*`;
    const reports = this.reportBucket.arnForObjects(`${REPORTS_PREFIX}*`);
    allow(['budgets:ViewBudget'], [allBudgets]);
    allow(['s3:PutObject', 's3:GetObject'], [reports]);
    allow(['sns:Publish'], [this.topic.topicArn]);
    allow(['kms:Decrypt', 'kms:GenerateDataKey'], [this.key.keyArn]);
    const identities = this.formatArn({
      service: 'ses',
      resource: 'identity',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    if (email) allow(['ses:SendEmail'], [identities]);
    Validations.of(reporter.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Cost Explorer GetCostAndUsage, GetCostForecast and GetAnomalies, and X-Ray writes, have no resource-level permissions.',
      },
      {
        id: wildcardResourceFinding(this, allBudgets),
        reason: 'The report shows the status of every cost budget of the account, whatever their names.',
      },
      {
        id: wildcardResourceFinding(this, reports),
        reason: 'One object per month and format, named at run time; the grant is the reports/ prefix.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'CDK\u2019s grant for the reporter\u2019s on-failure destination queue; limited to the cost key.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: 'Part of the reporter\u2019s dead-letter queue grant, on the cost key only.',
      },
      ...(email
        ? [
            {
              id: wildcardResourceFinding(this, identities),
              reason:
                'SES checks the sending identity and each recipient identity in the sandbox; the report goes to configured addresses only.',
            },
          ]
        : []),
    );

    const failures = new DeadLetterQueue(this, 'ReporterDeadLetters', {
      encryptionKey: this.key,
      holds: 'monthly report runs that failed after their retries',
    });
    reporter.live.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(failures),
      retryAttempts: 2,
    });
    Validations.of(reporter.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Failed scheduled runs of the live alias go to an on-failure SQS destination, which keeps the error too.',
    });
    new events.Rule(this, 'MonthlySchedule', {
      description: `Vigil ${config.name}: the monthly cost report, once last month's late charges have settled`,
      schedule: events.Schedule.cron({ minute: '0', hour: '6', day: String(config.cost.reportDayOfMonth) }),
      targets: [new targets.LambdaFunction(reporter.live, { retryAttempts: 2, deadLetterQueue: failures })],
    });
    return reporter;
  }

  /** The report path's alarms notify the cost topic directly: alerting's rule lives in another region. */
  private addMonitoring(config: EnvironmentConfig): ServiceMonitoring {
    const monitoring = new ServiceMonitoring(this, 'Monitoring', {
      service: 'cost',
      alarmNamePrefix: alarmNamePrefix(config),
      routing: routeToTopics({ critical: this.topic, high: this.topic, warning: this.topic }),
      runbookBaseUrl: config.monitoring.runbookBaseUrl,
      overrides: config.monitoring.overrides,
      logRetentionDays: config.logs.retentionDays,
    });
    monitoring.monitorLambda(this.reporter.function, { name: 'reporter' });
    monitoring.monitorTopic(this.topic, { name: 'cost-topic' });
    return monitoring;
  }

  /** The topic policy replaces SNS's default: each publishing service is named, for this account only. */
  private allowServicesToPublish(): void {
    const publish = (sid: string, service: string, conditions: Record<string, Record<string, string>>) =>
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions,
        }),
      );
    publish('AwsBudgets', 'budgets.amazonaws.com', {
      StringEquals: { 'aws:SourceAccount': this.account },
      ArnLike: { 'aws:SourceArn': `arn:${this.partition}:budgets::${this.account}:*` },
    });
    publish('CostAnomalyDetection', 'costalerts.amazonaws.com', {
      StringEquals: { 'aws:SourceAccount': this.account },
    });
    publish('CloudWatchAlarms', 'cloudwatch.amazonaws.com', {
      StringEquals: { 'aws:SourceAccount': this.account },
      ArnLike: {
        'aws:SourceArn': this.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    });
  }
}
