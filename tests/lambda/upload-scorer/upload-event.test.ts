import {
  InvalidUploadEventError,
  parseQueueEvent,
  parseUploadEvent,
  parseUploadMessage,
} from '../../../lambda/upload-scorer/upload-event';
import {
  objectNotification,
  S3_OBJECT_CREATED_PUT,
  S3_TEST_EVENT,
  SQS_STANDARD_QUEUE_EVENT,
} from '../../fixtures/aws/sqs-s3-events';
import { BUCKET, objectCreatedEvent } from '../support/s3-fixtures';

test('decodes keys the way S3 encodes them: + is a space, %xx a byte', () => {
  const event = objectCreatedEvent([{ key: 'uploads/a b+c (1) é.csv.gz', size: 42 }]);
  expect(event.Records[0]?.s3.object.key).toBe('uploads/a+b%2Bc+%281%29+%C3%A9.csv.gz');
  expect(parseUploadEvent(event)).toEqual({
    uploads: [{ bucket: BUCKET, key: 'uploads/a b+c (1) é.csv.gz', uploadId: 'a b+c (1) é', size: 42 }],
    skipped: [],
  });
});

test.each([
  ['uploads/0b7f7a3e-1111-4a5b-8c9d-000000000001.csv', '0b7f7a3e-1111-4a5b-8c9d-000000000001'],
  ['uploads/x.csv.gz', 'x'],
  ['uploads/x.CSV', 'x'],
  ['uploads/x.gz', 'x'],
  ['uploads/nested/x.txt', 'x.txt'],
])('upload id of %s is %s', (key, uploadId) => {
  expect(parseUploadEvent(objectCreatedEvent([{ key }])).uploads[0]?.uploadId).toBe(uploadId);
});

test('skips records that are not uploads, with the reason', () => {
  const { uploads, skipped } = parseUploadEvent(
    objectCreatedEvent([
      { key: 'results/x.ndjson.gz' },
      { key: 'uploads/' },
      { key: 'uploads/.csv' },
      { key: 'uploads/y.csv', eventName: 'ObjectRemoved:Delete' },
      { key: 'uploads/z.csv' },
    ]),
  );
  expect(uploads.map((upload) => upload.key)).toEqual(['uploads/z.csv']);
  expect(skipped).toEqual([
    { key: 'results/x.ndjson.gz', reason: 'not a file under uploads/' },
    { key: 'uploads/', reason: 'not a file under uploads/' },
    { key: 'uploads/.csv', reason: 'not a file under uploads/' },
    { key: 'uploads/y.csv', reason: 'ObjectRemoved:Delete is not an object creation' },
  ]);
});

test.each([
  [undefined, /Not an S3 event notification: event: /],
  [{}, /Records: /],
  [{ Records: [] }, /Records: must hold at least one record/],
  [
    { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' } } }] },
    /Records\.0\.s3\.object: /,
  ],
])('refuses %j with a message saying what is wrong', (event, message) => {
  expect(() => parseUploadEvent(event)).toThrow(InvalidUploadEventError);
  expect(() => parseUploadEvent(event)).toThrow(message);
});

test('refuses a key S3 could not have encoded', () => {
  const event = objectCreatedEvent([{ key: 'uploads/x.csv' }]);
  const record = event.Records[0];
  if (record) record.s3.object.key = 'uploads/%E0%A4%A.csv';
  expect(() => parseUploadEvent(event)).toThrow(/not URL-encoded/);
});

describe('documented samples', () => {
  test('the S3 user guide\u2019s PUT notification parses; its object is outside uploads/, so it is skipped', () => {
    expect(parseUploadEvent(S3_OBJECT_CREATED_PUT)).toEqual({
      uploads: [],
      skipped: [{ key: 'HappyFace.jpg', reason: 'not a file under uploads/' }],
    });
  });

  test('the same notification for an upload names the upload, its bucket and size', () => {
    const event = objectNotification([{ bucket: 'mybucket', encodedKey: 'uploads/a+b.csv', size: 1024 }]);
    expect(parseUploadEvent(event).uploads).toEqual([
      { bucket: 'mybucket', key: 'uploads/a b.csv', uploadId: 'a b', size: 1024 },
    ]);
  });

  test('the Lambda developer guide\u2019s SQS event gives its messages by id', () => {
    expect(parseQueueEvent(SQS_STANDARD_QUEUE_EVENT)).toEqual([
      { messageId: '059f36b4-87a3-44ab-83d2-661975830a7d', body: 'Test message.' },
      { messageId: '2e1424d4-f796-459a-8184-9c92662be6da', body: 'Test message.' },
    ]);
  });
});

describe('message bodies', () => {
  test('S3\u2019s test message is recognised, to be ignored', () => {
    expect(parseUploadMessage(JSON.stringify(S3_TEST_EVENT))).toEqual({ testEvent: true });
  });

  test('a notification is handed on as parsed JSON', () => {
    const body = JSON.stringify(objectCreatedEvent([{ key: 'uploads/x.csv' }]));
    expect(parseUploadMessage(body)).toEqual({ testEvent: false, event: JSON.parse(body) });
  });

  test('a body that is not JSON is refused, quoting its start', () => {
    expect(() => parseUploadMessage('Test message.')).toThrow(InvalidUploadEventError);
    expect(() => parseUploadMessage('x'.repeat(1000))).toThrow(
      new RegExp(`the message body is not JSON: "${'x'.repeat(200)}"\u2026$`),
    );
  });

  test.each([
    [{}, /^Not an SQS event: Records: /],
    [{ Records: [{ messageId: '', eventSource: 'aws:sqs', body: '' }] }, /Records\.0\.messageId: /],
    [objectCreatedEvent([{ key: 'uploads/x.csv' }]), /Records\.0\.messageId: .*Records\.0\.eventSource: /],
  ])('refuses an invocation that is not an SQS event: %j', (event, message) => {
    expect(() => parseQueueEvent(event)).toThrow(InvalidUploadEventError);
    expect(() => parseQueueEvent(event)).toThrow(message);
  });
});
