import { pipeline, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { InputError } from './scoring-types';

const GZIP_MAGIC = [0x1f, 0x8b] as const;
// Large inflate chunks mean fewer, larger parse calls; zlib inflates on the thread pool meanwhile.
const INFLATE_CHUNK_BYTES = 256 * 1024;

/**
 * Turns an upload (plain CSV or gzip, detected from its first bytes) into chunks of CSV bytes,
 * left undecoded: the parser decodes only the fields it needs. Enforces the size limit on the bytes
 * received and maps zlib failures to the input errors a user can act on. Memory stays bounded:
 * chunks flow through, nothing is buffered whole.
 */
export async function* csvBytes(input: Readable, maxBytes: number): AsyncGenerator<Buffer> {
  const received = limitedBytes(input, maxBytes);
  const first = await received.next();
  if (first.done) throw new InputError('EMPTY_FILE', 'The file is empty (0 bytes).');

  const gzip = first.value[0] === GZIP_MAGIC[0] && first.value[1] === GZIP_MAGIC[1];
  const bytes = Readable.from(startingWith(first.value, received), { objectMode: false });
  const decoded = gzip
    ? pipeline(bytes, zlib.createGunzip({ chunkSize: INFLATE_CHUNK_BYTES }), () => {})
    : bytes;
  try {
    for await (const chunk of decoded) yield chunk as Buffer;
  } catch (error) {
    throw gzip ? asInputError(error) : error;
  }
}

/** The input's chunks, failing as soon as more than `maxBytes` have arrived, before they are parsed. */
async function* limitedBytes(input: Readable, maxBytes: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    seen += buffer.length;
    if (seen > maxBytes) {
      input.destroy();
      throw new InputError('TOO_LARGE', `The file is larger than the ${formatBytes(maxBytes)} limit.`);
    }
    if (buffer.length > 0) yield buffer;
  }
}

async function* startingWith(first: Buffer, rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  yield* rest;
}

function asInputError(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'Z_BUF_ERROR') {
    return new InputError('TRUNCATED_GZIP', 'The gzip file is truncated: it ends before its last block.');
  }
  if (code === 'Z_DATA_ERROR') {
    return new InputError(
      'CORRUPT_GZIP',
      `The gzip file is corrupted (${(error as Error).message}); upload it again or upload the plain CSV.`,
    );
  }
  return error;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(0)} MiB` : `${bytes} bytes`;
}
