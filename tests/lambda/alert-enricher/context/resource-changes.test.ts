import { CloudTrailClient, LookupEventsCommand, ThrottlingException } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { findResourceChanges } from '../../../../lambda/alert-enricher/context/resource-changes';
import { API_FUNCTION } from '../support/alarm-changes';

const cloudTrailMock = mockClient(CloudTrailClient);
const cloudTrail = new CloudTrailClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const NOW = new Date('2026-11-23T03:12:02.000Z');
const signal = new AbortController().signal;

function event(
  name: string,
  at: string,
  fields: { readOnly?: boolean; ReadOnly?: string; Username?: string } = {},
) {
  const { readOnly, ...rest } = fields;
  return {
    EventId: `${name}-${at}`,
    EventName: name,
    EventTime: new Date(at),
    EventSource: 'lambda.amazonaws.com',
    CloudTrailEvent: JSON.stringify({ eventName: name, ...(readOnly === undefined ? {} : { readOnly }) }),
    ...rest,
  };
}

beforeEach(() => cloudTrailMock.reset());

test('looks up the resource’s events of the last day, one page of 50', async () => {
  cloudTrailMock.on(LookupEventsCommand).resolves({ Events: [] });
  await findResourceChanges(cloudTrail, API_FUNCTION, NOW, signal);
  expect(cloudTrailMock.commandCalls(LookupEventsCommand)[0]?.args[0].input).toEqual({
    LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: API_FUNCTION }],
    StartTime: new Date('2026-11-22T03:12:02.000Z'),
    EndTime: NOW,
    MaxResults: 50,
  });
  expect(cloudTrailMock.commandCalls(LookupEventsCommand)).toHaveLength(1);
});

test('keeps the mutating events, newest first, with who made them', async () => {
  cloudTrailMock.on(LookupEventsCommand).resolves({
    Events: [
      event('GetFunction20150331v2', '2026-11-23T03:00:00Z', { readOnly: true, Username: 'console-user' }),
      event('UpdateFunctionCode20150331v2', '2026-11-23T02:50:00Z', {
        readOnly: false,
        Username: 'deploy-role',
      }),
      event('UpdateAlias20150331', '2026-11-23T02:55:00Z', { readOnly: false, Username: 'deploy-role' }),
      event('ListTags20170331', '2026-11-23T02:40:00Z', { readOnly: true }),
    ],
    NextToken: 'ignored',
  });
  expect(await findResourceChanges(cloudTrail, API_FUNCTION, NOW, signal)).toEqual([
    {
      at: '2026-11-23T02:55:00.000Z',
      event: 'UpdateAlias20150331',
      actor: 'deploy-role',
      resource: API_FUNCTION,
    },
    {
      at: '2026-11-23T02:50:00.000Z',
      event: 'UpdateFunctionCode20150331v2',
      actor: 'deploy-role',
      resource: API_FUNCTION,
    },
  ]);
});

test('without readOnly in the record, the event’s ReadOnly field and then its name decide', async () => {
  cloudTrailMock.on(LookupEventsCommand).resolves({
    Events: [
      { ...event('TagResource', '2026-11-23T03:00:00Z'), ReadOnly: 'false' },
      { ...event('PutFunctionConcurrency', '2026-11-23T02:59:00Z'), CloudTrailEvent: 'not json' },
      event('PublishVersion20150331', '2026-11-23T02:58:00Z'),
      event('GetPolicy20150331v2', '2026-11-23T02:57:00Z'),
    ],
  });
  const changes = await findResourceChanges(cloudTrail, API_FUNCTION, NOW, signal);
  expect(changes.map((change) => change.event)).toEqual([
    'TagResource',
    'PutFunctionConcurrency',
    'PublishVersion20150331',
  ]);
});

test('at most ten changes', async () => {
  const minutes = Array.from({ length: 15 }, (_, i) => i);
  cloudTrailMock.on(LookupEventsCommand).resolves({
    Events: minutes.map((m) => event('UpdateFunctionConfiguration20150331v2', `2026-11-23T02:${10 + m}:00Z`)),
  });
  const changes = await findResourceChanges(cloudTrail, API_FUNCTION, NOW, signal);
  expect(changes).toHaveLength(10);
  expect(changes[0]?.at).toBe('2026-11-23T02:24:00.000Z');
});

test('throttling, expected at CloudTrail’s two requests a second, is said as "throttled"', async () => {
  cloudTrailMock
    .on(LookupEventsCommand)
    .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
  await expect(findResourceChanges(cloudTrail, API_FUNCTION, NOW, signal)).rejects.toThrow(/^throttled$/);
});
