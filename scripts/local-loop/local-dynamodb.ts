import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LOCAL_REGION } from './local-aws';
import type { SynthesizedAppReader } from './synthesized-app';

export interface LocalDynamoDb {
  readonly endpoint: string;
  /** Deployed table names created. */
  readonly tables: readonly string[];
  close(): Promise<void>;
}

/**
 * A real DynamoDB API (dynalite, in memory) with every table of the synthesized app created under its
 * deployed name, with the template's keys and indexes: the handlers' queries run against the schema
 * that would be deployed.
 */
export async function startLocalDynamoDb(reader: SynthesizedAppReader): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const admin = new DynamoDBClient({
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'AKIDLOCALLOOP', secretAccessKey: 'local-loop' },
    endpoint,
  });
  const tables: string[] = [];
  try {
    for (const table of reader.resources('AWS::DynamoDB::Table')) {
      const name = reader.ref(table);
      const properties = table.properties as Partial<CreateTableCommandInput>;
      await admin.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: properties.KeySchema,
          AttributeDefinitions: properties.AttributeDefinitions,
          GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes,
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      tables.push(name);
    }
  } finally {
    admin.destroy();
  }
  return {
    endpoint,
    tables,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
