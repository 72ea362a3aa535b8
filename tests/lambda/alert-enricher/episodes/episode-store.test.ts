import '../../support/test-environment';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { EPISODE_TABLE_KEYS } from '../../../../constructs/contracts/alerting';
import type { AlarmTransition } from '../../../../lambda/alert-enricher/episodes/episode-decision';
import { EpisodeConflictError, EpisodeStore } from '../../../../lambda/alert-enricher/episodes/episode-store';
import { type LocalDynamoDb, startLocalDynamoDb, TEST_REGION } from '../../support/local-dynamodb';
import { createEpisodeTable } from '../support/episode-table';

const NOW = new Date('2026-11-23T03:00:30.000Z');
const THIRTY_DAYS_LATER = Math.floor(NOW.getTime() / 1000) + 30 * 86_400;

let dynamo: LocalDynamoDb;
let tableName: string;
let store: EpisodeStore;
let alarms = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  tableName = await createEpisodeTable(dynamo.endpoint);
  store = new EpisodeStore(dynamo.clients.dynamoDb, tableName, undefined, () => NOW);
});
afterAll(() => dynamo.close());

/** A different alarm per test, so tests share the table without sharing heads. */
function newAlarm() {
  const name = `api-errors-${++alarms}`;
  return { arn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`, name };
}

const transition = (
  eventId: string,
  state: AlarmTransition['state'],
  hhmm: string,
  previousState: AlarmTransition['previousState'] = state === 'ALARM' ? 'OK' : 'ALARM',
): AlarmTransition => ({ eventId, state, previousState, at: `2026-11-23T${hhmm}:00.000Z` });

async function item(arn: string, record: string) {
  const { Item } = await dynamo.clients.dynamoDb.send(
    new GetCommand({ TableName: tableName, Key: { alarm: arn, record } }),
  );
  return Item;
}

test('the table keys the stack must use', () => {
  expect(EPISODE_TABLE_KEYS).toEqual({ partitionKey: 'alarm', sortKey: 'record', ttl: 'expiresAt' });
});

test('a first ALARM notifies and writes the head and the episode record, both expiring', async () => {
  const alarm = newAlarm();
  const episode = { id: `${alarm.name}/2026-11-23T03:00:00.000Z`, openedAt: '2026-11-23T03:00:00.000Z' };
  const first = transition('e1', 'ALARM', '03:00');

  expect(await store.record(alarm, first)).toEqual({
    action: 'notify',
    notification: 'alarm',
    episode: { ...episode, transitions: 1, flapping: false },
  });
  expect(await item(alarm.arn, 'head')).toMatchObject({
    alarm: alarm.arn,
    record: 'head',
    episode: { id: episode.id, status: 'open', transitions: 1 },
    lastState: 'ALARM',
    version: 1,
    expiresAt: THIRTY_DAYS_LATER,
  });
  expect(await item(alarm.arn, `episode#${episode.openedAt}`)).toEqual({
    alarm: alarm.arn,
    record: `episode#${episode.openedAt}`,
    episodeId: episode.id,
    status: 'open',
    flapping: false,
    expiresAt: THIRTY_DAYS_LATER,
    events: [{ ...first, decision: expect.objectContaining({ notification: 'alarm' }) }],
  });
});

test('a repeat is suppressed; the resolution is on the same episode; the record keeps all three', async () => {
  const alarm = newAlarm();
  const opened = await store.record(alarm, transition('e1', 'ALARM', '03:00'));
  expect(await store.record(alarm, transition('e2', 'ALARM', '03:01', 'ALARM'))).toMatchObject({
    action: 'suppress',
    reason: 'already alarming since 2026-11-23T03:00:00.000Z',
  });
  const resolved = await store.record(alarm, transition('e3', 'OK', '03:10'));
  expect(resolved).toMatchObject({ action: 'notify', notification: 'resolved' });
  expect(resolved.episode?.id).toBe(opened.episode?.id);

  const record = await item(alarm.arn, 'episode#2026-11-23T03:00:00.000Z');
  expect(record).toMatchObject({ status: 'resolved' });
  expect(record?.events.map((event: { eventId: string }) => event.eventId)).toEqual(['e1', 'e2', 'e3']);
});

test('a redelivered event gets the same decision and is not recorded twice', async () => {
  const alarm = newAlarm();
  const first = transition('e1', 'ALARM', '03:00');
  const decision = await store.record(alarm, first);
  await store.record(alarm, transition('e2', 'OK', '03:10'));

  expect(await store.record(alarm, first)).toEqual(decision);
  expect(await item(alarm.arn, 'head')).toMatchObject({ version: 2 });
  expect((await item(alarm.arn, 'episode#2026-11-23T03:00:00.000Z'))?.events).toHaveLength(2);
});

test('a suppression with no episode writes only the head', async () => {
  const alarm = newAlarm();
  expect(await store.record(alarm, transition('e1', 'OK', '03:00', 'INSUFFICIENT_DATA'))).toEqual({
    action: 'suppress',
    reason: 'nothing to resolve: OK with no open episode',
  });
  expect(await item(alarm.arn, 'head')).toMatchObject({ lastState: 'OK', version: 1 });
  expect(await item(alarm.arn, 'episode#2026-11-23T03:00:00.000Z')).toBeUndefined();
});

test('ten concurrent first ALARMs of one alarm give exactly one alarm notification', async () => {
  const alarm = newAlarm();
  const decisions = await Promise.all(
    Array.from({ length: 10 }, (_, index) => store.record(alarm, transition(`e${index}`, 'ALARM', '03:00'))),
  );

  expect(decisions.filter((decision) => decision.action === 'notify')).toEqual([
    expect.objectContaining({ notification: 'alarm' }),
  ]);
  expect(decisions.filter((decision) => decision.action === 'suppress')).toHaveLength(9);
  expect(await item(alarm.arn, 'head')).toMatchObject({ version: 10, episode: { transitions: 1 } });
  expect((await item(alarm.arn, 'episode#2026-11-23T03:00:00.000Z'))?.events).toHaveLength(10);
});

test('a head that changes under every attempt ends in EpisodeConflictError after a bounded number of tries', async () => {
  const dynamoDb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: TEST_REGION }));
  const mock = mockClient(dynamoDb);
  try {
    mock.on(GetCommand).resolves({});
    mock
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    const contested = new EpisodeStore(dynamoDb, 'episodes', undefined, () => NOW);

    await expect(contested.record(newAlarm(), transition('e1', 'ALARM', '03:00'))).rejects.toThrow(
      EpisodeConflictError,
    );
    expect(mock.commandCalls(GetCommand)).toHaveLength(10);
    expect(mock.commandCalls(PutCommand)).toHaveLength(10);
    expect(mock.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#key)',
    });
  } finally {
    mock.restore();
  }
});

test('other write errors are not retried', async () => {
  const dynamoDb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: TEST_REGION }));
  const mock = mockClient(dynamoDb);
  try {
    mock.on(GetCommand).resolves({});
    mock.on(PutCommand).rejects(new Error('throttled'));
    const failing = new EpisodeStore(dynamoDb, 'episodes');

    await expect(failing.record(newAlarm(), transition('e1', 'ALARM', '03:00'))).rejects.toThrow('throttled');
    expect(mock.commandCalls(PutCommand)).toHaveLength(1);
  } finally {
    mock.restore();
  }
});

test('a history write that fails does not undo the decision already stored', async () => {
  const dynamoDb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: TEST_REGION }));
  const mock = mockClient(dynamoDb);
  try {
    mock.on(GetCommand).resolves({});
    mock.on(PutCommand).resolves({});
    mock.on(UpdateCommand).rejects(new Error('throttled'));
    const historyless = new EpisodeStore(dynamoDb, 'episodes');

    expect(await historyless.record(newAlarm(), transition('e1', 'ALARM', '03:00'))).toMatchObject({
      action: 'notify',
      notification: 'alarm',
    });
    expect(mock.commandCalls(UpdateCommand)).toHaveLength(1);
  } finally {
    mock.restore();
  }
});

describe('flapping episodes are checked once their quiet window has passed', () => {
  /** Five changes in ten minutes: the fifth is the episode's one flapping alert (default policy). */
  async function flap(alarm: { arn: string; name: string }, last: 'OK' | 'ALARM') {
    const states = ['ALARM', 'OK', 'ALARM', 'OK', 'ALARM', 'OK'] as const;
    const changes = last === 'OK' ? states : states.slice(0, 5);
    let decision: Awaited<ReturnType<EpisodeStore['record']>> | undefined;
    for (const [index, state] of changes.entries()) {
      decision = await store.record(
        alarm,
        transition(`f${index}`, state, `03:${String(index * 2).padStart(2, '0')}`),
      );
    }
    return decision;
  }

  test('a flapping alarm is due when its last change is a whole window old, and not before', async () => {
    const alarm = newAlarm();
    expect(await flap(alarm, 'OK')).toMatchObject({
      action: 'suppress',
      reason: expect.stringMatching(/^flapping/),
    });
    // The last change at 03:10; the default window is 30 minutes.
    const due = (at: string) => store.flappingDue(new Date(at));
    expect(await due('2026-11-23T03:39:59.000Z')).not.toContainEqual(alarm);
    expect(await due('2026-11-23T03:40:00.000Z')).toContainEqual(alarm);
  });

  test('settled in OK: one resolution on the flapping episode, which leaves the index', async () => {
    const alarm = newAlarm();
    await flap(alarm, 'OK');
    const check = new Date('2026-11-23T03:41:00.000Z');
    const decision = await store.settle(alarm, 'OK', check);
    expect(decision).toMatchObject({
      action: 'notify',
      notification: 'resolved',
      episode: { id: `${alarm.name}/2026-11-23T03:00:00.000Z`, flapping: false },
    });
    // The schedule does not check it again; a retried check (its delivery failed) gets the same answer.
    expect(await store.flappingDue(new Date('2026-11-23T05:00:00.000Z'))).not.toContainEqual(alarm);
    expect(await store.settle(alarm, 'OK', new Date('2026-11-23T03:46:00.000Z'))).toEqual(decision);
    expect(await item(alarm.arn, 'head')).toMatchObject({ episode: { status: 'resolved', flapping: false } });
  });

  test('settled in ALARM: nobody is told again, and the next OK resolves the same episode', async () => {
    const alarm = newAlarm();
    await flap(alarm, 'ALARM');
    expect(await store.settle(alarm, 'ALARM', new Date('2026-11-23T03:41:00.000Z'))).toMatchObject({
      action: 'suppress',
      reason: 'settled in ALARM: the flapping alert stands',
    });
    expect(await store.record(alarm, transition('ok', 'OK', '04:00'))).toMatchObject({
      action: 'notify',
      notification: 'resolved',
      episode: { id: `${alarm.name}/2026-11-23T03:00:00.000Z` },
    });
  });

  test('a change inside the window keeps it flapping: the check finds it still flapping', async () => {
    const alarm = newAlarm();
    await flap(alarm, 'OK');
    expect(await store.settle(alarm, 'OK', new Date('2026-11-23T03:20:00.000Z'))).toMatchObject({
      action: 'suppress',
      reason: expect.stringMatching(/^still flapping/),
    });
  });
});
