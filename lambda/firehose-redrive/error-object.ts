import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type Line, readLines } from './line-reader';

/** The object's gzip data ends early or is damaged: what came before it was read, the rest never can be. */
export class CorruptObjectError extends Error {
  override readonly name = 'CorruptObjectError';
}

/** An error object being read: its version, and its lines as they arrive. */
export interface OpenErrorObject {
  /** Identifies this content of the key: progress recorded against another ETag is not this object's. */
  readonly etag: string;
  readonly lines: AsyncGenerator<Line>;
}

/**
 * Streams one error object line by line: the body as S3 sends it, through gunzip when it is
 * compressed, through the line reader. Memory stays at a chunk plus one line whatever the object's
 * size; abandoning `lines` (a `break`, a `return()`) closes the body.
 */
export async function openErrorObject(
  s3: S3Client,
  bucket: string,
  key: string,
  maxLineBytes: number,
): Promise<OpenErrorObject> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = object.Body as unknown;
  if (body === undefined || !isAsyncIterable(body)) {
    throw new Error(`GetObject ${key} returned no readable body`);
  }
  return { etag: object.ETag ?? '', lines: readLines(decompressed(body), maxLineBytes) };
}

/**
 * A stream configured to compress its output may compress its error output too; NDJSON never starts
 * with gzip's magic bytes (1f 8b), so the first two bytes decide.
 */
async function* decompressed(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLength = 0;
  while (headLength < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.length;
  }
  const rest = (async function* () {
    yield* head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  const first = head.length === 0 ? new Uint8Array() : Buffer.concat(head);
  let gunzip: ReturnType<typeof createGunzip> | undefined;
  try {
    if (first[0] === 0x1f && first[1] === 0x8b) {
      // createGunzip reads concatenated gzip members too, as `gzip -c a b` writes them.
      gunzip = createGunzip();
      pipeline(Readable.from(rest), gunzip, () => {
        // Errors reach the consumer through gunzip, which pipeline destroys with them.
      });
      try {
        yield* gunzip;
      } catch (error) {
        // zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR for a cut-off end) say the data is bad; a
        // network error reaches here with its own code and is thrown as it is, to be retried.
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && code.startsWith('Z_')) {
          throw new CorruptObjectError(`gzip data is corrupt (${code}: ${(error as Error).message})`);
        }
        throw error;
      }
    } else {
      yield* rest;
    }
  } finally {
    // A consumer that stops early (a run out of time) closes the connection instead of draining it.
    gunzip?.destroy();
    await iterator.return?.();
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
