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
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { type EnvironmentConfig, playbookPolicies } from '../config/environment-config';
import { kebab, pascal } from '../constructs/construct-names';
import { ALARM_SEVERITIES, type AlarmSeverity } from '../constructs/contracts/alarm-severity';
import {
  LEDGER_TABLE_KEYS,
  OPT_IN_TAG,
  PLAYBOOK_IDS,
  type PlaybookId,
} from '../constructs/contracts/remediation';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import type { LogArchiveStream } from '../constructs/log-archive/log-archive-stream';
import { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { wildcardResourceFinding } from '../constructs/nag-finding';
import { PlatformFunction } from '../constructs/platform-function';
import { RemediationWorkflow } from '../constructs/remediation/remediation-workflow';
import { ServiceDashboard } from '../dashboards/service-dashboard';
import { alarmNamePrefix, physicalName } from './physical-name';

export interface RemediationStackProps extends StackProps {
  /** The validated environment this stack is deployed for. */
  readonly config: EnvironmentConfig;
  /** The platform key (core stack). */
  readonly key: kms.IKey;
  /** The alerting stack's severity topics: remediation reports into the alert's thread. */
  readonly topics: Readonly<Record<AlarmSeverity, sns.ITopic>>;
  /** The alert enricher's episode table: a run reports in the thread its alert went to. */
  readonly episodeTable: dynamodb.ITable;
  /** Stream archiving the service's function logs. @default logs are not archived */
  readonly logArchive?: LogArchiveStream;
}

const ROOT = path.join(__dirname, '..');
const REMEDIATION = path.join(ROOT, 'lambda', 'remediation');
const METRICS_NAMESPACE = 'Vigil/Remediation';

/**
 * Room left in a redrive run besides the move itself, the longest approval wait and the shortest
 * verification: for a dead-letter alarm whose evaluation range outlasts the verification minimum
 * (Vigil's own, five-minute Maximum over one period, recovers within 17 min), for retries, the rollback
 * and the finish.
 */
const REDRIVE_RESERVE = Duration.hours(2);

/** What each playbook may read anywhere, and what it may change only on opted-in resources. */
const PLAYBOOK_ACCESS: Record<PlaybookId, { service: 'lambda' | 'sqs'; read: string[]; change: string[] }> = {
  'lambda-alias-rollback': {
    service: 'lambda',
    read: ['lambda:GetAlias', 'lambda:ListTags', 'lambda:ListVersionsByFunction'],
    change: ['lambda:UpdateAlias'],
  },
  'lambda-concurrency': {
    service: 'lambda',
    read: [
      'lambda:GetFunction',
      'lambda:GetFunctionConfiguration',
      'lambda:GetFunctionConcurrency',
      'lambda:ListTags',
    ],
    change: ['lambda:PutFunctionConcurrency'],
  },
  'dlq-redrive': {
    service: 'sqs',
    read: [
      'sqs:GetQueueUrl',
      'sqs:GetQueueAttributes',
      'sqs:ListQueueTags',
      'sqs:ListMessageMoveTasks',
      // The source queues the move sends back to, so they are admitted (opt-in tags) like the queue.
      'sqs:ListDeadLetterSourceQueues',
    ],
    // A move task reads and deletes from the dead-letter queue and, without a DestinationArn, sends each
    // message back to its source queue ("If this field is left blank, the messages will be redriven back
    // to their respective original source queues", StartMessageMoveTask, SQS API reference). The SQS
    // guide lists no permissions of the task's own, so its starter is given what the task does: receive
    // and delete here, send to every source queue. The tag condition would fail a move half-way at a
    // source queue without the opt-in tag; admission refuses those beforehand (targetRefusal).
    change: [
      'sqs:StartMessageMoveTask',
      'sqs:CancelMessageMoveTask',
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:SendMessage',
    ],
  },
};

/**
 * Self-healing: a dispatcher turns alarm changes to ALARM whose alarm names a playbook into runs of
 * that playbook's `RemediationWorkflow`. Playbooks change only resources tagged `vigil:remediate=true`;
 * the envelope keeps the ledger, the blast radius and circuit breaker counts in one table, and asks
 * for approval through signed links answered by a small function URL.
 */
export class RemediationStack extends Stack {
  readonly ledger: dynamodb.Table;
  readonly envelope: PlatformFunction;
  readonly approval: PlatformFunction;
  readonly approvalUrl: lambda.FunctionUrl;
  readonly dispatcher: PlatformFunction;
  readonly dispatchRule: events.Rule;
  readonly workflows: Readonly<Record<PlaybookId, RemediationWorkflow>>;
  /** Sends executions that ended without a Finish state to the envelope. */
  readonly abandonedRunRule: events.Rule;
  readonly playbookFunctions: Readonly<Record<PlaybookId, PlatformFunction>>;
  readonly monitoring: ServiceMonitoring;
  private readonly config: EnvironmentConfig;
  private readonly key: kms.IKey;

  private readonly logArchive?: LogArchiveStream;

  constructor(scope: Construct, id: string, props: RemediationStackProps) {
    super(scope, id, props);
    this.logArchive = props.logArchive;
    const { config, key } = props;
    this.config = config;
    this.key = key;
    const remediation = config.remediation;

    this.ledger = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: LEDGER_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: LEDGER_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: LEDGER_TABLE_KEYS.ttl,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const approvalSecret = new secretsmanager.Secret(this, 'ApprovalSigningKey', {
      description: 'Signs approve and deny links of remediation runs',
      encryptionKey: key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(approvalSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A link-signing key: rotating it voids the links of pending approvals; it is replaced by redeploying with a new secret.',
    });

    this.approval = this.fn(
      'Approval',
      'approval/approval-function.ts',
      'Answers approve and deny links of remediation runs',
      {
        APPROVAL_SECRET_ARN: approvalSecret.secretArn,
        LEDGER_TABLE_NAME: this.ledger.tableName,
      },
    );
    this.allow(this.approval, ['secretsmanager:GetSecretValue'], [approvalSecret.secretArn]);
    // The page a link opens shows the plan the envelope stored; reading is all it does with the ledger.
    this.allow(this.approval, ['dynamodb:GetItem'], [this.ledger.tableArn]);
    // Anyone holding a link may open it; the link itself is the credential (HMAC-signed, expiring).
    this.approvalUrl = this.approval.live.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    const topics = props.topics;
    this.envelope = this.fn(
      'Envelope',
      'envelope/envelope-function.ts',
      'Remediation envelope: admission, approval requests, verification, ledger and reports',
      {
        LEDGER_TABLE_NAME: this.ledger.tableName,
        CRITICAL_TOPIC_ARN: topics.critical.topicArn,
        HIGH_TOPIC_ARN: topics.high.topicArn,
        WARNING_TOPIC_ARN: topics.warning.topicArn,
        INFO_TOPIC_ARN: topics.info.topicArn,
        APPROVAL_URL: this.approvalUrl.url,
        APPROVAL_SECRET_ARN: approvalSecret.secretArn,
        APPROVAL_TTL_SECONDS: String(remediation.approvalTimeoutMinutes * 60),
        BLAST_RADIUS_PER_HOUR: String(remediation.blastRadiusPerHour),
        BREAKER_MAX_RUNS: String(remediation.breakerMaxRuns),
        BREAKER_WINDOW_MINUTES: String(remediation.breakerWindowMinutes),
      },
    );
    // Grants by IAM statement only: CDK's grant methods would add this stack's roles to the core
    // stack's key policy, and the two stacks would depend on each other.
    this.allow(
      this.envelope,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      [this.ledger.tableArn],
    );
    this.allow(this.envelope, ['secretsmanager:GetSecretValue'], [approvalSecret.secretArn]);
    this.allow(
      this.envelope,
      ['sns:Publish'],
      ALARM_SEVERITIES.map((severity) => topics[severity].topicArn),
    );
    // Verification describes the alarm that started the run: a metric alarm (playbooks never run from a
    // composite) whose name the dispatch rule matched by the environment's prefix. DescribeAlarms takes
    // the alarm resource type (Service Authorization Reference, Amazon CloudWatch); only composite alarms
    // need it on * ("You can't return information about composite alarms if your cloudwatch:DescribeAlarms
    // permission has a narrower scope", DescribeAlarms, CloudWatch API Reference).
    const triggeringAlarms = this.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: `${config.alerting.alarmNamePrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.allow(this.envelope, ['cloudwatch:DescribeAlarms'], [triggeringAlarms]);
    Validations.of(this.envelope.role).acknowledge({
      id: wildcardResourceFinding(this, triggeringAlarms),
      reason: `Verification reads the state of the alarm that started a run: any alarm named ${config.alerting.alarmNamePrefix}*, the prefix the dispatch rule admits; read-only.`,
    });

    const playbookFunctions = {} as Record<PlaybookId, PlatformFunction>;
    const workflows = {} as Record<PlaybookId, RemediationWorkflow>;
    for (const playbook of PLAYBOOK_IDS) {
      const fn = this.fn(pascal(playbook), 'playbook-function.ts', `Remediation playbook ${playbook}`, {
        PLAYBOOK: playbook,
      });
      this.allowPlaybook(fn, playbook);
      playbookFunctions[playbook] = fn;
      workflows[playbook] = new RemediationWorkflow(this, `${pascal(playbook)}Workflow`, {
        playbook,
        playbookFunction: fn.live,
        envelopeFunction: this.envelope.live,
        logKey: key,
        logRetentionDays: config.logs.retentionDays,
        stateMachineName: physicalName(config, `remediate-${playbook}`),
        stablePeriods: remediation.stablePeriods,
        verifyDeadline: Duration.minutes(remediation.verifyDeadlineMinutes),
        approvalTimeout: Duration.minutes(remediation.approvalTimeoutMinutes),
      });
    }
    this.playbookFunctions = playbookFunctions;
    this.workflows = workflows;
    const longestRun = Math.max(...PLAYBOOK_IDS.map((playbook) => workflows[playbook].timeout.toSeconds()));
    this.envelope.function.addEnvironment('LOCK_LEASE_SECONDS', String(longestRun));
    // A redrive that would outlast its run is not started (DlqRedrive's plan): what is left of the
    // workflow's timeout after the longest approval wait (counted whether or not approval is asked:
    // the plan is made before), the shortest verification and the reserve.
    const moveBudget = workflows['dlq-redrive'].timeout
      .minus(Duration.minutes(remediation.approvalTimeoutMinutes))
      .minus(Duration.minutes(remediation.verifyDeadlineMinutes))
      .minus(REDRIVE_RESERVE);
    playbookFunctions['dlq-redrive'].function.addEnvironment(
      'MAX_MOVE_SECONDS',
      String(moveBudget.toSeconds()),
    );
    // An approval link answers only the waiting task of a remediation workflow (stateMachine is
    // SendTaskSuccess's resource type). The ARNs are built from the machines' fixed names: referring
    // to the machines would be a cycle (machine → envelope → approval URL → approval role → machine).
    this.allow(
      this.approval,
      ['states:SendTaskSuccess', 'states:SendTaskFailure'],
      PLAYBOOK_IDS.map((playbook) =>
        Stack.of(this).formatArn({
          service: 'states',
          resource: 'stateMachine',
          resourceName: physicalName(config, `remediate-${playbook}`),
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ),
    );

    const policies = playbookPolicies(remediation);
    const playbookSettings = Object.fromEntries(
      PLAYBOOK_IDS.map((playbook) => [
        playbook,
        { stateMachineArn: workflows[playbook].stateMachine.stateMachineArn, ...policies[playbook] },
      ]),
    );
    this.dispatcher = this.fn(
      'Dispatcher',
      'dispatcher/dispatcher-function.ts',
      'Starts a remediation run for alarms that name a playbook',
      {
        PLAYBOOKS: Stack.of(this).toJsonString(playbookSettings),
        ALIAS_NAME: 'live',
        // The enricher's episodes, read with its flapping policy, so a run reports in its alert's thread.
        EPISODE_TABLE_NAME: props.episodeTable.tableName,
        FLAP_TRANSITIONS: String(config.alerting.flapTransitions),
        FLAP_WINDOW_MINUTES: String(config.alerting.flapWindowMinutes),
      },
    );
    this.allow(this.dispatcher, ['dynamodb:GetItem'], [props.episodeTable.tableArn]);
    for (const playbook of PLAYBOOK_IDS)
      workflows[playbook].stateMachine.grantStartExecution(this.dispatcher.role);

    const deadLetters = new DeadLetterQueue(this, 'DispatchDeadLetters', {
      encryptionKey: key,
      holds: 'alarm changes the remediation dispatcher could not take',
    });
    this.dispatcher.live.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(deadLetters),
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    });
    Validations.of(this.dispatcher.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'CDK\u2019s grant for the dispatcher\u2019s on-failure destination queue; limited to the platform key.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: 'Part of the dispatcher\u2019s dead-letter queue grant, on the platform key only.',
      },
    );
    // Only this environment's alarms (`alerting.alarmNamePrefix`, `vigil-<env>-` by default): another
    // environment's dispatcher in the same account and region never acts on them. The wildcard needs a
    // description naming a playbook; alarms without a description have no playbook and never match.
    this.dispatchRule = new events.Rule(this, 'AlarmsWithPlaybooks', {
      description: `Vigil ${config.name}: alarms entering ALARM that name a remediation playbook`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: [{ prefix: config.alerting.alarmNamePrefix }],
          state: { value: ['ALARM'] },
          configuration: { description: [{ wildcard: '*"playbook":"*' }] },
        },
      },
    });
    this.dispatchRule.addTarget(
      new targets.LambdaFunction(this.dispatcher.live, { deadLetterQueue: deadLetters, retryAttempts: 185 }),
    );

    // A stopped or timed-out execution never reaches a Finish state: the envelope gives it its one
    // outcome and report, and releases its target. The event is best effort (EventBridge's Step
    // Functions event reference), so the target lock also ends with its lease.
    this.abandonedRunRule = new events.Rule(this, 'AbandonedRuns', {
      description: `Vigil ${config.name}: remediation executions stopped or timed out before their finish`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['ABORTED', 'TIMED_OUT'],
          stateMachineArn: PLAYBOOK_IDS.map((playbook) => workflows[playbook].stateMachine.stateMachineArn),
        },
      },
    });
    this.abandonedRunRule.addTarget(
      new targets.LambdaFunction(this.envelope.live, {
        event: events.RuleTargetInput.fromObject({
          op: 'abandoned',
          detail: events.EventField.fromPath('$.detail'),
        }),
        deadLetterQueue: deadLetters,
        retryAttempts: 185,
      }),
    );

    this.monitoring = this.addMonitoring(config, deadLetters);
    new CfnOutput(this, 'ApprovalUrl', {
      value: this.approvalUrl.url,
      description: 'Answers remediation approval links',
    });
  }

  /** A remediation function: Vigil's defaults, async failures kept, its own log group. */
  private fn(
    id: string,
    entry: string,
    description: string,
    environment: Record<string, string>,
  ): PlatformFunction {
    const fn = new PlatformFunction(this, id, {
      entry: path.join(REMEDIATION, entry),
      description,
      serviceName: `remediation-${kebab(id)}`,
      metricsNamespace: METRICS_NAMESPACE,
      logKey: this.key,
      logRetentionDays: this.config.logs.retentionDays,
      memorySize: 512,
      timeout: Duration.seconds(60),
      environment,
    });
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
      }),
    );
    Validations.of(fn.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: `The ${id} function is invoked synchronously by Step Functions, a function URL or the dispatch rule (which keeps failures in its own dead-letter queue).`,
    });
    return fn;
  }

  private allow(fn: PlatformFunction, actions: string[], resources: string[]): void {
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
  }

  /** Reads on any resource of the playbook's service; changes only where the opt-in tag says `true`. */
  private allowPlaybook(fn: PlatformFunction, playbook: PlaybookId): void {
    const access = PLAYBOOK_ACCESS[playbook];
    const resource =
      access.service === 'lambda'
        ? this.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          })
        : this.formatArn({ service: 'sqs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME });
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: access.read, resources: [resource] }));
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: access.change,
        resources: [resource],
        conditions: { StringEquals: { [`aws:ResourceTag/${OPT_IN_TAG}`]: 'true' } },
      }),
    );
    if (playbook === 'lambda-concurrency') {
      // The account's unreserved concurrency bounds any raise; the call has no resource.
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['lambda:GetAccountSettings'], resources: ['*'] }),
      );
    }
    if (playbook === 'dlq-redrive') this.allowQueueKeys(fn);
    Validations.of(fn.role).acknowledge({
      id: wildcardResourceFinding(this, resource),
      reason: `The ${playbook} playbook acts on whichever resource alarmed; it reads any, and changes only those tagged ${OPT_IN_TAG}=true (IAM condition).`,
    });
  }

  /**
   * The KMS use of a redrive between SSE-KMS queues. Receiving from an encrypted queue needs
   * kms:Decrypt, and "If the queue acts as a dead-letter queue, the consumer must also have the
   * kms:Decrypt permission for any CMK that is used to encrypt the messages in the source queue";
   * sending to one needs kms:GenerateDataKey and kms:Decrypt (SQS developer guide,
   * sqs-key-management.html, "Configure KMS permissions for producers / consumers"). The guide's redrive
   * pages list no permissions of their own, so these are the move's receive and send. Queues' keys are
   * the teams' and unknown at synth: any key of the account and region, used only through SQS there
   * (kms:ViaService, KMS developer guide, conditions-kms.html), since SQS makes these calls for the
   * queue's caller. Which queues are reached is bounded by the SQS statements' opt-in condition. A
   * customer key must still let IAM policies grant its use (its key policy); the AWS managed key for
   * SQS does for every principal of the account.
   */
  private allowQueueKeys(fn: PlatformFunction): void {
    const keys = this.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [keys],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${this.region}.${this.urlSuffix}` } },
      }),
    );
    Validations.of(fn.role).acknowledge({
      id: wildcardResourceFinding(this, keys),
      reason:
        'A redrive decrypts and re-encrypts messages with the keys of the queues it moves between, which are chosen by each team and unknown at synth; the grant holds only for calls SQS makes in this region (kms:ViaService).',
    });
  }

  /** The remediation path's own alarms, notified like any service's through alerting. */
  private addMonitoring(config: EnvironmentConfig, deadLetters: DeadLetterQueue): ServiceMonitoring {
    const monitoring = new ServiceMonitoring(this, 'Monitoring', {
      logArchive: this.logArchive,
      service: 'remediation',
      alarmNamePrefix: alarmNamePrefix(config),
      runbookBaseUrl: config.monitoring.runbookBaseUrl,
      overrides: config.monitoring.overrides,
      logRetentionDays: config.logs.retentionDays,
    });
    for (const playbook of PLAYBOOK_IDS) {
      monitoring.monitorStateMachine(this.workflows[playbook].stateMachine, { name: `${playbook}-workflow` });
      monitoring.monitorLambda(this.playbookFunctions[playbook].function, { name: `${playbook}-playbook` });
    }
    monitoring.monitorLambda(this.envelope.function, { name: 'envelope' });
    monitoring.monitorLambda(this.dispatcher.function, { name: 'dispatcher' });
    monitoring.monitorLambda(this.approval.function, { name: 'approval' });
    monitoring.monitorQueue(deadLetters, { name: 'dispatch-dead-letters', deadLetter: true });
    monitoring.monitorEventRule(this.dispatchRule, { name: 'alarms-with-playbooks' });
    monitoring.monitorEventRule(this.abandonedRunRule, { name: 'abandoned-runs' });
    monitoring.monitorTable(this.ledger, { name: 'ledger' });
    monitoring.addServiceHealthAlarm();
    new ServiceDashboard(this, 'Dashboard', {
      monitoring,
      dashboardName: physicalName(config, 'remediation'),
    });
    return monitoring;
  }
}
