import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { scoredRowsText } from '../../predictor/inference/scored-rows-text';
import type { ScoredBatch } from '../../predictor/inference/scoring-types';

/** Failed the body of a results upload on purpose, so lib-storage cleans up. */
class ResultsDiscarded extends Error {
  override readonly name = 'ResultsDiscarded';
}

/**
 * Streams scored rows to S3 as gzip-compressed NDJSON (`{"id":"…","probability":0.123}` per line),
 * without holding the file in memory: lib-storage sends one PutObject for small results and a
 * multipart upload for large ones. Either {@link complete} or {@link discard} must be called.
 */
export class ResultsUpload {
  private readonly gzip = createGzip();
  /** Settles when lib-storage has finished, including its own cleanup; never rejects. */
  private readonly finished: Promise<{ readonly error?: unknown }>;
  private discarded = false;

  constructor(s3: S3Client, bucket: string, key: string) {
    const upload = new Upload({
      client: s3,
      // No SSE parameters: the bucket's default KMS key applies.
      params: {
        Bucket: bucket,
        Key: key,
        Body: this.gzip,
        ContentType: 'application/x-ndjson',
        ContentEncoding: 'gzip',
      },
    });
    // Started now so lib-storage drains the gzip stream while rows are written.
    this.finished = upload.done().then(
      () => ({}),
      (error: unknown) => ({ error }),
    );
  }

  /** Appends rows; waits while S3 is behind, and fails as soon as the upload has failed. */
  async write(batch: ScoredBatch): Promise<void> {
    if (this.discarded) return;
    if (this.gzip.write(scoredRowsText(batch, 'ndjson'))) return;
    const stopWaiting = new AbortController();
    try {
      await Promise.race([once(this.gzip, 'drain', { signal: stopWaiting.signal }), this.failure()]);
    } catch (error) {
      // A scorer that gives up on a file may leave its last write waiting here and no longer await
      // it: after discard() that write must end quietly, not as an unhandled rejection.
      if (!this.discarded) throw error;
    } finally {
      stopWaiting.abort();
    }
  }

  /** Ends the file and waits until S3 has stored it. */
  async complete(): Promise<void> {
    this.gzip.end();
    const { error } = await this.finished;
    if (error !== undefined) throw error;
  }

  /**
   * Drops what was written: no results object is created and a started multipart upload is aborted.
   * Failing the body instead of calling `Upload.abort()`, because `abort()` settles `done()` at once,
   * before lib-storage sends AbortMultipartUpload, which a frozen Lambda might then never send.
   */
  async discard(): Promise<void> {
    this.discarded = true;
    this.gzip.destroy(new ResultsDiscarded('results discarded'));
    const { error } = await this.finished;
    // Anything but our own error means the cleanup itself failed; the caller logs it.
    if (error !== undefined && !(error instanceof ResultsDiscarded)) throw error;
  }

  private async failure(): Promise<never> {
    const { error } = await this.finished;
    throw error ?? new Error('the results upload ended before every row was written');
  }
}
