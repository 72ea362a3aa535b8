import { type Readable, Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { InputError } from './scoring-types';

const GZIP_MAGIC = [0x1f, 0x8b] as const;
// Large inflate chunks mean fewer, larger parse calls; zlib inflates on the thread pool meanwhile.
const INFLATE_CHUNK_BYTES = 256 * 1024;

/**
 * Turns an upload (plain CSV or gzip, detected from its first bytes) into UTF-8 text chunks.
 * Enforces the size limit on the bytes received and maps zlib failures to the input errors a
 * user can act on. Memory stays bounded: chunks flow through, nothing is buffered whole.
 */
export async function* csvText(input: Readable, maxBytes: number): AsyncGenerator<string> {
  const limited = input.pipe(new ByteLimit(maxBytes));
  input.once('error', (error) => limited.destroy(error));

  const first = await firstChunk(limited);
  if (first === undefined) throw new InputError('EMPTY_FILE', 'The file is empty (0 bytes).');
  limited.unshift(first);

  const gzip = first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1];
  const decoded: Readable = gzip
    ? limited.pipe(zlib.createGunzip({ chunkSize: INFLATE_CHUNK_BYTES }))
    : limited;
  if (gzip) limited.once('error', (error) => decoded.destroy(error));
  decoded.setEncoding('utf8');

  try {
    for await (const text of decoded) yield text as string;
  } catch (error) {
    throw asInputError(error, gzip);
  }
}

/** Reads the first chunk without consuming the stream's iterator (which would destroy the stream). */
function firstChunk(stream: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const settle = (settleWith: () => void) => {
      stream.off('readable', onReadable).off('end', onEnd).off('error', onError);
      settleWith();
    };
    const onReadable = () => {
      const chunk: Buffer | null = stream.read();
      if (chunk !== null) settle(() => resolve(chunk));
    };
    const onEnd = () => settle(() => resolve(undefined));
    const onError = (error: Error) => settle(() => reject(error));
    stream.on('readable', onReadable).once('end', onEnd).once('error', onError);
  });
}

function asInputError(error: unknown, gzip: boolean): unknown {
  if (error instanceof InputError || !gzip) return error;
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

/** Fails the stream as soon as more than `maxBytes` have passed, before they are parsed. */
class ByteLimit extends Transform {
  private seen = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.maxBytes) {
      callback(
        new InputError('TOO_LARGE', `The file is larger than the ${formatBytes(this.maxBytes)} limit.`),
      );
      return;
    }
    callback(null, chunk);
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(0)} MiB` : `${bytes} bytes`;
}
