import * as path from 'node:path';
import {
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import {
  RESULTS_MAIL_OPT_OUT,
  UPLOADER_INDEX,
  type UploadSiteConfig,
} from '../constructs/contracts/predictor';
import { OPT_IN_TAG } from '../constructs/contracts/remediation';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import { EncryptedBucket } from '../constructs/encrypted-bucket';
import type { LogArchiveStream } from '../constructs/log-archive/log-archive-stream';
import type { AlarmRouting } from '../constructs/monitoring/alarm-routing';
import {
  httpApiAvailability,
  lambdaLatency,
  ServiceLevelObjective,
} from '../constructs/monitoring/service-level-objective';
import { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { wildcardResourceFinding } from '../constructs/nag-finding';
import { OnnxRuntimeLayer } from '../constructs/onnxruntime-layer';
import { PlatformFunction } from '../constructs/platform-function';
import { ServiceDashboard } from '../dashboards/service-dashboard';
import { modelVersionOf } from '../predictor/inference/arrest-model';
import { alarmNamePrefix, physicalName, uploadSiteBucketName } from './physical-name';
import { acknowledgeBucketDeploymentFindings, bucketDeploymentHandlerProps } from './upload-site-stack';

export interface PredictorStackProps extends StackProps {
  /** The validated environment this stack is deployed for. */
  readonly config: EnvironmentConfig;
  /**
   * The platform key (core stack): encrypts the bucket, table, queues and log groups. Its key policy
   * lets S3 send the upload events to the encrypted queue (`UPLOAD_EVENT_KEY_SERVICES`).
   */
  readonly key: kms.IKey;
  /** Receives the data bucket's server access logs (core stack). */
  readonly accessLogBucket: s3.IBucket;
  /** Stream archiving the service's function logs. @default logs are not archived */
  readonly logArchive?: LogArchiveStream;
  /** Where the workload's alarms notify. @default no actions until the alerting stack provides topics */
  readonly alarmRouting?: AlarmRouting;
}

const ROOT = path.join(__dirname, '..');
const MODEL_FILES = [
  ['predictor/model/arrest-model.onnx', 'arrest-model.onnx'],
  ['predictor/model/model-card.json', 'model-card.json'],
] as const;
// API Gateway HTTP APIs give an integration 30 s; the function stops just before.
const API_TIMEOUT = Duration.seconds(29);
const UPLOADS_PREFIX = 'uploads/';
const RESULTS_PREFIX = 'results/';
const METRICS_NAMESPACE = 'Vigil/Predictor';
// The local upload site of `npm start -- --serve --scenario upload-site` (scripts/local-loop/start.ts,
// DEFAULT_SITE_PORT). Cognito allows plain http only for localhost (CreateUserPoolClient, `CallbackURLs`).
const LOCAL_SITE_URL = 'http://localhost:4781/';
// A sign-in failure spike: more than half of the attempts in three 5-minute periods of which two
// breach, counted from 10 attempts a period so one person mistyping a password twice stays quiet.
const SIGN_IN_FAILURE_PERCENT = 50;
const SIGN_IN_MIN_ATTEMPTS = 10;
// Powertools puts the service name in every metric's `service` dimension.
const SCORER_SERVICE = 'predictor-upload-scorer';
// SES's own account thresholds, as fractions (Reputation.BounceRate 0.05 is 5%): the account is put
// under review at a 5% bounce or 0.1% complaint rate (SES developer guide, "Sending review process
// FAQs"; that page is not among the stored docs, so these two are unverified here) and sending may be
// paused at 10% or 0.5% (AWS re:Post knowledge center, "Why is my Amazon SES sending account under
// review or paused?").
const SES_THRESHOLDS = {
  bounce: { review: 0.05, pause: 0.1 },
  complaint: { review: 0.001, pause: 0.005 },
} as const;

/**
 * The workload Vigil watches and heals: the Chicago-crimes arrest predictor. Uploads land in S3 and
 * are scored by the upload scorer; an HTTP API hands out upload URLs, reports results and scores
 * small batches synchronously. Both functions are invoked through their `live` alias, and the model
 * ships inside each function version, so rolling the alias back rolls the model back.
 */
export class PredictorStack extends Stack {
  readonly dataBucket: s3.Bucket;
  readonly resultsTable: dynamodb.Table;
  readonly scorer: PlatformFunction;
  readonly api: PlatformFunction;
  readonly httpApi: apigwv2.HttpApi;
  /** S3 ObjectCreated notifications for `uploads/`, which the scorer's `live` alias consumes. */
  readonly uploadEvents: sqs.Queue;
  /** Upload events the scorer failed 3 receives in a row: the dead-letter queue of `uploadEvents`. */
  readonly deadLetterQueue: sqs.Queue;
  /** The workload's alarms, all made through this one service monitoring. */
  readonly monitoring: ServiceMonitoring;
  /** The people allowed to upload through the browser: an administrator creates each one by default. */
  readonly uploadUsers: cognito.UserPool;
  /** The upload site's public client: authorization code with PKCE, no secret. */
  readonly siteClient: cognito.UserPoolClient;
  /** Origins of the site's callback URLs: the only origins the data bucket answers CORS requests from. */
  readonly siteOrigins: string[];
  /** The "results ready" mail, only when `predictor.resultsMail.enabled`. */
  readonly resultsMail?: {
    readonly mailer: PlatformFunction;
    readonly deadLetters: sqs.Queue;
    readonly configurationSet: ses.ConfigurationSet;
  };
  private readonly bucketArn: string;

  private readonly logArchive?: LogArchiveStream;

  constructor(scope: Construct, id: string, props: PredictorStackProps) {
    super(scope, id, props);
    this.logArchive = props.logArchive;
    const { config, key } = props;
    const predictor = config.predictor;
    const uploadSite = predictor.uploadSite;

    // A fixed name lets the S3 notification, the upload queue's policy and the grants refer to the bucket
    // without referring to each other, which would be a dependency cycle.
    const bucketName = `${physicalName(config, 'predictor')}-${this.account}-${this.region}`;
    const bucketArn = `arn:${this.partition}:s3:::${bucketName}`;
    this.bucketArn = bucketArn;
    this.dataBucket = new EncryptedBucket(this, 'DataBucket', {
      bucketName,
      encryptionKey: key,
      // Imported by name: the core stack's policy admits this account's buckets, and a reference
      // from the core stack back to this bucket would make the two stacks depend on each other.
      serverAccessLogsBucket: s3.Bucket.fromBucketName(this, 'AccessLogs', props.accessLogBucket.bucketName),
      serverAccessLogsPrefix: 'predictor/',
      lifecycleRules: [
        // Uploads are read once by the scorer, so people's files are not kept; a dead-letter redrive
        // after the expiry finds no file. The bucket is versioned: the expired version goes a day later.
        {
          id: 'expire-uploads',
          prefix: UPLOADS_PREFIX,
          expiration: Duration.days(uploadSite.uploadExpiryDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: 'expire-results',
          prefix: RESULTS_PREFIX,
          expiration: Duration.days(predictor.dataRetentionDays),
          noncurrentVersionExpiration: Duration.days(config.archive.noncurrentVersionExpireDays),
        },
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    this.siteOrigins = siteOriginsOf(uploadSite.callbackUrls);
    // Browsers on the site PUT to presigned upload URLs and GET presigned result URLs. The presigner
    // signs Content-Type (and Content-Length, which the browser sets itself and never lists in a
    // preflight) and no checksum (`requestChecksumCalculation: 'WHEN_REQUIRED'`), so Content-Type is
    // the one request header a preflight asks for (S3 user guide, "Using cross-origin resource sharing
    // (CORS)": each Access-Control-Request-Headers header must match an AllowedHeader).
    this.dataBucket.addCorsRule({
      allowedOrigins: this.siteOrigins,
      allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET],
      allowedHeaders: ['Content-Type'],
      exposedHeaders: ['ETag'],
      maxAge: 3000,
    });

    this.resultsTable = new dynamodb.Table(this, 'ResultsTable', {
      partitionKey: { name: 'uploadId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
      // The results mailer compares a change's old and new status, so it needs both images.
      ...(predictor.resultsMail.enabled && { stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES }),
    });
    // The site lists a person's recent uploads newest first. Only items written by the site carry
    // `uploaderSub`, so only they are in the index (a sparse index). ALL: the listing shows status and
    // counts, and a bounded item (rejected samples are capped) costs little to copy.
    this.resultsTable.addGlobalSecondaryIndex({
      indexName: UPLOADER_INDEX.indexName,
      partitionKey: { name: UPLOADER_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: UPLOADER_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    const onnxRuntime = new OnnxRuntimeLayer(this, 'OnnxRuntime', {
      description: 'onnxruntime-node, linux-arm64 binaries only',
    });
    const shared = {
      metricsNamespace: METRICS_NAMESPACE,
      logKey: key,
      logRetentionDays: config.logs.retentionDays,
      layers: [onnxRuntime.layer],
      layerModules: ['onnxruntime-node'],
      bundledFiles: MODEL_FILES,
      environment: {
        DATA_BUCKET_NAME: bucketName,
        RESULTS_TABLE_NAME: this.resultsTable.tableName,
        MAX_UPLOAD_BYTES: String(predictor.maxUploadMiB * 1024 * 1024),
        MAX_REJECTED_SHARE: String(predictor.maxRejectedShare),
        PRESIGN_TTL_SECONDS: String(predictor.presignTtlSeconds),
        // The `results/` lifecycle rule's days: the API offers no download of a result S3 has expired.
        RESULTS_RETENTION_DAYS: String(predictor.dataRetentionDays),
        PREDICTOR_MODEL_PATH: '/var/task/arrest-model.onnx',
        ORT_DISABLE_TELEMETRY: '1',
      },
    };

    this.scorer = new PlatformFunction(this, 'UploadScorer', {
      ...shared,
      entry: path.join(ROOT, 'lambda', 'upload-scorer', 'handler.ts'),
      description: 'Scores CSV / CSV.GZ uploads under uploads/ and records the outcome',
      serviceName: SCORER_SERVICE,
      memorySize: predictor.scorerMemoryMiB,
      timeout: Duration.seconds(predictor.scorerTimeoutSeconds),
    });
    this.grant(this.scorer, ['s3:GetObject'], UPLOADS_PREFIX, 'reads each upload it is notified of');
    // lib-storage uploads large results in parts and aborts them when a file fails.
    this.grant(
      this.scorer,
      ['s3:PutObject', 's3:AbortMultipartUpload'],
      RESULTS_PREFIX,
      'writes each upload\u2019s results',
    );
    this.allowTableAndKey(this.scorer, key, ['dynamodb:UpdateItem']);

    const uploadEvents = this.createUploadEvents(key, Duration.seconds(predictor.scorerTimeoutSeconds));
    this.uploadEvents = uploadEvents.queue;
    this.deadLetterQueue = uploadEvents.deadLetters;
    // One file per invocation (scoring may take minutes); a message whose upload failed for a reason
    // that may pass is reported alone, so SQS retries it and, after 3 receives, moves it to the
    // dead-letter queue, from which the dlq-redrive playbook can move it back.
    const mapping = new lambda.EventSourceMapping(this, 'ScorerReadsUploadEvents', {
      target: this.scorer.live,
      eventSourceArn: this.uploadEvents.queueArn,
      batchSize: 1,
      reportBatchItemFailures: true,
    });
    this.uploadEvents.grantConsumeMessages(this.scorer.live);
    Validations.of(mapping).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'An SQS source keeps failed messages itself: the upload queue\u2019s redrive policy moves them to its dead-letter queue.',
    });
    Validations.of(this.scorer.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked only by its SQS event source mapping: failed upload events stay in the queue and move to its dead-letter queue.',
    });
    this.notifyUploads();

    this.api = new PlatformFunction(this, 'Api', {
      ...shared,
      entry: path.join(ROOT, 'lambda', 'predictor-api', 'handler.ts'),
      description: 'Predictor HTTP API: upload URLs, results, synchronous scoring, health',
      serviceName: 'predictor-api',
      memorySize: 1024,
      timeout: API_TIMEOUT,
      reservedConcurrency: predictor.apiReservedConcurrency,
    });
    // Presigned URLs carry the function's own permissions.
    Validations.of(this.api.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Only API Gateway invokes it, synchronously: errors return to the caller, no event waits to be kept.',
    });
    this.grant(this.api, ['s3:PutObject'], UPLOADS_PREFIX, 'signs upload URLs for new uploads');
    this.grant(this.api, ['s3:GetObject'], RESULTS_PREFIX, 'signs download URLs for finished results');
    this.allowTableAndKey(this.api, key, ['dynamodb:GetItem', 'dynamodb:PutItem']);
    // Only Query, and only on the uploader index: the listing of a person's uploads.
    this.api.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${this.resultsTable.tableArn}/index/${UPLOADER_INDEX.indexName}`],
      }),
    );

    // Self-healing may roll these functions' `live` alias back and raise their concurrency.
    for (const fn of [this.scorer, this.api]) Tags.of(fn.function).add(OPT_IN_TAG, 'true');

    const signIn = this.createUploadSignIn(config);
    this.uploadUsers = signIn.userPool;
    this.siteClient = signIn.client;
    const { httpApi, stage } = this.createHttpApi(config, key);
    this.httpApi = httpApi;
    this.writeUploadSiteConfig(config, stage, key);
    if (predictor.resultsMail.enabled) this.resultsMail = this.createResultsMail(config, key);
    this.monitoring = this.addMonitoring(config, stage, props.alarmRouting);
  }

  /**
   * The upload site's `config.json`, written into the site bucket (the upload-site stack, us-east-1)
   * by its fixed name: the API URL and the client id exist only here, and a stack of another region
   * cannot reference them. Not pruned, so the site's own files stay; `no-cache`, so a new API URL
   * reaches browsers on their next visit. The deployment's function, in this region, writes to the
   * bucket in us-east-1 through the AWS CLI, which follows S3's redirect to the bucket's region.
   */
  private writeUploadSiteConfig(config: EnvironmentConfig, stage: apigwv2.HttpStage, key: kms.IKey): void {
    const site = config.predictor.uploadSite;
    const siteConfig: UploadSiteConfig = {
      apiUrl: stage.url,
      region: this.region,
      clientId: this.siteClient.userPoolClientId,
      signIn:
        site.domainPrefix === undefined
          ? null
          : `https://${site.domainPrefix}.auth.${this.region}.amazoncognito.com`,
      maxUploadBytes: config.predictor.maxUploadMiB * 1024 * 1024,
      uploadExpiryDays: site.uploadExpiryDays,
    };
    const siteBucket = s3.Bucket.fromBucketName(
      this,
      'UploadSiteBucket',
      uploadSiteBucketName(config, this.account),
    );
    const deployment = new s3deploy.BucketDeployment(this, 'UploadSiteConfig', {
      ...bucketDeploymentHandlerProps(this, { logRetentionDays: config.logs.retentionDays, logKey: key }),
      sources: [s3deploy.Source.jsonData('config.json', siteConfig)],
      destinationBucket: siteBucket,
      prune: false,
      cacheControl: [s3deploy.CacheControl.noCache()],
    });
    acknowledgeBucketDeploymentFindings(deployment, siteBucket, 'the upload site\u2019s config.json');
  }

  /**
   * The "results ready" mail: a function fed by the results table's stream, a dead-letter queue for
   * the records it failed for good, and the SES configuration set every mail is sent with.
   */
  private createResultsMail(
    config: EnvironmentConfig,
    key: kms.IKey,
  ): NonNullable<PredictorStack['resultsMail']> {
    const { fromAddress, identity } = config.predictor.resultsMail;
    if (fromAddress === undefined || identity === undefined) {
      throw new Error('predictor.resultsMail.enabled needs fromAddress and identity');
    }
    const configurationSet = new ses.ConfigurationSet(this, 'ResultsMailConfigurationSet', {
      configurationSetName: physicalName(config, 'predictor-results-mail'),
      // An address that bounced or complained is not mailed again by this configuration set, whatever
      // the account-level list says (SES developer guide, "Using configuration set-level suppression").
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
      sendingEnabled: true,
    });
    // To the account's default event bus rather than an SNS topic: SES publishes to a KMS-encrypted
    // topic only when the key's policy admits ses.amazonaws.com, which the platform key's does not,
    // and an unencrypted topic would hold recipients' addresses in the clear. The default bus needs
    // no resource policy for SES ("Set up an Amazon EventBridge event destination", SES developer
    // guide); rules there can route the events later.
    configurationSet.addEventDestination('BounceAndComplaintEvents', {
      destination: ses.EventDestination.eventBus(
        events.EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      ),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.REJECT],
    });

    const deadLetters = new DeadLetterQueue(this, 'ResultsMailDeadLetters', {
      encryptionKey: key,
      holds: 'results-table stream records the results mailer failed 3 retries in a row',
    });
    const mailer = new PlatformFunction(this, 'ResultsMailer', {
      entry: path.join(ROOT, 'lambda', 'results-mailer', 'handler.ts'),
      description: 'Mails the uploader when an upload finished scoring',
      serviceName: 'predictor-results-mailer',
      metricsNamespace: METRICS_NAMESPACE,
      logKey: key,
      logRetentionDays: config.logs.retentionDays,
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: {
        MAIL_FROM_ADDRESS: fromAddress,
        MAIL_CONFIGURATION_SET: configurationSet.configurationSetName,
        ...(config.predictor.uploadSite.siteUrl !== undefined && {
          SITE_URL: config.predictor.uploadSite.siteUrl,
        }),
      },
    });
    // SendEmail authorizes the identity and the configuration set it names ("Actions, resources, and
    // condition keys for Amazon Simple Email Service (SES) v2", SendEmail: identity, configuration-set),
    // and only from the configured sender.
    const sesArn = (resource: string, resourceName: string) =>
      this.formatArn({ service: 'ses', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    mailer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          sesArn('identity', identity),
          sesArn('configuration-set', configurationSet.configurationSetName),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': fromAddress } },
      }),
    );
    // Only uploads whose status is final and that carry an uploader address reach the function
    // (Lambda developer guide, "Using event filtering with a DynamoDB event source": filters match
    // `dynamodb.NewImage.<attribute>.<type>`). Whether the change is the first final one needs the old
    // image too, which a filter cannot compare, so the function decides that.
    new lambda.EventSourceMapping(this, 'MailerReadsResults', {
      target: mailer.live,
      eventSourceArn: this.resultsTable.tableStreamArn,
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 10,
      maxBatchingWindow: Duration.seconds(1),
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: 3,
      // Unsent for a day is no longer "results ready": kept in the dead-letter queue instead.
      maxRecordAge: Duration.days(1),
      // The destination's ARN only: SqsDlq would grant KMS wildcards (kms:ReEncrypt*, GenerateDataKey*);
      // the two KMS actions sending to an encrypted queue takes are granted below.
      onFailure: { bind: () => ({ destination: deadLetters.queueArn }) },
      filters: [
        lambda.FilterCriteria.filter({
          eventName: lambda.FilterRule.or('INSERT', 'MODIFY'),
          dynamodb: {
            NewImage: {
              status: { S: lambda.FilterRule.or('SUCCEEDED', 'PARTIAL', 'FAILED') },
              uploaderEmail: { S: lambda.FilterRule.exists() },
            },
          },
        }),
      ],
    });
    this.resultsTable.grantStreamRead(mailer.live);
    mailer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetters.queueArn] }),
    );
    mailer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
    );
    Validations.of(mailer.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked only by its DynamoDB stream event source mapping, whose on-failure destination keeps the records it failed.',
    });
    Tags.of(mailer.function).add(OPT_IN_TAG, 'true');
    return { mailer, deadLetters, configurationSet };
  }

  /**
   * SES's reputation metrics for the account (no dimensions), against SES's own thresholds: high at
   * the review threshold, critical at the pause threshold. Reputation metrics are a running rate over
   * recent sends, published about hourly, so one breaching datapoint is enough.
   */
  private addSesReputationAlarms(monitoring: ServiceMonitoring): void {
    const rate = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName,
        statistic: 'Maximum',
        period: Duration.hours(1),
      });
    const signals = [
      ['bounce-rate', 'Reputation.BounceRate', SES_THRESHOLDS.bounce, 'Mails to addresses that do not exist'],
      [
        'complaint-rate',
        'Reputation.ComplaintRate',
        SES_THRESHOLDS.complaint,
        'Recipients marking mails as spam',
      ],
    ] as const;
    for (const [signal, metricName, threshold, cause] of signals) {
      for (const [stage, severity, value, consequence] of [
        ['review', 'high', threshold.review, 'SES puts the account under review'],
        ['pause', 'critical', threshold.pause, 'SES may pause the account\u2019s sending'],
      ] as const) {
        monitoring.addAlarm(
          this,
          { kind: 'ses', name: 'account' },
          {
            signal: `${signal}-${stage}`,
            metric: rate(metricName),
            threshold: value,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluationPeriods: 1,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
            severity,
            summary: `${cause}: the account's SES ${signal.replace('-', ' ')} reached the level at which ${consequence}.`,
            thresholdReason: `${value * 100}% of sends, SES's ${stage} threshold`,
          },
        );
      }
    }
  }

  /**
   * The queue S3 sends upload notifications to, with its dead-letter queue. A queue rather than S3
   * invoking the function: SQS redrives (StartMessageMoveTask) only a dead-letter queue whose sources
   * are SQS queues, so failed uploads can be moved back by the dlq-redrive playbook.
   */
  private createUploadEvents(
    key: kms.IKey,
    scorerTimeout: Duration,
  ): { queue: sqs.Queue; deadLetters: DeadLetterQueue } {
    const deadLetters = new DeadLetterQueue(this, 'UploadEventDeadLetters', {
      encryptionKey: key,
      holds: 'upload events the scorer failed 3 receives in a row',
    });
    const queue = new sqs.Queue(this, 'UploadEvents', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      // "Set the queue's visibility timeout to at least six times the function timeout. This ensures
      // Lambda has enough time to retry if a function is throttled while processing a previous batch."
      // (SQS developer guide, "Configuring an Amazon SQS queue to trigger an AWS Lambda function",
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-lambda-function-trigger.html)
      visibilityTimeout: Duration.seconds(6 * scorerTimeout.toSeconds()),
      // SQS's default, stated: a message keeps its first enqueue time in the dead-letter queue (SQS
      // developer guide, "Using dead-letter queues in Amazon SQS"), whose 14 days leave 10 to redrive it.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 3 },
    });
    // S3 may send here only for this bucket of this account ("Granting permissions to publish event
    // notification messages to a destination", S3 user guide: SQS:SendMessage for s3.amazonaws.com with
    // aws:SourceArn and aws:SourceAccount). By ARN, not by the bucket resource: that would be a cycle.
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: {
          ArnEquals: { 'aws:SourceArn': this.bucketArn },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      }),
    );
    // The dlq-redrive playbook moves messages only between queues that opted in, both of them.
    for (const opted of [queue, deadLetters]) Tags.of(opted).add(OPT_IN_TAG, 'true');
    return { queue, deadLetters };
  }

  /**
   * ObjectCreated under `uploads/` to the upload-events queue. Set on the L1 bucket: CDK's
   * `addEventNotification` would add its notification custom resource and that resource's wildcard policy.
   */
  private notifyUploads(): void {
    Validations.of(this.dataBucket).acknowledge({
      id: '@aws-cdk/aws-s3:accessLogsPolicyNotAdded',
      reason:
        'The core stack\u2019s access-log bucket policy admits server access logs from every bucket of the account.',
    });
    const cfnBucket = this.dataBucket.node.defaultChild as s3.CfnBucket;
    cfnBucket.notificationConfiguration = {
      queueConfigurations: [
        {
          event: 's3:ObjectCreated:*',
          queue: this.uploadEvents.queueArn,
          filter: { s3Key: { rules: [{ name: 'prefix', value: UPLOADS_PREFIX }] } },
        },
      ],
    };
    // S3 checks that it may send to the queue when the notification is set (it sends s3:TestEvent).
    const queuePolicy = this.uploadEvents.node.tryFindChild('Policy');
    if (queuePolicy) cfnBucket.node.addDependency(queuePolicy);
  }

  /** The HTTP API in front of the API function's live alias: IAM-authorized, throttled, access-logged. */
  private createHttpApi(
    config: EnvironmentConfig,
    key: kms.IKey,
  ): { httpApi: apigwv2.HttpApi; stage: apigwv2.HttpStage } {
    const predictor = config.predictor;
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: config.logs.retentionDays as logs.RetentionDays,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: physicalName(config, 'predictor-api'),
      description: 'Chicago-crimes arrest predictor',
      createDefaultStage: false,
      // Callers sign requests with SigV4; access is granted with execute-api:Invoke.
      defaultAuthorizer: new HttpIamAuthorizer(),
      // For the site's browser routes. With CORS configured, API Gateway answers preflight OPTIONS
      // requests itself, with no OPTIONS route needed ("Configure CORS for HTTP APIs in API Gateway"),
      // so a preflight reaches no authorizer: every route names its method, none is ANY or $default.
      corsPreflight: {
        allowOrigins: this.siteOrigins,
        allowHeaders: ['Authorization', 'Content-Type'],
        allowMethods: [
          apigwv2.CorsHttpMethod.GET,
          apigwv2.CorsHttpMethod.POST,
          apigwv2.CorsHttpMethod.OPTIONS,
        ],
        maxAge: Duration.hours(1),
      },
    });
    const stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: predictor.apiRateLimit, burstLimit: predictor.apiBurstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            caller: '$context.identity.userArn',
            sourceIp: '$context.identity.sourceIp',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const integration = new HttpLambdaIntegration('ApiIntegration', this.api.live);
    const routes: [string, apigwv2.HttpMethod][] = [
      ['/uploads', apigwv2.HttpMethod.POST],
      ['/results/{id}', apigwv2.HttpMethod.GET],
      ['/predict', apigwv2.HttpMethod.POST],
      ['/health', apigwv2.HttpMethod.GET],
    ];
    for (const [routePath, method] of routes) {
      httpApi.addRoutes({ path: routePath, methods: [method], integration });
    }
    // The site's routes take the user pool's tokens instead of SigV4. API Gateway checks the
    // signature, issuer and expiry, and that `aud` (or, without `aud`, `client_id`) is the site
    // client ("Control access to HTTP APIs with JWT authorizers in API Gateway").
    const siteUsers = new HttpJwtAuthorizer(
      'UploadSiteAuthorizer',
      `https://cognito-idp.${this.region}.amazonaws.com/${this.uploadUsers.userPoolId}`,
      { jwtAudience: [this.siteClient.userPoolClientId] },
    );
    const appRoutes: [string, apigwv2.HttpMethod][] = [
      ['/app/uploads', apigwv2.HttpMethod.POST],
      ['/app/uploads', apigwv2.HttpMethod.GET],
      ['/app/results/{id}', apigwv2.HttpMethod.GET],
    ];
    for (const [routePath, method] of appRoutes) {
      httpApi.addRoutes({ path: routePath, methods: [method], integration, authorizer: siteUsers });
    }

    return { httpApi, stage };
  }

  /**
   * The user pool of the people who upload through the browser, and the site's public client. Email is
   * the user name; an administrator creates users unless self sign-up is configured.
   */
  private createUploadSignIn(config: EnvironmentConfig): {
    userPool: cognito.UserPool;
    client: cognito.UserPoolClient;
  } {
    const site = config.predictor.uploadSite;
    const userPool = new cognito.UserPool(this, 'UploadUsers', {
      userPoolName: physicalName(config, 'predictor-uploaders'),
      selfSignUpEnabled: site.selfSignUp,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      // A changed address takes effect once verified: a mistyped one cannot lock its user out.
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      // The uploader's opt-out of the results mail (`off`); an administrator sets it with
      // admin-update-user-attributes. The ID token carries it, so the API records it on each upload.
      customAttributes: {
        [RESULTS_MAIL_OPT_OUT.attribute]: new cognito.StringAttribute({ maxLen: 8, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Threat protection (formerly advanced security features) "is available in the Plus feature plan"
      // only ("Advanced security with threat protection", Cognito developer guide), which is priced
      // per monthly active user above Essentials, so it stays off.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      // The users are state, like the results table: kept when the stack goes, and not deletable by accident.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional (TOTP): uploaders are created by an administrator and may enrol a TOTP app; required MFA would need every uploader enrolled before a first upload, and SMS MFA is not offered (cost, SIM swap).',
    });
    const plusCost =
      'the Cognito Plus feature plan, priced above Essentials per monthly active user, for a handful of administrator-created uploaders; sign-in failures are alarmed on instead.';
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG3',
      reason: `Threat protection (AdvancedSecurityMode ENFORCED) is available only in ${plusCost}`,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason: `The pool stays on Essentials: the Plus tier this rule asks for is ${plusCost}`,
    });
    if (site.domainPrefix !== undefined) {
      userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: site.domainPrefix } });
    }
    const urls = site.callbackUrls.length > 0 ? [...site.callbackUrls] : [LOCAL_SITE_URL];
    const client = userPool.addClient('SiteClient', {
      userPoolClientName: physicalName(config, 'predictor-upload-site'),
      // A browser cannot keep a secret. PKCE is the client's part: Cognito returns tokens for a code
      // requested with a code_challenge only to the matching code_verifier ("Using PKCE in
      // authorization code grants", Cognito developer guide). That page names no app-client setting
      // that requires PKCE, so the site must always send one.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: urls,
        logoutUrls: urls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      // Within the documented ranges: access and ID tokens 5 minutes to 1 day, refresh tokens 60
      // minutes to 10 years (CreateUserPoolClient, AccessTokenValidity / IdTokenValidity / RefreshTokenValidity).
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    // What `aws cognito-idp admin-create-user` and the site's sign-in need.
    new CfnOutput(this, 'UploadUserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'UploadSiteClientId', { value: client.userPoolClientId });
    return { userPool, client };
  }

  /**
   * Failed sign-ins as a share of attempts. Cognito publishes `SignInSuccesses` per user pool and
   * client every 5 minutes, 1 for a success and 0 for a failure or throttle: `SampleCount` counts
   * attempts, `Sum` successes ("User pool metrics in CloudWatch", Cognito developer guide).
   */
  private addSignInFailureAlarm(monitoring: ServiceMonitoring): void {
    const dimensionsMap = {
      UserPool: this.uploadUsers.userPoolId,
      UserPoolClient: this.siteClient.userPoolClientId,
    };
    const signIns = (statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Cognito',
        metricName: 'SignInSuccesses',
        dimensionsMap,
        statistic,
        period: Duration.minutes(5),
      });
    monitoring.addAlarm(
      this,
      { kind: 'cognito', name: 'upload-users' },
      {
        signal: 'sign-in-failure-rate',
        metric: new cloudwatch.MathExpression({
          expression: `IF(attempts >= ${SIGN_IN_MIN_ATTEMPTS}, 100 * (attempts - successes) / attempts, 0)`,
          usingMetrics: { attempts: signIns('SampleCount'), successes: signIns('Sum') },
          period: Duration.minutes(5),
          label: 'Sign-in failures (%)',
        }),
        threshold: SIGN_IN_FAILURE_PERCENT,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'warning',
        summary:
          'Most sign-ins to the upload site fail: password guessing, or a broken sign-in page or client setting.',
        thresholdReason: `more than ${SIGN_IN_FAILURE_PERCENT}% of sign-in attempts, from ${SIGN_IN_MIN_ATTEMPTS} attempts per 5 minutes`,
        thresholdUnit: '%',
      },
    );
  }

  /** Alarms, objectives and the dashboard of the predictor service. */
  private addMonitoring(
    config: EnvironmentConfig,
    stage: apigwv2.HttpStage,
    routing: AlarmRouting | undefined,
  ): ServiceMonitoring {
    const predictor = config.predictor;
    const monitoring = new ServiceMonitoring(this, 'Monitoring', {
      logArchive: this.logArchive,
      service: 'predictor',
      alarmNamePrefix: alarmNamePrefix(config),
      routing,
      runbookBaseUrl: config.monitoring.runbookBaseUrl,
      overrides: config.monitoring.overrides,
      logRetentionDays: config.logs.retentionDays,
    });
    monitoring.monitorLambda(this.scorer.function, { name: 'upload-scorer', alias: this.scorer.live });
    monitoring.monitorLambda(this.api.function, {
      name: 'api',
      alias: this.api.live,
      trafficDrop: true,
    });
    // The API waits for the function, so its latency budget is the function's timeout, not API Gateway's.
    monitoring.monitorHttpApi(this.httpApi, { name: 'http-api', stage, backendTimeout: API_TIMEOUT });
    monitoring.monitorTable(this.resultsTable, { name: 'results-table' });
    // Its dead-letter queue's alarm names the dlq-redrive playbook: the messages have a queue to go back to.
    monitoring.monitorQueue(this.uploadEvents, { name: 'upload-events' });
    new ServiceLevelObjective(this, 'ApiAvailability', {
      name: 'api',
      indicator: httpApiAvailability(this.httpApi.apiId),
      target: predictor.availabilityTarget,
      monitoring,
    });
    new ServiceLevelObjective(this, 'ApiLatency', {
      name: 'api-function',
      indicator: lambdaLatency(this.api.function, predictor.latencyThresholdMs),
      target: predictor.latencyTarget,
      monitoring,
    });
    this.addDriftAlarm(monitoring);
    this.addSignInFailureAlarm(monitoring);
    if (this.resultsMail !== undefined) {
      const { mailer, deadLetters } = this.resultsMail;
      monitoring.monitorLambda(mailer.function, { name: 'results-mailer', alias: mailer.live });
      monitoring.monitorQueue(deadLetters, { name: 'results-mail-dead-letters', deadLetter: true });
      this.addSesReputationAlarms(monitoring);
    }
    monitoring.addServiceHealthAlarm();
    new ServiceDashboard(this, 'Dashboard', {
      monitoring,
      dashboardName: physicalName(config, 'predictor'),
    });
    return monitoring;
  }

  /** Object actions under one key prefix of the data bucket, by ARN so no dependency on the bucket arises. */
  private grant(fn: PlatformFunction, actions: string[], prefix: string, purpose: string): void {
    const resource = `${this.bucketArn}/${prefix}*`;
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [resource] }));
    Validations.of(fn.role).acknowledge({
      id: wildcardResourceFinding(this, resource),
      reason: `The function ${purpose}; object names are generated per upload, so the grant is the ${prefix} prefix.`,
    });
  }

  private allowTableAndKey(fn: PlatformFunction, key: kms.IKey, tableActions: string[]): void {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: tableActions, resources: [this.resultsTable.tableArn] }),
    );
    // SSE-KMS objects and the table need the key for every read and write.
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
    );
  }

  /**
   * The mean predicted probability per file is a drift signal with no fixed right value, so it is
   * watched with anomaly detection. The alarm follows the model version this stack ships (read from
   * the model card at synth): a new release starts a new band. It names no playbook: its metric has no
   * `FunctionName` dimension, so the remediation dispatcher could not resolve a function to roll back,
   * and drift in the inputs is not something a rollback clears. A drift right after a release points
   * at the release; the on-call engineer decides.
   */
  private addDriftAlarm(monitoring: ServiceMonitoring): void {
    const modelVersion = modelVersionOf(path.join(ROOT, MODEL_FILES[0][0]));
    monitoring.addAnomalyAlarm(
      this,
      { kind: 'model', name: 'arrest-model' },
      {
        signal: 'mean-probability-drift',
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'MeanProbability',
          dimensionsMap: { service: SCORER_SERVICE, ModelVersion: modelVersion },
          statistic: 'Average',
          period: Duration.hours(1),
        }),
        stdDevs: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: 'warning',
        summary: `Mean predicted arrest probability of ${modelVersion} left its usual band: inputs or the model drifted.`,
        thresholdReason: 'outside the 3-standard-deviation anomaly band',
      },
    );
  }
}

/** The origins of the site's callback URLs, or of the local console when none are configured. */
function siteOriginsOf(callbackUrls: readonly string[]): string[] {
  const urls = callbackUrls.length > 0 ? callbackUrls : [LOCAL_SITE_URL];
  return [...new Set(urls.map((url) => new URL(url).origin))];
}
