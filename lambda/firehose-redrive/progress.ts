import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/**
 * How far the redrive of one error object got, kept beside it in S3 under
 * `redrive-progress/<key>.json`. Every line up to `handledThrough` was accepted by PutRecordBatch,
 * set aside under `failed/`, or blank; `sentAfter` lists the lines past it that Firehose also
 * accepted (the rest of a batch in which some records were still refused when the run gave up).
 * A run skips them all, so a rerun re-puts nothing twice.
 *
 * Why S3 and not DynamoDB or object tags: the function already reads and writes this bucket under
 * its service's prefixes, so the marker costs four actions (list, get, put, delete) on one more
 * prefix and no new resource; a tag (256 characters) cannot hold `sentAfter`.
 */
export interface ProgressMarker {
  /** The error object's ETag: a marker for other content under the same key is ignored. */
  readonly etag: string;
  readonly handledThrough: number;
  readonly sentAfter: readonly number[];
  /** Totals over every run so far, for the report of the run that finishes the object. */
  readonly reput: number;
  readonly setAside: number;
  readonly updatedAt: string;
}

/** Where progress markers live, outside the error prefix so they are never taken for error objects. */
export const PROGRESS_PREFIX = 'redrive-progress/';

export const progressKey = (key: string): string => `${PROGRESS_PREFIX}${key}.json`;

/** Another run wrote this object's marker since this run read it: two runs must not share an object. */
export class ConcurrentRedriveError extends Error {
  override readonly name = 'ConcurrentRedriveError';
}

/**
 * One error object's marker. Writes are conditional on the version this run last read or wrote
 * (S3 conditional writes: `If-None-Match: *` for the first, `If-Match: <ETag>` after,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-requests.html), so of two runs
 * on one object the second stops at its first checkpoint: at most one batch is then sent twice.
 */
export class ObjectProgress {
  /** Whether a marker exists, and its ETag when this run knows it. */
  private version: { readonly exists: boolean; readonly etag?: string } = { exists: false };

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
  ) {}

  /**
   * The marker, or undefined when there is none. Listed before it is read: S3 answers a GetObject of
   * a missing key with 404 only to a caller allowed s3:ListBucket without conditions, and 403 to this
   * function, whose listing is limited to its own prefixes; a 403 cannot be told from a real denial.
   */
  async load(): Promise<ProgressMarker | undefined> {
    const markerKey = progressKey(this.key);
    const listed = await this.s3.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: markerKey, MaxKeys: 1 }),
    );
    if (listed.Contents?.[0]?.Key !== markerKey) return undefined;
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: markerKey }));
      const chunks: Uint8Array[] = [];
      for await (const chunk of (object.Body ?? []) as AsyncIterable<Uint8Array>) chunks.push(chunk);
      this.version = { exists: true, ...(object.ETag !== undefined && { etag: object.ETag }) };
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ProgressMarker;
    } catch (error) {
      // Deleted between the listing and the read: the run that deleted it finished the object.
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async save(marker: ProgressMarker): Promise<void> {
    const condition = !this.version.exists
      ? { IfNoneMatch: '*' }
      : this.version.etag !== undefined
        ? { IfMatch: this.version.etag }
        : {};
    try {
      const written = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: progressKey(this.key),
          Body: JSON.stringify(marker),
          ContentType: 'application/json',
          ...condition,
        }),
      );
      this.version = { exists: true, ...(written.ETag !== undefined && { etag: written.ETag }) };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict') {
        throw new ConcurrentRedriveError(
          `another run changed the progress marker of ${this.key} (${name}); this run leaves the object to it`,
        );
      }
      throw error;
    }
  }

  async delete(): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: progressKey(this.key) }));
    this.version = { exists: false };
  }
}
