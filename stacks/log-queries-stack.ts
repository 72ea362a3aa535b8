import * as path from 'node:path';
import { ArnFormat, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import type { ScheduledQueryInput } from '../constructs/contracts/scheduled-query';
import { SCHEDULED_QUERY_NAMESPACE } from '../constructs/contracts/scheduled-query';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import type { LogArchiveStream } from '../constructs/log-archive/log-archive-stream';
import { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { wildcardResourceFinding } from '../constructs/nag-finding';
import { PlatformFunction } from '../constructs/platform-function';
import { alarmNamePrefix } from './physical-name';

export interface LogQueriesStackProps extends StackProps {
  /** The validated environment: `monitoring.scheduledQueries` are the queries run. */
  readonly config: EnvironmentConfig;
  /** The platform key (core stack): the function's logs and dead-letter queue. */
  readonly key: kms.IKey;
  /** The platform bus (core stack): where the queries' alerts go, as business alerts. */
  readonly platformBus: events.IEventBus;
  /** The services whose function log groups a query may name by service. */
  readonly services: readonly ServiceMonitoring[];
  /** Stream archiving the function's logs. @default not archived */
  readonly logArchive?: LogArchiveStream;
}

// A run waits for its query up to the function's timeout, less what it keeps to stop it and report.
const RUNNER_TIMEOUT = Duration.minutes(5);

/**
 * Logs Insights queries on a schedule (`monitoring.scheduledQueries`): one EventBridge Scheduler
 * schedule per query invokes the scheduled-query function with the query, its log groups and its
 * window (lambda/scheduled-query/); the function publishes the rows found as a metric and, for a query
 * that should find nothing, raises a business alert on the platform bus with the rows, which the
 * alerting stack's enricher delivers like any other alert. Only in an environment with queries.
 */
export class LogQueriesStack extends Stack {
  readonly runner: PlatformFunction;
  readonly schedules: readonly scheduler.Schedule[];
  readonly monitoring: ServiceMonitoring;

  constructor(scope: Construct, id: string, props: LogQueriesStackProps) {
    super(scope, id, props);
    const { config, key, platformBus } = props;
    const queries = config.monitoring.scheduledQueries;
    if (queries.length === 0)
      throw new Error('LogQueriesStack needs at least one monitoring.scheduledQueries entry');

    this.runner = new PlatformFunction(this, 'ScheduledQuery', {
      entry: path.join(__dirname, '..', 'lambda', 'scheduled-query', 'handler.ts'),
      description: 'Runs one scheduled Logs Insights query and alerts on rows where none are expected',
      serviceName: 'log-queries',
      metricsNamespace: SCHEDULED_QUERY_NAMESPACE,
      logKey: key,
      logRetentionDays: config.logs.retentionDays,
      memorySize: 256,
      timeout: RUNNER_TIMEOUT,
      environment: { EVENT_BUS_NAME: platformBus.eventBusName },
    });
    // Scheduler invokes the function asynchronously ("Using EventBridge Scheduler with Lambda" /
    // templated targets, Scheduler user guide): Lambda retries a failed run twice, then keeps it here.
    const failures = new DeadLetterQueue(this, 'ScheduledQueryFailures', {
      encryptionKey: key,
      holds:
        "scheduled-query runs that failed after Lambda's retries, and invocations Scheduler could not deliver",
    });
    this.runner.live.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      // Bound by ARN: SqsDestination would grant the queue's kms wildcards; the role gets named actions below.
      onFailure: { bind: () => ({ destination: failures.queueArn }) },
    });
    Validations.of(this.runner.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Failed runs go to the on-failure destination of the live alias (ScheduledQueryFailures), which Scheduler invokes, rather than to a function-level dead-letter queue.',
    });

    const logGroups = queries.map(
      (query) => query.logGroups ?? serviceLogGroups(props.services, query.service, query.name),
    );
    const allow = (actions: string[], resources: string[]) =>
      this.runner.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    allow(
      ['logs:StartQuery'],
      [...new Set(logGroups.flat())].map((name) =>
        this.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: name,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ),
    );
    allow(['logs:GetQueryResults', 'logs:StopQuery'], ['*']);
    allow(['events:PutEvents'], [platformBus.eventBusArn]);
    // The on-failure destination: named actions, not the grant's kms wildcards.
    allow(['sqs:SendMessage'], [failures.queueArn]);
    allow(['kms:Decrypt', 'kms:GenerateDataKey'], [key.keyArn]);
    Validations.of(this.runner.role).acknowledge({
      id: wildcardResourceFinding(this, '*'),
      reason:
        'logs:GetQueryResults and logs:StopQuery name only a query id, of a query StartQuery ran on the log groups named above; the Service Authorization Reference lists no resource type for either.',
    });

    this.schedules = queries.map((query, index) => {
      const input: Omit<ScheduledQueryInput, 'scheduledTime'> = {
        name: query.name,
        service: query.service,
        queryString: query.query,
        logGroupNames: logGroups[index] as string[],
        lookbackMinutes: query.lookbackMinutes,
        alertWhenRows: query.alertWhenRows,
        severity: query.severity,
        ...(query.runbook !== undefined && { runbook: query.runbook }),
      };
      return new scheduler.Schedule(this, `Query-${query.name}`, {
        description: `Logs Insights query ${query.name} (${query.service}) every ${query.everyMinutes} min`,
        schedule: scheduler.ScheduleExpression.rate(Duration.minutes(query.everyMinutes)),
        target: new targets.LambdaInvoke(this.runner.live, {
          input: scheduler.ScheduleTargetInput.fromObject({
            ...input,
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
          }),
          // A run that cannot start within a period is superseded by the next one.
          maxEventAge: Duration.minutes(Math.max(query.everyMinutes, 1)),
          retryAttempts: 2,
          deadLetterQueue: failures,
        }),
      });
    });

    this.monitoring = new ServiceMonitoring(this, 'Monitoring', {
      logArchive: props.logArchive,
      service: 'log-queries',
      alarmNamePrefix: alarmNamePrefix(config),
      runbookBaseUrl: config.monitoring.runbookBaseUrl,
      overrides: config.monitoring.overrides,
      logRetentionDays: config.logs.retentionDays,
    });
    this.monitoring.monitorLambda(this.runner.function, { name: 'runner', alias: this.runner.live });
    this.monitoring.monitorQueue(failures, { name: 'failures', deadLetter: true });
  }
}

function serviceLogGroups(services: readonly ServiceMonitoring[], service: string, query: string): string[] {
  const found = services.find((candidate) => candidate.service === service);
  if (!found) {
    throw new Error(
      `monitoring.scheduledQueries ${query}: no service ${service} (services: ${services.map((s) => s.service).join(', ')}); name its logGroups instead`,
    );
  }
  if (found.logGroupNames.length === 0) {
    throw new Error(
      `monitoring.scheduledQueries ${query}: service ${service} has no monitored functions; name its logGroups`,
    );
  }
  return [...found.logGroupNames];
}
