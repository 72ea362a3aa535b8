import { type App, Tags } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../config/environment-config';
import { SERVICE_TAG_KEY } from '../dashboards/widget-bodies/live-dashboard';
import { AlertingStack } from './alerting-stack';
import { addComplianceGate } from './compliance-gate';
import { CoreStack } from './core-stack';
import { CostStack } from './cost-stack';
import { DashboardsStack } from './dashboards-stack';
import { LogArchiveStack } from './log-archive-stack';
import { LogQueriesStack } from './log-queries-stack';
import { physicalName } from './physical-name';
import { PredictorStack } from './predictor-stack';
import { RemediationStack } from './remediation-stack';
import { UploadSiteStack } from './upload-site-stack';

/** The stacks of one Vigil environment, for wiring further stacks and for tests. */
export interface VigilStacks {
  readonly core: CoreStack;
  readonly alerting: AlertingStack;
  readonly remediation: RemediationStack;
  readonly cost: CostStack;
  readonly logArchive: LogArchiveStack;
  readonly predictor: PredictorStack;
  readonly uploadSite: UploadSiteStack;
  readonly dashboards: DashboardsStack;
  /** Only in an environment with `monitoring.scheduledQueries`. */
  readonly logQueries?: LogQueriesStack;
}

/** Adds every Vigil stack for one environment to the app, tags them all and installs the cdk-nag gate. */
export function addVigilStacks(app: App, config: EnvironmentConfig): VigilStacks {
  const env =
    config.account || config.region ? { account: config.account, region: config.region } : undefined;

  const core = new CoreStack(app, 'Core', {
    env,
    config,
    stackName: physicalName(config, 'core'),
    description: `Vigil ${config.name}: platform key, log archive, event bus, tracing`,
  });

  // Before the services: each service's monitoring subscribes its functions to its stream.
  const logArchive = new LogArchiveStack(app, 'LogArchive', {
    env,
    config,
    stackName: physicalName(config, 'log-archive'),
    description: `Vigil ${config.name}: CloudWatch Logs to the archive bucket through Firehose`,
    key: core.key,
    services: ['alerting', 'remediation', 'predictor'],
  });

  const alerting = new AlertingStack(app, 'Alerting', {
    env,
    config,
    stackName: physicalName(config, 'alerting'),
    description: `Vigil ${config.name}: alert enrichment, severity topics, episodes`,
    key: core.key,
    accessLogBucket: core.accessLogBucket,
    logArchive: logArchive.streams.alerting,
  });

  const remediation = new RemediationStack(app, 'Remediation', {
    env,
    config,
    stackName: physicalName(config, 'remediation'),
    description: `Vigil ${config.name}: self-healing playbooks inside the safety envelope`,
    key: core.key,
    topics: alerting.topics,
    episodeTable: alerting.episodeTable,
    logArchive: logArchive.streams.remediation,
  });

  const predictor = new PredictorStack(app, 'Predictor', {
    env,
    config,
    stackName: physicalName(config, 'predictor'),
    description: `Vigil ${config.name}: the Chicago-crimes arrest predictor workload`,
    key: core.key,
    accessLogBucket: core.accessLogBucket,
    logArchive: logArchive.streams.predictor,
  });

  // Always us-east-1 (Cost Explorer and Budgets live there); its alarms notify its own topic.
  const cost = new CostStack(app, 'Cost', {
    config,
    stackName: physicalName(config, 'cost'),
    description: `Vigil ${config.name}: budgets, cost anomaly alerts and the monthly cost report (us-east-1)`,
  });

  // Always us-east-1 (CloudFront's metrics are there); its bucket exists before the predictor stack
  // writes the site's config.json into it, by name.
  const uploadSite = new UploadSiteStack(app, 'UploadSite', {
    config,
    stackName: physicalName(config, 'upload-site'),
    description: `Vigil ${config.name}: the predictor's upload site, S3 behind CloudFront (us-east-1)`,
    costTopic: cost.topic,
  });
  predictor.addStackDependency(uploadSite);

  const dashboards = new DashboardsStack(app, 'Dashboards', {
    env,
    config,
    stackName: physicalName(config, 'dashboards'),
    description: `Vigil ${config.name}: operations overview dashboard`,
    services: [alerting.monitoring, remediation.monitoring, predictor.monitoring, logArchive.monitoring],
    key: core.key,
  });

  const logQueries =
    config.monitoring.scheduledQueries.length > 0
      ? new LogQueriesStack(app, 'LogQueries', {
          env,
          config,
          stackName: physicalName(config, 'log-queries'),
          description: `Vigil ${config.name}: Logs Insights queries on a schedule, alerting through the platform bus`,
          key: core.key,
          platformBus: core.platformBus,
          services: [
            alerting.monitoring,
            remediation.monitoring,
            predictor.monitoring,
            logArchive.monitoring,
          ],
        })
      : undefined;

  // What the live-dashboard updater finds each service's resources by (with `Environment`, below).
  const services = {
    alerting,
    remediation,
    predictor,
    'log-archive': logArchive,
    dashboards,
    'log-queries': logQueries,
  };
  for (const [service, stack] of Object.entries(services))
    if (stack) Tags.of(stack).add(SERVICE_TAG_KEY, service);
  Tags.of(app).add('Project', 'Vigil');
  Tags.of(app).add('Environment', config.name);
  Tags.of(app).add('Owner', config.tags.owner);
  Tags.of(app).add('CostCenter', config.tags.costCenter);
  addComplianceGate(app);

  return {
    core,
    alerting,
    remediation,
    predictor,
    uploadSite,
    logArchive,
    cost,
    dashboards,
    ...(logQueries && { logQueries }),
  };
}
