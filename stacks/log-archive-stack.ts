import * as path from 'node:path';
import { Duration, Size, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { pascal } from '../constructs/construct-names';
import { JSON_TABLE, LINES_TABLE, savedQueries } from '../constructs/log-archive/archive-queries';
import { ERROR_PREFIX, errorPrefix, LogArchiveStream } from '../constructs/log-archive/log-archive-stream';
import { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { wildcardResourceFinding } from '../constructs/nag-finding';
import { PlatformFunction } from '../constructs/platform-function';
import { alarmNamePrefix, archiveBucketName, physicalName } from './physical-name';

export interface LogArchiveStackProps extends StackProps {
  /** The validated environment this stack is deployed for. */
  readonly config: EnvironmentConfig;
  /** The platform key (core stack), imported here so grants stay in this stack's roles. */
  readonly key: kms.IKey;
  /** The services whose logs are archived: each gets a stream, which its monitoring subscribes functions to. */
  readonly services: readonly string[];
}

/**
 * CloudWatch Logs → Firehose → the archive bucket: one stream per service (the services' monitoring
 * subscribes their functions' log groups), the streams and the error prefix watched. Logs stay short in CloudWatch (its storage
 * is the expensive part) and long in S3, where the bucket's lifecycle tiers and expires them.
 */
export class LogArchiveStack extends Stack {
  readonly streams: Readonly<Record<string, LogArchiveStream>>;
  readonly errorObjects: events.Rule;
  /** One message per object Firehose wrote under `errors/`: the error-object alarm counts them. */
  readonly errorObjectNotices: sqs.Queue;
  readonly monitoring: ServiceMonitoring;
  /** Per service, the function that re-puts its failed records (a remediation action too). */
  readonly redrivers: Readonly<Record<string, PlatformFunction>>;
  readonly workGroup: athena.CfnWorkGroup;
  readonly table: glue.CfnTable;

  constructor(scope: Construct, id: string, props: LogArchiveStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Imported by ARN: grants to them land in this stack's role policies, not in the core stack's
    // key and bucket policies, which would make the core stack depend on this one.
    const key = kms.Key.fromKeyArn(this, 'PlatformKey', props.key.keyArn);
    const bucketName = archiveBucketName(config, this.account, this.region);
    const bucket = s3.Bucket.fromBucketAttributes(this, 'Archive', { bucketName, encryptionKey: key });

    // A service named here that has no stream would silently get no "logs stopped" alarm.
    const unknown = Object.keys(config.archive.logsStoppedAfterHours).filter(
      (service) => !props.services.includes(service),
    );
    if (unknown.length > 0) {
      throw new Error(
        `archive.logsStoppedAfterHours names ${unknown.join(', ')}, which has no archive stream; archived services are ${props.services.join(', ')}`,
      );
    }
    const streams: Record<string, LogArchiveStream> = {};
    for (const service of props.services) {
      streams[service] = new LogArchiveStream(this, `${pascal(service)}Stream`, {
        service,
        bucket,
        key,
        deliveryStreamName: physicalName(config, `logs-${service}`),
        bufferInterval: Duration.seconds(config.archive.bufferIntervalSeconds),
        bufferSize: Size.mebibytes(config.archive.bufferSizeMiB),
        logRetentionDays: config.logs.retentionDays,
      });
    }
    this.streams = streams;

    // Any object under the error prefix is a record Firehose gave up on: S3 tells EventBridge, and
    // the rule puts a notice (bucket, key, size, time) in a queue.
    this.errorObjectNotices = this.newErrorObjectNotices(config, key);
    this.errorObjects = new events.Rule(this, 'ErrorObjects', {
      description: `Vigil ${config.name}: objects written under ${ERROR_PREFIX} of the log archive, to a queue of notices`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [bucketName] },
          object: { key: [{ prefix: ERROR_PREFIX }] },
        },
      },
      targets: [new targets.SqsQueue(this.errorObjectNotices)],
    });
    Validations.of(this.errorObjects).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'A notice the queue refuses after every retry is counted by FailedInvocations, which alarms; the error object itself stays in S3.',
    });

    this.monitoring = new ServiceMonitoring(this, 'Monitoring', {
      service: 'log-archive',
      alarmNamePrefix: alarmNamePrefix(config),
      runbookBaseUrl: config.monitoring.runbookBaseUrl,
      overrides: config.monitoring.overrides,
      logRetentionDays: config.logs.retentionDays,
    });
    for (const [name, stream] of Object.entries(streams)) {
      // A function logs at least its platform lines when invoked: for a service with steady traffic,
      // an archive stream that receives nothing for hours means the subscriptions stopped delivering.
      const stoppedAfter = config.archive.logsStoppedAfterHours[name];
      this.monitoring.monitorDeliveryStream(stream.deliveryStream, {
        name: `${name}-stream`,
        ...(stoppedAfter !== undefined && { incomingRecordsStoppedAfter: Duration.hours(stoppedAfter) }),
      });
    }
    // The alarm counts notices the queue received, a metric of the target: EventBridge documents its
    // own metrics as delivered best effort, and a rule without a target has no Invocations to count
    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html).
    this.monitoring.addAlarm(
      this,
      { kind: 'log-archive', name: 'error-objects' },
      {
        signal: 'failed-records',
        metric: this.errorObjectNotices.metricNumberOfMessagesSent({
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // SQS publishes a queue's metrics only while it is active; a quiet queue means no error object.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'high',
        summary:
          'Firehose wrote records it could not process to the error prefix: those logs are not archived until redriven. The notices queue names each object.',
        thresholdReason: 'any notice of an object under errors/',
      },
    );
    // A notice EventBridge could not put in the queue (a key or policy change) is an error object
    // nobody is told about.
    this.monitoring.monitorEventRule(this.errorObjects, { name: 'error-objects' });
    const queries = this.addQueries(config, bucketName, key, props.services);
    this.table = queries.table;
    this.workGroup = queries.workGroup;
    this.redrivers = Object.fromEntries(
      Object.entries(streams).map(([service, stream]) => [
        service,
        this.addRedrive(config, service, stream, bucketName, key),
      ]),
    );
    // CDK maps Firehose's per-region CIDR blocks for destinations inside a VPC; these streams have
    // none, and CloudFormation validation rejects a mapping nothing reads.
    this.node.tryRemoveChild('@aws-cdk--aws-kinesisfirehose.CidrBlocks');
  }

  /**
   * Notices of error objects, encrypted with the platform key (whose policy admits EventBridge
   * delivering to encrypted queues), kept 14 days, the most SQS allows: a list of what to redrive.
   */
  private newErrorObjectNotices(config: EnvironmentConfig, key: kms.IKey): sqs.Queue {
    const queue = new sqs.Queue(this, 'ErrorObjectNotices', {
      queueName: physicalName(config, 'log-error-objects'),
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'Notices of archive error objects are read by people and the redrive, not by a consumer that fails: nothing to dead-letter.',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'The error-object notices queue has no consumer to retry: its notices wait for an operator, then expire with SQS retention.',
      },
    );
    return queue;
  }

  /**
   * A Glue table over the archive with partition projection (no crawler, no partition upkeep) and
   * an Athena workgroup that encrypts its results and stops any query scanning more than 10 GB.
   */
  private addQueries(
    config: EnvironmentConfig,
    bucketName: string,
    key: kms.IKey,
    services: readonly string[],
  ) {
    const database = new glue.CfnDatabase(this, 'Database', {
      catalogId: this.account,
      databaseInput: {
        name: `vigil_${config.name}_logs`,
        description: 'Archived CloudWatch Logs of Vigil services',
      },
    });
    const column = (name: string, type = 'string') => ({ name, type });
    // Both tables read the same objects with the same partitions: `archive_service` (the stream's
    // service; the lines carry a `service` field of their own) and the int year, month and day.
    const partitioned = {
      tableType: 'EXTERNAL_TABLE',
      partitionKeys: [
        column('archive_service'),
        column('year', 'int'),
        column('month', 'int'),
        column('day', 'int'),
      ],
      parameters: {
        'projection.enabled': 'true',
        'projection.archive_service.type': 'enum',
        'projection.archive_service.values': services.join(','),
        'projection.year.type': 'integer',
        'projection.year.range': '2025,2100',
        'projection.month.type': 'integer',
        'projection.month.range': '1,12',
        'projection.month.digits': '2',
        'projection.day.type': 'integer',
        'projection.day.range': '1,31',
        'projection.day.digits': '2',
        'storage.location.template': `s3://${bucketName}/logs/service=\${archive_service}/year=\${year}/month=\${month}/day=\${day}/`,
      },
    };
    const text = {
      location: `s3://${bucketName}/logs/`,
      inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    };
    const table = new glue.CfnTable(this, 'FunctionLogs', {
      catalogId: this.account,
      databaseName: `vigil_${config.name}_logs`,
      tableInput: {
        name: JSON_TABLE,
        description:
          'Powertools JSON log lines of Vigil functions, one row per line; lines that are not JSON have every column NULL (see function_log_lines)',
        ...partitioned,
        parameters: { classification: 'json', ...partitioned.parameters },
        storageDescriptor: {
          ...text,
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            // A line that is not JSON (a runtime crash report) must not fail the whole query: it
            // becomes a row of NULLs. https://docs.aws.amazon.com/athena/latest/ug/openx-json-serde.html
            parameters: { 'ignore.malformed.json': 'true' },
          },
          columns: [
            column('timestamp'),
            column('level'),
            column('message'),
            column('service'),
            column('function_name'),
            column('function_request_id'),
            column('xray_trace_id'),
            column('cold_start', 'boolean'),
            column('error'),
          ],
        },
      },
    });
    table.node.addDependency(database);
    // Every line whole, JSON or not. CloudWatchLogProcessing's message extraction leaves each record
    // the bare log event message, plain text and Lambda platform lines (REPORT, "Task timed out")
    // included, and Firehose's native processors cannot wrap it in JSON (only a Lambda transform
    // could), so the raw text is read as a one-column delimited table instead: the Lazy Simple SerDe
    // splits fields at \u0001, which log text does not contain, so `line` is the whole line.
    // https://docs.aws.amazon.com/athena/latest/ug/lazy-simple-serde.html
    const lines = new glue.CfnTable(this, 'FunctionLogLines', {
      catalogId: this.account,
      databaseName: `vigil_${config.name}_logs`,
      tableInput: {
        name: LINES_TABLE,
        description: 'Every archived log line of Vigil functions as raw text, one row per line',
        ...partitioned,
        parameters: { classification: 'text', ...partitioned.parameters },
        storageDescriptor: {
          ...text,
          serdeInfo: {
            serializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
            parameters: { 'field.delim': '\u0001', 'serialization.format': '\u0001' },
          },
          columns: [column('line')],
        },
      },
    });
    lines.node.addDependency(database);

    const workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: physicalName(config, 'logs'),
      description: 'Queries over the log archive',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        resultConfiguration: {
          outputLocation: `s3://${bucketName}/athena-results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: key.keyArn },
        },
      },
    });
    for (const saved of savedQueries(`vigil_${config.name}_logs`)) {
      new athena.CfnNamedQuery(this, saved.id, {
        name: saved.name,
        description: saved.description,
        database: `vigil_${config.name}_logs`,
        workGroup: workGroup.name,
        queryString: saved.sql,
      }).node.addDependency(workGroup, table, lines);
    }
    return { table, workGroup };
  }

  /** One redrive function per service: its error prefix goes back to its own stream. */
  private addRedrive(
    config: EnvironmentConfig,
    service: string,
    stream: LogArchiveStream,
    bucketName: string,
    key: kms.IKey,
  ): PlatformFunction {
    const fn = new PlatformFunction(this, `${pascal(service)}Redrive`, {
      entry: path.join(__dirname, '..', 'lambda', 'firehose-redrive', 'redrive-function.ts'),
      description: `Re-puts ${service} log records Firehose could not deliver, from the archive's error prefix`,
      serviceName: `log-redrive-${service}`,
      metricsNamespace: 'Vigil/LogArchive',
      logKey: key,
      logRetentionDays: config.logs.retentionDays,
      memorySize: 512,
      timeout: Duration.minutes(5),
      environment: {
        ARCHIVE_BUCKET_NAME: bucketName,
        DELIVERY_STREAM_NAME: stream.deliveryStream.deliveryStreamName,
        ERROR_PREFIX: errorPrefix(service),
      },
    });
    const bucketArn = `arn:${this.partition}:s3:::${bucketName}`;
    const objects = (prefix: string) => `${bucketArn}/${prefix}*`;
    const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources, conditions }));
    // Per error object, a progress marker (what was re-put, so a rerun sends nothing twice) and the
    // lines that can never be re-put, under prefixes of the service's own (lambda/firehose-redrive/progress.ts).
    const progress = `redrive-progress/${errorPrefix(service)}`;
    const failed = `failed/${errorPrefix(service)}`;
    allow(['s3:ListBucket'], [bucketArn], {
      StringLike: { 's3:prefix': [`${errorPrefix(service)}*`, `${progress}*`] },
    });
    allow(['s3:GetObject', 's3:DeleteObject'], [objects(errorPrefix(service))]);
    allow(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [objects(progress)]);
    allow(
      ['s3:PutObject'],
      [objects(`redriven/${errorPrefix(service)}`), objects(failed), objects('redrive-reports/')],
    );
    allow(['firehose:PutRecordBatch'], [stream.deliveryStream.deliveryStreamArn]);
    allow(['kms:Decrypt', 'kms:GenerateDataKey'], [key.keyArn]);
    Validations.of(fn.role).acknowledge(
      ...[
        objects(errorPrefix(service)),
        objects(progress),
        objects(`redriven/${errorPrefix(service)}`),
        objects(failed),
        objects('redrive-reports/'),
      ].map((arn) => ({
        id: wildcardResourceFinding(this, arn),
        reason: `Redrive of ${service}: error objects, markers, set-aside lines and reports are named by Firehose and by the run; the grant is ${arn.split(':::')[1]}.`,
      })),
    );
    Validations.of(fn.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: `The ${service} redrive runs by hand or from a playbook, synchronously: its caller sees the failure and the report.`,
    });
    return fn;
  }
}
