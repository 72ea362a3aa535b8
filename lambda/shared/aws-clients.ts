import type { BudgetsClient } from '@aws-sdk/client-budgets';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { XRayClient } from '@aws-sdk/client-xray';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './observability';

/** Overrides for running against local stand-ins; a deployed function passes none. */
export interface AwsClientOptions {
  /** @default the region Lambda runs in (AWS_REGION) */
  readonly region?: string;
  /** @default the function's execution role */
  readonly credentials?: S3ClientConfig['credentials'];
  /** DynamoDB endpoint, such as a local DynamoDB in tests. @default the regional endpoint */
  readonly dynamoDbEndpoint?: string;
  /**
   * Most milliseconds a client waits for a TCP connection to be established; then that attempt fails
   * with a TimeoutError, which the SDK retries like any network error. A connection to a regional
   * endpoint takes milliseconds: one that takes seconds has lost its SYN, and without a limit the call
   * would wait for the operating system's own timeout, minutes. It does not bound a request once
   * connected (a slow answer, a large upload): callers with a deadline pass an abort signal for that.
   * 0 turns it off, as the SDK's default is.
   * @default 3000
   */
  readonly connectionTimeoutMs?: number;
  /**
   * Called with every client as it is created, e.g. to add a middleware in a benchmark.
   * @default nothing
   */
  readonly onCreate?: (client: AnyClient) => void;
}

/** Any client {@link createAwsClients} makes (before DynamoDB's document wrapper). */
export type AnyClient =
  | S3Client
  | DynamoDBClient
  | CloudWatchClient
  | CloudWatchLogsClient
  | XRayClient
  | CloudTrailClient
  | SNSClient
  | SQSClient
  | SecretsManagerClient
  | LambdaClient
  | SFNClient
  | CostExplorerClient
  | BudgetsClient
  | SESv2Client
  | EventBridgeClient
  | ResourceGroupsTaggingAPIClient;

/**
 * Every AWS client Vigil's functions use, created in this one place. Each is created on first use,
 * so a function pays the cold-start cost only of the clients it touches; all are X-Ray traced except
 * the presigner, which never sends a request.
 */
export interface AwsClients {
  /** S3 for reading uploads, writing results and alert graphs. */
  readonly s3: S3Client;
  /** S3 only for presigning URLs; it never sends a request itself. */
  readonly presigningS3: S3Client;
  /** DynamoDB with plain JavaScript values in and out. */
  readonly dynamoDb: DynamoDBDocumentClient;
  readonly cloudWatch: CloudWatchClient;
  readonly logs: CloudWatchLogsClient;
  readonly xray: XRayClient;
  readonly cloudTrail: CloudTrailClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly secretsManager: SecretsManagerClient;
  readonly lambda: LambdaClient;
  readonly stepFunctions: SFNClient;
  /** Cost Explorer answers in us-east-1 only, whatever region the function runs in. */
  readonly costExplorer: CostExplorerClient;
  /** AWS Budgets answers in us-east-1 only. */
  readonly budgets: BudgetsClient;
  readonly ses: SESv2Client;
  /** EventBridge, for workloads putting business alerts on the platform bus. */
  readonly eventBridge: EventBridgeClient;
  /** The Resource Groups Tagging API, for finding a service's resources by tag (live dashboards). */
  readonly resourceGroupsTagging: ResourceGroupsTaggingAPIClient;
}

/**
 * Each client's package, loaded (by `require`) when the client is first used rather than with this
 * module, so that a function's module init loads only the packages it uses: with all fifteen
 * imported up front, loading them took about 350 ms of the 400 ms init of the approval function,
 * which uses three (`npm run bench:bundles`, on a local Node 24).
 */
const sdk = {
  budgets: () => require('@aws-sdk/client-budgets') as typeof import('@aws-sdk/client-budgets'),
  cloudTrail: () => require('@aws-sdk/client-cloudtrail') as typeof import('@aws-sdk/client-cloudtrail'),
  cloudWatch: () => require('@aws-sdk/client-cloudwatch') as typeof import('@aws-sdk/client-cloudwatch'),
  logs: () => require('@aws-sdk/client-cloudwatch-logs') as typeof import('@aws-sdk/client-cloudwatch-logs'),
  costExplorer: () =>
    require('@aws-sdk/client-cost-explorer') as typeof import('@aws-sdk/client-cost-explorer'),
  dynamoDb: () => require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb'),
  dynamoDbDocument: () => require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb'),
  eventBridge: () => require('@aws-sdk/client-eventbridge') as typeof import('@aws-sdk/client-eventbridge'),
  lambda: () => require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda'),
  resourceGroupsTagging: () =>
    require('@aws-sdk/client-resource-groups-tagging-api') as typeof import('@aws-sdk/client-resource-groups-tagging-api'),
  s3: () => require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3'),
  secretsManager: () =>
    require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager'),
  ses: () => require('@aws-sdk/client-sesv2') as typeof import('@aws-sdk/client-sesv2'),
  stepFunctions: () => require('@aws-sdk/client-sfn') as typeof import('@aws-sdk/client-sfn'),
  sns: () => require('@aws-sdk/client-sns') as typeof import('@aws-sdk/client-sns'),
  sqs: () => require('@aws-sdk/client-sqs') as typeof import('@aws-sdk/client-sqs'),
  xray: () => require('@aws-sdk/client-xray') as typeof import('@aws-sdk/client-xray'),
};

/** See {@link AwsClientOptions.connectionTimeoutMs}. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 3000;

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const common = {
    region: options.region,
    credentials: options.credentials,
    // The Node.js handler's options (@smithy/node-http-handler); the SDK builds its handler from them.
    requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS },
  };
  const traced = <T extends AnyClient>(client: T): T => {
    options.onCreate?.(client);
    return tracer.captureAWSv3Client(client);
  };
  const made = new Map<keyof AwsClients, unknown>();
  const once = <K extends keyof AwsClients>(name: K, create: () => AwsClients[K]): AwsClients[K] => {
    if (!made.has(name)) made.set(name, create());
    return made.get(name) as AwsClients[K];
  };
  return {
    get s3() {
      return once('s3', () => traced(new (sdk.s3().S3Client)(common)));
    },
    get presigningS3() {
      // By default the SDK signs a CRC32 of the *empty* body into a presigned PUT, so S3 would reject
      // every real upload with BadDigest; checksums are left to the uploader instead.
      return once(
        'presigningS3',
        () => new (sdk.s3().S3Client)({ ...common, requestChecksumCalculation: 'WHEN_REQUIRED' }),
      );
    },
    get dynamoDb() {
      return once('dynamoDb', () =>
        sdk
          .dynamoDbDocument()
          .DynamoDBDocumentClient.from(
            traced(new (sdk.dynamoDb().DynamoDBClient)({ ...common, endpoint: options.dynamoDbEndpoint })),
            {
              // Optional attributes are left out of an item rather than stored as NULL.
              marshallOptions: { removeUndefinedValues: true },
            },
          ),
      );
    },
    get cloudWatch() {
      return once('cloudWatch', () => traced(new (sdk.cloudWatch().CloudWatchClient)(common)));
    },
    get logs() {
      return once('logs', () => traced(new (sdk.logs().CloudWatchLogsClient)(common)));
    },
    get xray() {
      return once('xray', () => traced(new (sdk.xray().XRayClient)(common)));
    },
    get cloudTrail() {
      return once('cloudTrail', () => traced(new (sdk.cloudTrail().CloudTrailClient)(common)));
    },
    get sns() {
      return once('sns', () => traced(new (sdk.sns().SNSClient)(common)));
    },
    get sqs() {
      return once('sqs', () => traced(new (sdk.sqs().SQSClient)(common)));
    },
    get secretsManager() {
      return once('secretsManager', () => traced(new (sdk.secretsManager().SecretsManagerClient)(common)));
    },
    get lambda() {
      return once('lambda', () => traced(new (sdk.lambda().LambdaClient)(common)));
    },
    get stepFunctions() {
      return once('stepFunctions', () => traced(new (sdk.stepFunctions().SFNClient)(common)));
    },
    get costExplorer() {
      return once('costExplorer', () =>
        traced(new (sdk.costExplorer().CostExplorerClient)({ ...common, region: 'us-east-1' })),
      );
    },
    get budgets() {
      return once('budgets', () =>
        traced(new (sdk.budgets().BudgetsClient)({ ...common, region: 'us-east-1' })),
      );
    },
    get ses() {
      return once('ses', () => traced(new (sdk.ses().SESv2Client)(common)));
    },
    get eventBridge() {
      return once('eventBridge', () => traced(new (sdk.eventBridge().EventBridgeClient)(common)));
    },
    get resourceGroupsTagging() {
      return once('resourceGroupsTagging', () =>
        traced(new (sdk.resourceGroupsTagging().ResourceGroupsTaggingAPIClient)(common)),
      );
    },
  };
}
