import '../support/test-environment';
import fc from 'fast-check';
import { instrumentHandler } from '../../../lambda/shared/instrument-handler';
import { uploadIdOf } from '../../../lambda/shared/object-keys';
import { ResultsTable } from '../../../lambda/shared/results-table';
import { createUploadQueueHandler } from '../../../lambda/upload-scorer/upload-queue-handler';
import { scoreCsv } from '../../../predictor/inference/score-csv';
import { queueEventOf, S3_TEST_EVENT } from '../../fixtures/aws/sqs-s3-events';
import { captureEmf } from '../support/emf-capture';
import { lambdaContext } from '../support/lambda-context';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';
import { BUCKET, mockS3Bucket, objectCreatedEvent } from '../support/s3-fixtures';

// The bucket is empty: every upload a message names is missing, so scoring it is an internal failure,
// unless its size alone makes it TOO_LARGE. What is fuzzed here is the queue handling, not scoring
// (upload-scorer.property.test.ts fuzzes the files).
const MAX_UPLOAD_BYTES = 1000;
const bucket = mockS3Bucket();
let dynamo: LocalDynamoDb;
let results: ResultsTable;
let emf: ReturnType<typeof captureEmf>;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  results = new ResultsTable(dynamo.clients.dynamoDb, await dynamo.createResultsTable());
  emf = captureEmf();
  bucket.install();
});
afterAll(async () => {
  emf.restore();
  await dynamo.close();
});

/** An object a notification names: under uploads/ (with a name unique to the run) or elsewhere. */
const notifiedObject = fc.record({
  underUploads: fc.boolean(),
  name: fc.string({ minLength: 0, maxLength: 12 }).filter((name) => !name.includes('/')),
  extension: fc.constantFrom('.csv', '.csv.gz', '.gz', '.txt', '', '/'),
  size: fc.oneof(fc.nat(MAX_UPLOAD_BYTES), fc.integer({ min: MAX_UPLOAD_BYTES + 1, max: 2 ** 40 })),
  eventName: fc.constantFrom(
    'ObjectCreated:Put',
    'ObjectCreated:CompleteMultipartUpload',
    'ObjectRemoved:Delete',
  ),
});

type NotifiedObject = typeof notifiedObject extends fc.Arbitrary<infer T> ? T : never;

/** A message body, tagged with what it is. */
const body = fc.oneof(
  { arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ kind: 'text' as const, text })), weight: 2 },
  {
    arbitrary: fc
      .jsonValue({ maxDepth: 3 })
      .map((value) => ({ kind: 'json' as const, text: JSON.stringify(value) })),
    weight: 2,
  },
  {
    arbitrary: fc
      .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })
      .map((extra) => ({
        kind: 'test-event' as const,
        text: JSON.stringify({ ...extra, ...S3_TEST_EVENT }),
      })),
    weight: 1,
  },
  {
    arbitrary: fc
      .array(notifiedObject, { minLength: 1, maxLength: 3 })
      .map((objects) => ({ kind: 'notification' as const, objects })),
    weight: 4,
  },
  {
    // A notification S3 could not have sent: cut short, or with a field missing or of the wrong type.
    arbitrary: fc
      .tuple(notifiedObject, fc.constantFrom('cut', 'no-key', 'numeric-key', 'not-s3'), fc.nat())
      .map(([object, damage, at]) => ({ kind: 'damaged' as const, object, damage, at })),
    weight: 2,
  },
);

let run = 0;
const reached = new Set<string>();

test('random bodies never throw out of the handler; each bad one is a failed message or a stored outcome', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(body, { minLength: 1, maxLength: 5 }), async (bodies) => {
      run += 1;
      const keyOf = (object: NotifiedObject, message: number, index: number) =>
        object.underUploads
          ? `uploads/r${run}m${message}o${index}-${object.name}${object.extension}`
          : `elsewhere/${object.name}${object.extension}`;
      const messages = bodies.map((generated, message) => {
        const messageId = `m-${message}`;
        switch (generated.kind) {
          case 'notification': {
            const objects = generated.objects.map((object, index) => ({
              ...object,
              key: keyOf(object, message, index),
            }));
            return { messageId, generated, objects, body: JSON.stringify(objectCreatedEvent(objects)) };
          }
          case 'damaged': {
            const object = { ...generated.object, key: keyOf(generated.object, message, 0) };
            const event = objectCreatedEvent([object]) as unknown as {
              Records: { eventSource: string; s3: { object: Record<string, unknown> } }[];
            };
            const [record] = event.Records;
            if (record && generated.damage === 'no-key') delete record.s3.object.key;
            if (record && generated.damage === 'numeric-key') record.s3.object.key = 42;
            if (record && generated.damage === 'not-s3') record.eventSource = 'aws:sqs';
            const text = JSON.stringify(event);
            return {
              messageId,
              generated,
              objects: [],
              body: generated.damage === 'cut' ? text.slice(0, generated.at % text.length) : text,
            };
          }
          default:
            return { messageId, generated, objects: [], body: generated.text };
        }
      });
      const scorer = instrumentHandler(
        createUploadQueueHandler({
          s3: dynamo.clients.s3,
          results,
          scoreCsv,
          resultsBucket: BUCKET,
          maxUploadBytes: MAX_UPLOAD_BYTES,
          maxRejectedShare: 0.05,
        }),
      );

      // Never throws: a thrown error would fail the whole batch, good messages included.
      const response = await scorer(queueEventOf(messages), lambdaContext());
      const failed = response.batchItemFailures.map((failure) => failure.itemIdentifier);
      expect(new Set(failed).size).toBe(failed.length);

      for (const message of messages) {
        const uploads = message.objects.filter(
          (object) => object.eventName.startsWith('ObjectCreated:') && uploadIdOf(object.key) !== undefined,
        );
        let expectFailed: boolean;
        switch (message.generated.kind) {
          case 'test-event':
            expectFailed = false;
            break;
          case 'notification':
            // A missing object is an internal failure, retried; one too large by its size is an outcome.
            expectFailed = uploads.some((object) => object.size <= MAX_UPLOAD_BYTES);
            break;
          default:
            // Not a notification S3 sends: failed, so it is kept in the dead-letter queue.
            expectFailed = true;
        }
        reached.add(`${message.generated.kind} ${expectFailed ? 'failed' : 'done'}`);
        expect([message.messageId, failed.includes(message.messageId)]).toEqual([
          message.messageId,
          expectFailed,
        ]);
        // Every upload named is recorded: TOO_LARGE from its size, or INTERNAL.
        for (const object of uploads) {
          const item = await results.get(uploadIdOf(object.key) ?? '');
          expect(item).toMatchObject({
            status: 'FAILED',
            errorCode: object.size > MAX_UPLOAD_BYTES ? 'TOO_LARGE' : 'INTERNAL',
          });
        }
      }
    }),
    { numRuns: 300 },
  );
  // The generator must reach every kind of message and outcome, or the property proves little.
  expect([...reached].sort()).toEqual([
    'damaged failed',
    'json failed',
    'notification done',
    'notification failed',
    'test-event done',
    'text failed',
  ]);
});
