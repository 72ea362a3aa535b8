import '../support/test-environment';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DeliveryRecords } from '../../../lambda/alert-enricher/delivery-record';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';
import { createEpisodeTable } from './support/episode-table';

let local: LocalDynamoDb;
let table: string;
let clock: Date;

beforeAll(async () => {
  local = await startLocalDynamoDb();
});
afterAll(() => local.close());
beforeEach(async () => {
  table = await createEpisodeTable(local.endpoint);
  clock = new Date('2026-11-23T03:12:01.000Z');
});

const KEY = {
  alarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:vigil-dev-predictor-api-errors',
  eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
};
const records = () =>
  new DeliveryRecords(local.clients.dynamoDb, table, { leaseMs: 30_000, now: () => clock });

async function item(destination: string) {
  const { Item } = await local.clients.dynamoDb.send(
    new GetCommand({
      TableName: table,
      Key: { alarm: KEY.alarmArn, record: `delivery#${KEY.eventId}#${destination}` },
    }),
  );
  return Item;
}

test('the first claim wins; a second delivery of the same event finds the destination taken', async () => {
  const first = await records().claim(KEY, 'topic', 1000);
  expect(first.status).toBe('claimed');
  expect(await records().claim(KEY, 'topic', 1000)).toEqual({ status: 'taken' });
  // Per destination: the chat channel of the same event is still free.
  expect((await records().claim(KEY, 'chat', 1000)).status).toBe('claimed');
});

test('a destination marked sent stays taken after the lease, with the SNS message id kept', async () => {
  const claim = await records().claim(KEY, 'topic', 1000);
  if (claim.status !== 'claimed') throw new Error('expected a claim');
  await records().markSent(KEY, 'topic', claim.token, { messageId: 'm-1' }, 1000);
  clock = new Date(clock.getTime() + 60 * 60_000);
  expect(await records().claim(KEY, 'topic', 1000)).toEqual({ status: 'taken' });
  expect(await item('topic')).toMatchObject({ status: 'sent', messageId: 'm-1', eventId: KEY.eventId });
});

test('a sent mark without a message id is still sent', async () => {
  const claim = await records().claim(KEY, 'topic', 1000);
  if (claim.status !== 'claimed') throw new Error('expected a claim');
  await records().markSent(KEY, 'topic', claim.token, {}, 1000);
  expect(await item('topic')).toMatchObject({ status: 'sent' });
  expect(await item('topic')).not.toHaveProperty('messageId');
});

test('a released destination can be claimed again at once, so a retry sends it', async () => {
  const claim = await records().claim(KEY, 'pagerduty', 1000);
  if (claim.status !== 'claimed') throw new Error('expected a claim');
  await records().release(KEY, 'pagerduty', claim.token, 'DeliveryTimeoutError: no answer', 1000);
  expect(await item('pagerduty')).toMatchObject({
    status: 'released',
    releasedBecause: 'DeliveryTimeoutError: no answer',
  });
  expect((await records().claim(KEY, 'pagerduty', 1000)).status).toBe('claimed');
});

test('a claim whose invocation died is taken over once its lease has run out', async () => {
  expect((await records().claim(KEY, 'topic', 1000)).status).toBe('claimed');
  clock = new Date(clock.getTime() + 29_000);
  expect(await records().claim(KEY, 'topic', 1000)).toEqual({ status: 'taken' });
  clock = new Date(clock.getTime() + 2_000);
  expect((await records().claim(KEY, 'topic', 1000)).status).toBe('claimed');
});

test('only the invocation holding the claim can mark it', async () => {
  const first = await records().claim(KEY, 'topic', 1000);
  if (first.status !== 'claimed') throw new Error('expected a claim');
  clock = new Date(clock.getTime() + 31_000);
  const second = await records().claim(KEY, 'topic', 1000);
  expect(second.status).toBe('claimed');
  // The first invocation's late release must not free what the second now holds.
  await records().release(KEY, 'topic', first.token, 'late', 1000);
  expect(await item('topic')).toMatchObject({ status: 'sending' });
});

test('items expire through the table TTL, two days after the claim', async () => {
  await records().claim(KEY, 'topic', 1000);
  expect((await item('topic'))?.expiresAt).toBe(Math.floor(clock.getTime() / 1000) + 48 * 3600);
});

test('a table that cannot be written leaves the destination unrecorded, to be sent anyway', async () => {
  const missing = new DeliveryRecords(local.clients.dynamoDb, 'no-such-table');
  expect(await missing.claim(KEY, 'topic', 1000)).toEqual({
    status: 'unrecorded',
    reason: expect.stringMatching(/^ResourceNotFoundException/),
  });
});
