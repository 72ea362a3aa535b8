import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './observability';

/** Overrides for running against local stand-ins; a deployed function passes none. */
export interface AwsClientOptions {
  /** @default the region Lambda runs in (AWS_REGION) */
  readonly region?: string;
  /** @default the function's execution role */
  readonly credentials?: S3ClientConfig['credentials'];
  /** DynamoDB endpoint, such as a local DynamoDB in tests. @default the regional endpoint */
  readonly dynamoDbEndpoint?: string;
}

/** Every AWS client the predictor functions use, created in this one place. */
export interface AwsClients {
  /** S3 for reading uploads and writing results; traced. */
  readonly s3: S3Client;
  /** S3 only for presigning URLs; it never sends a request itself. */
  readonly presigningS3: S3Client;
  /** DynamoDB with plain JavaScript values in and out; traced. */
  readonly dynamoDb: DynamoDBDocumentClient;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const common = { region: options.region, credentials: options.credentials };
  const s3 = tracer.captureAWSv3Client(new S3Client(common));
  // By default the SDK signs a CRC32 of the *empty* body into a presigned PUT, so S3 would reject
  // every real upload with BadDigest; checksums are left to the uploader instead.
  const presigningS3 = new S3Client({ ...common, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const dynamoDbClient = tracer.captureAWSv3Client(
    new DynamoDBClient({ ...common, endpoint: options.dynamoDbEndpoint }),
  );
  const dynamoDb = DynamoDBDocumentClient.from(dynamoDbClient, {
    // Optional attributes are left out of an item rather than stored as NULL.
    marshallOptions: { removeUndefinedValues: true },
  });
  return { s3, presigningS3, dynamoDb };
}
