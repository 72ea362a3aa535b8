import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Event, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { exportHeader, SyntheticCrimes, toExportCsv } from '../../../predictor/generator/synthetic-crimes';
import { objectNotification, queueEventOf } from '../../fixtures/aws/sqs-s3-events';

export const BUCKET = 'vigil-data-test';

/** A synthetic Chicago crimes export with a header and `rows` rows. */
export function syntheticCsv(rows: number, seed = 7): string {
  return `${exportHeader()}\n${toExportCsv(new SyntheticCrimes({ seed }).nextRows(rows))}`;
}

export const gzip = (text: string | Buffer): Buffer => gzipSync(text);

/** A body as a socket delivers it: 16 KiB chunks, each on a later turn of the event loop. */
export function networkStream(body: Buffer): Readable {
  return Readable.from(
    (async function* chunks() {
      for (let at = 0; at < body.length; at += 16 * 1024) {
        await new Promise((resolve) => setImmediate(resolve));
        yield body.subarray(at, at + 16 * 1024);
      }
    })(),
    { objectMode: false },
  );
}

/** A key encoded the way S3 event notifications encode it (form encoding, `/` kept). */
export function eventEncodedKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An S3 ObjectCreated notification for the given objects, built from AWS's documented PUT sample. */
export function objectCreatedEvent(
  objects: readonly { key: string; size?: number; bucket?: string; eventName?: string }[],
): S3Event {
  return objectNotification(
    objects.map((object) => ({
      bucket: object.bucket ?? BUCKET,
      encodedKey: eventEncodedKey(object.key),
      size: object.size ?? 0,
      eventName: object.eventName,
    })),
  );
}

/**
 * What the scorer receives from its queue: an SQS event with one message per object, each message's
 * body the object's ObjectCreated notification, as S3 sends it to the upload-events queue.
 */
export function uploadQueueEvent(
  objects: readonly { key: string; size?: number; bucket?: string; eventName?: string; messageId?: string }[],
): SQSEvent {
  return queueEventOf(
    objects.map((object) => ({
      messageId: object.messageId,
      body: JSON.stringify(objectCreatedEvent([object])),
    })),
  );
}

/**
 * S3 mocked as a bucket in memory: GetObject streams stored bodies, PutObject and completed
 * multipart uploads store theirs, so a test reads back the results file the scorer wrote.
 */
export function mockS3Bucket() {
  const s3Mock = mockClient(S3Client);
  const objects = new Map<string, Buffer>();
  const parts = new Map<string, Buffer[]>();

  function install(): void {
    s3Mock.reset();
    objects.clear();
    parts.clear();
    s3Mock.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
      const body = objects.get(input.Key);
      if (body === undefined)
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      return {
        Body: networkStream(body) as unknown as GetObjectCommandOutput['Body'],
        ContentLength: body.length,
      };
    });
    s3Mock.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: Buffer }) => {
      objects.set(input.Key, Buffer.from(input.Body));
      return { ETag: '"put"' };
    });
    s3Mock.on(CreateMultipartUploadCommand).callsFake(async (input: { Key: string }) => {
      parts.set(input.Key, []);
      return { UploadId: `mpu-${input.Key}` };
    });
    s3Mock
      .on(UploadPartCommand)
      .callsFake(async (input: { Key: string; Body: Buffer; PartNumber: number }) => {
        const list = parts.get(input.Key) ?? [];
        list[input.PartNumber - 1] = Buffer.from(input.Body);
        parts.set(input.Key, list);
        return { ETag: `"part-${input.PartNumber}"` };
      });
    s3Mock.on(CompleteMultipartUploadCommand).callsFake(async (input: { Key: string }) => {
      objects.set(input.Key, Buffer.concat(parts.get(input.Key) ?? []));
      return { ETag: '"mpu"' };
    });
    s3Mock.on(AbortMultipartUploadCommand).resolves({});
  }

  return {
    s3Mock,
    objects,
    install,
    /** The NDJSON lines of a stored gzip results object. */
    resultLines(key: string): { id: string; probability: number }[] {
      const body = objects.get(key);
      if (body === undefined) throw new Error(`no object ${key}`);
      return gunzipSync(body)
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { id: string; probability: number });
    },
  };
}
