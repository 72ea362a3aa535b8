import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { UnsendableLine } from './error-records';

/** Where lines that can never be re-put go, with their reason: `failed/<error object key>/…`. */
export const FAILED_PREFIX = 'failed/';

/**
 * The part holding the unsendable lines of one checkpoint, named after its first line. A run that
 * resumes from the same checkpoint meets the same first line, so a part written by a run that
 * stopped before recording its progress is overwritten, not written twice.
 */
export const failedPartKey = (key: string, firstLine: number): string =>
  `${FAILED_PREFIX}${key}/line-${String(firstLine).padStart(9, '0')}.ndjson`;

/** One line of a failed part: which object and line, why, and the line itself when it was kept. */
export interface FailedEntry extends UnsendableLine {
  /** The error object the line came from; once handled, the whole object is under `redriven/<source>`. */
  readonly source: string;
}

/** Unsendable lines waiting for the next checkpoint, with their size so a run can flush early. */
export class SetAsideBuffer {
  private entries: FailedEntry[] = [];
  private size = 0;

  constructor(private readonly source: string) {}

  add(line: UnsendableLine): void {
    this.entries.push({ source: this.source, ...line });
    this.size += (line.content?.length ?? 0) + line.reason.length + 100;
  }

  get bytes(): number {
    return this.size;
  }

  /**
   * Takes the buffered lines up to `through` and forgets all of them: lines past `through` follow a
   * record not yet confirmed, and the next run reads them again.
   */
  take(through: number): FailedEntry[] {
    const due = this.entries.filter((entry) => entry.line <= through);
    this.entries = [];
    this.size = 0;
    return due;
  }
}

/** Writes one checkpoint's unsendable lines as one part; answers its key. */
export async function writeFailedPart(
  s3: S3Client,
  bucket: string,
  source: string,
  entries: readonly FailedEntry[],
): Promise<string | undefined> {
  const first = entries[0];
  if (first === undefined) return undefined;
  const key = failedPartKey(source, first.line);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''),
      ContentType: 'application/x-ndjson',
    }),
  );
  return key;
}
