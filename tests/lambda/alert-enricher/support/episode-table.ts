import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EPISODE_TABLE_KEYS } from '../../../../lambda/alert-enricher/episodes/episode-store';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/local-dynamodb';

let tables = 0;

/** Creates an episode table, keyed as the stack keys it, on a local DynamoDB and returns its name. */
export async function createEpisodeTable(endpoint: string): Promise<string> {
  const admin = new DynamoDBClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint });
  const name = `episodes-${++tables}`;
  try {
    await admin.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: [
          { AttributeName: EPISODE_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: EPISODE_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: EPISODE_TABLE_KEYS.partitionKey, AttributeType: 'S' },
          { AttributeName: EPISODE_TABLE_KEYS.sortKey, AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } finally {
    admin.destroy();
  }
  return name;
}
