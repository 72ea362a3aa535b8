import { InvalidUploadEventError, parseUploadEvent } from '../../../lambda/upload-scorer/upload-event';
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
