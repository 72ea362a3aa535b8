import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { type AwsClients, createAwsClients } from '../../../lambda/shared/aws-clients';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
export const TEST_REGION = 'eu-west-1';

/** A real DynamoDB API (dynalite, in memory) on a free local port, with the functions' clients pointed at it. */
export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly clients: AwsClients;
  /** Creates a results table (key `uploadId`) and returns its name. */
  createResultsTable(): Promise<string>;
  close(): Promise<void>;
}

let tables = 0;

export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = createAwsClients({
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    dynamoDbEndpoint: endpoint,
  });
  const admin = new DynamoDBClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint });
  return {
    endpoint,
    clients,
    async createResultsTable() {
      const name = `results-${++tables}`;
      await admin.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: [{ AttributeName: 'uploadId', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'uploadId', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      return name;
    },
    async close() {
      clients.dynamoDb.destroy();
      admin.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** Creates a table keyed by two string attributes (partition and sort) on a local DynamoDB. */
export async function createTable(
  endpoint: string,
  name: string,
  keys: { readonly partitionKey: string; readonly sortKey: string },
  /** A global secondary index, projecting all attributes, as the stack defines one. */
  index?: { readonly indexName: string; readonly partitionKey: string; readonly sortKey: string },
): Promise<string> {
  const admin = new DynamoDBClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint });
  try {
    await admin.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: [
          { AttributeName: keys.partitionKey, KeyType: 'HASH' },
          { AttributeName: keys.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [keys.partitionKey, keys.sortKey, index?.partitionKey, index?.sortKey]
          .filter((name): name is string => name !== undefined)
          .map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        ...(index && {
          GlobalSecondaryIndexes: [
            {
              IndexName: index.indexName,
              KeySchema: [
                { AttributeName: index.partitionKey, KeyType: 'HASH' },
                { AttributeName: index.sortKey, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } finally {
    admin.destroy();
  }
  return name;
}
