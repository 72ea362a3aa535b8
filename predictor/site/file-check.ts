import { megabytes, type PlainError } from './error-text';

/** A file the page accepts: its declared type, checked before anything is sent. */
export interface CheckedFile {
  readonly file: File;
  readonly contentType: 'text/csv' | 'application/gzip';
}

/** A file refused before upload, and why. */
export class FileRefused extends Error {
  constructor(readonly plain: PlainError) {
    super(plain.title);
  }
}

// Every gzip member starts with these two bytes (RFC 1952, 2.3.1).
const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Checks what can be known before uploading: the name the API accepts, not empty, under the limit,
 * and a `.csv.gz` that is gzip at all. A damaged gzip body is found by the scorer, which says where.
 */
export async function checkFile(file: File, maxBytes: number): Promise<CheckedFile> {
  const name = file.name.toLowerCase();
  const gzip = name.endsWith('.csv.gz');
  if (!gzip && !name.endsWith('.csv')) {
    throw new FileRefused({
      title: `${file.name} is not a crimes export`,
      advice: 'Choose a .csv file, or a .csv.gz (the same file compressed with gzip).',
    });
  }
  if (file.size === 0) {
    throw new FileRefused({ title: `${file.name} is empty`, advice: 'Check that the export finished.' });
  }
  if (file.size > maxBytes) {
    throw new FileRefused({
      title: `${file.name} is ${megabytes(file.size)}, over the ${megabytes(maxBytes)} limit`,
      advice: 'Split the export into smaller files (for example by year), or compress it as .csv.gz.',
    });
  }
  if (gzip) {
    const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
    if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) {
      throw new FileRefused({
        title: `${file.name} is named .csv.gz but is not gzip`,
        advice: 'Rename it to .csv if it is plain text, or compress it with gzip.',
      });
    }
  }
  return { file, contentType: gzip ? 'application/gzip' : 'text/csv' };
}
