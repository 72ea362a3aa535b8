import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { rawEventKey, storeRawEvent } from '../../../lambda/alert-enricher/unreadable-events';

const config = { region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
const s3Mock = mockClient(S3Client);
const NOW = new Date('2026-11-23T03:12:04.512Z');
const storage = {
  s3: new S3Client(config),
  presigningS3: new S3Client(config),
  bucket: 'vigil-dev-alert-artifacts',
  urlTtlSeconds: 900,
  now: () => NOW,
};

beforeEach(() => s3Mock.reset());

describe('storeRawEvent', () => {
  it('names the copy by day and content, and tells JSON from text', () => {
    expect(rawEventKey('{"a":1}', NOW)).toBe(
      'unreadable/2026-11-23/015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862.json',
    );
    expect(rawEventKey('hello, not JSON', NOW)).toMatch(/^unreadable\/2026-11-23\/[0-9a-f]{64}\.txt$/);
  });

  it('stores the payload as received and links it for the graphs’ TTL', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    const copy = await storeRawEvent(storage, 'hello, not JSON');
    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'vigil-dev-alert-artifacts',
      Key: rawEventKey('hello, not JSON', NOW),
      Body: 'hello, not JSON',
      ContentType: 'text/plain; charset=utf-8',
    });
    expect(copy).toMatchObject({ stored: true, bytes: 15, expiresAt: '2026-11-23T03:27:04.512Z' });
    expect(copy.stored && copy.url).toMatch(/X-Amz-Expires=900/);
  });

  it('never throws: a put that hangs is given up and said', async () => {
    s3Mock.on(PutObjectCommand).callsFake(() => new Promise(() => {}));
    await expect(storeRawEvent({ ...storage, timeoutMs: 50 }, '{}')).resolves.toEqual({
      stored: false,
      bytes: 2,
      error: 'timed out after 50 ms',
    });
  });
});
