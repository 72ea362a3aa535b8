import * as path from 'node:path';
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { wildcardResourceFinding } from '../constructs/nag-finding';
import { PlatformFunction } from '../constructs/platform-function';
import { OperationsOverview } from '../dashboards/operations-overview';
import {
  ENVIRONMENT_TAG_KEY,
  liveDashboardPrefix,
  SERVICE_TAG_KEY,
} from '../dashboards/widget-bodies/live-dashboard';
import { alarmNamePrefix, physicalName } from './physical-name';

export interface DashboardsStackProps extends StackProps {
  /** The validated environment this stack is deployed for. */
  readonly config: EnvironmentConfig;
  /** Every monitored service; each keeps its own dashboard in its own stack. */
  readonly services: readonly ServiceMonitoring[];
  /** Key encrypting the live-dashboard updater's log group and dead-letter queue: the platform key (`CoreStack.key`). */
  readonly key: kms.IKey;
}

/**
 * The operations overview across services, and the live dashboards: a function that rebuilds one
 * dashboard per service from the resources tagged `vigil:service=<service>` and
 * `Environment=<env>` (CDK's or not), on a schedule and whenever such a tag changes. It depends on
 * every service stack, so it stands alone.
 */
export class DashboardsStack extends Stack {
  readonly overview: OperationsOverview;
  /** The live-dashboard updater. */
  readonly updater: PlatformFunction;
  /** Runs the updater every `dashboards.liveRefreshMinutes`. */
  readonly refreshSchedule: events.Rule;
  /** Runs the updater when a `vigil:service` or `Environment` tag changes on any resource. */
  readonly tagChangeRule: events.Rule;
  /** The updater's own alarms. */
  readonly monitoring: ServiceMonitoring;

  constructor(scope: Construct, id: string, props: DashboardsStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.overview = new OperationsOverview(this, 'Overview', {
      services: props.services,
      dashboardName: physicalName(config, 'operations'),
    });

    const { key } = props;
    this.updater = new PlatformFunction(this, 'LiveDashboardUpdater', {
      entry: path.join(__dirname, '..', 'lambda', 'dashboard-updater', 'handler.ts'),
      description: 'Live dashboards: rebuilds each service’s dashboard from its tagged resources',
      serviceName: 'dashboard-updater',
      metricsNamespace: 'Vigil/Dashboards',
      logKey: key,
      logRetentionDays: config.logs.retentionDays,
      memorySize: 512,
      // Paged discovery, then one Get/Put per dashboard at a 10 s call timeout each.
      timeout: Duration.minutes(2),
      // One run at a time: two overlapping runs could delete a part the other just wrote. A tag-change
      // burst (a deploy tagging many resources) queues in Lambda's async retry, and each run rebuilds
      // everything, so the later ones find nothing changed.
      reservedConcurrency: 1,
      environment: { ENVIRONMENT_NAME: config.name },
    });
    this.grantDashboardAccess(config);

    const failures = new DeadLetterQueue(this, 'UpdaterDeadLetters', {
      encryptionKey: key,
      holds: 'live-dashboard runs that failed after their retries (the event and the error)',
    });
    this.updater.live.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(failures),
      retryAttempts: 2,
    });
    Validations.of(this.updater.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Failed runs of the live alias go to an on-failure SQS destination, which keeps the error too.',
    });
    const target = new targets.LambdaFunction(this.updater.live, {
      retryAttempts: 2,
      deadLetterQueue: failures,
    });
    this.refreshSchedule = new events.Rule(this, 'LiveDashboardSchedule', {
      description: `Vigil ${config.name}: rebuild the live dashboards from tagged resources`,
      schedule: events.Schedule.rate(Duration.minutes(config.dashboards.liveRefreshMinutes)),
      targets: [target],
    });
    // "Tag Change on Resource" from aws.tag lists the keys added, changed or deleted in
    // detail.changed-tag-keys (Tagging AWS Resources user guide, "Monitor tag changes with serverless
    // workflows and Amazon EventBridge"); an array field matches when any element is one of the values.
    this.tagChangeRule = new events.Rule(this, 'LiveDashboardTagChanges', {
      description: `Vigil ${config.name}: rebuild the live dashboards when a ${SERVICE_TAG_KEY} or ${ENVIRONMENT_TAG_KEY} tag changes`,
      eventPattern: {
        source: ['aws.tag'],
        detailType: ['Tag Change on Resource'],
        detail: { 'changed-tag-keys': [SERVICE_TAG_KEY, ENVIRONMENT_TAG_KEY] },
      },
      targets: [target],
    });

    this.monitoring = new ServiceMonitoring(this, 'Monitoring', {
      service: 'dashboards',
      alarmNamePrefix: alarmNamePrefix(config),
      runbookBaseUrl: config.monitoring.runbookBaseUrl,
      overrides: config.monitoring.overrides,
      logRetentionDays: config.logs.retentionDays,
    });
    this.monitoring.monitorLambda(this.updater.function, { name: 'live-dashboard-updater' });
    this.monitoring.monitorQueue(failures, { name: 'updater-dead-letters', deadLetter: true });
    this.monitoring.monitorEventRule(this.refreshSchedule, { name: 'live-dashboard-schedule' });
    this.monitoring.monitorEventRule(this.tagChangeRule, { name: 'live-dashboard-tag-changes' });
  }

  /**
   * Least privilege from the Service Authorization Reference: `tag:GetResources` and
   * `cloudwatch:ListDashboards` have no resource types (Resource Group Tagging API; Amazon
   * CloudWatch), so they take `*`; GetDashboard, PutDashboard and DeleteDashboards act on the
   * `dashboard` resource type, `arn:${Partition}:cloudwatch::${Account}:dashboard/${DashboardName}`
   * (global: no region), so they are limited to this environment's live dashboards by name.
   */
  private grantDashboardAccess(config: EnvironmentConfig): void {
    const allow = (actions: string[], resources: string[]) =>
      this.updater.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    allow(['tag:GetResources', 'cloudwatch:ListDashboards'], ['*']);
    const liveDashboards = `arn:${this.partition}:cloudwatch::${this.account}:dashboard/${liveDashboardPrefix(config.name)}*-live*`;
    allow(
      ['cloudwatch:GetDashboard', 'cloudwatch:PutDashboard', 'cloudwatch:DeleteDashboards'],
      [liveDashboards],
    );
    Validations.of(this.updater.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'tag:GetResources and cloudwatch:ListDashboards have no resource-level permissions (Service Authorization Reference), nor do X-Ray writes.',
      },
      {
        id: wildcardResourceFinding(this, liveDashboards),
        reason:
          'Live dashboards are named at run time, one or more per tagged service (vigil-<env>-<service>-live[-<n>]); the grant is that name pattern.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: 'CDK’s grant for the updater’s on-failure destination queue; limited to its key.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: 'Part of the updater’s dead-letter queue grant, on its key only.',
      },
    );
  }
}
