import '../support/test-environment';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createAwsClients, DEFAULT_CONNECTION_TIMEOUT_MS } from '../../../lambda/shared/aws-clients';
import { startLocalDynamoDb, TEST_CREDENTIALS, TEST_REGION } from '../support/local-dynamodb';

const ROOT = path.resolve(__dirname, '../../..');

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

describe('loading the SDK', () => {
  it('loads a client package only when a function first uses that client (module init stays short)', () => {
    // A fresh Node process: Jest's module registry would hide what Node itself loaded.
    const script = `
      const { createAwsClients } = require('./lambda/shared/aws-clients');
      const loaded = () => Object.keys(require.cache).filter((file) => /@aws-sdk[\\\\/]client-/.test(file))
        .map((file) => file.match(/@aws-sdk[\\\\/](client-[a-z0-9-]+)/)[1]);
      const clients = createAwsClients({ region: 'eu-west-1' });
      const before = new Set(loaded());
      void clients.sqs;
      console.log(JSON.stringify({ before: [...before], after: [...new Set(loaded())] }));
    `;
    const result = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    const { before, after } = JSON.parse(result.stdout) as { before: string[]; after: string[] };
    expect(before).toEqual([]);
    expect(after).toEqual(['client-sqs']);
  });
});
