import '../support/test-environment';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createAwsClients, DEFAULT_CONNECTION_TIMEOUT_MS } from '../../../lambda/shared/aws-clients';
import { startLocalDynamoDb, TEST_CREDENTIALS, TEST_REGION } from '../support/local-dynamodb';

/** The options the SDK's Node.js handler was built with, as it reports them once it has sent a request. */
function handlerConfig(client: { config: { requestHandler: unknown } }) {
  return (
    client.config.requestHandler as { httpHandlerConfigs(): { connectionTimeout?: number } }
  ).httpHandlerConfigs();
}

test('every client gives up on a connection that is not established within the default, 3 s', async () => {
  const local = await startLocalDynamoDb();
  try {
    const clients = createAwsClients({
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      dynamoDbEndpoint: local.endpoint,
    });
    await clients.dynamoDb.send(new ListTablesCommand({}));
    expect(DEFAULT_CONNECTION_TIMEOUT_MS).toBe(3000);
    expect(handlerConfig(clients.dynamoDb).connectionTimeout).toBe(3000);
    clients.dynamoDb.destroy();

    const tuned = createAwsClients({
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      dynamoDbEndpoint: local.endpoint,
      connectionTimeoutMs: 500,
    });
    await tuned.dynamoDb.send(new ListTablesCommand({}));
    expect(handlerConfig(tuned.dynamoDb).connectionTimeout).toBe(500);
    tuned.dynamoDb.destroy();
  } finally {
    await local.close();
  }
});
