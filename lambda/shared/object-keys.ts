/** Where uploads and results live in the data bucket: the one place both functions agree on it. */

export const UPLOADS_PREFIX = 'uploads/';
export const RESULTS_PREFIX = 'results/';

/** The two upload formats the API hands out URLs for. */
export type UploadFormat = 'csv' | 'csv.gz';

export function uploadKey(uploadId: string, format: UploadFormat): string {
  return `${UPLOADS_PREFIX}${uploadId}.${format}`;
}

export function resultsKey(uploadId: string): string {
  return `${RESULTS_PREFIX}${uploadId}.ndjson.gz`;
}

const UPLOAD_EXTENSIONS = /\.(csv\.gz|csv|gz)$/i;

/**
 * The upload id of an object key: the file name without its CSV/gzip extension, so
 * `uploads/<id>.csv.gz` gives `<id>`. Undefined for keys outside `uploads/` and for folder markers.
 */
export function uploadIdOf(key: string): string | undefined {
  if (!key.startsWith(UPLOADS_PREFIX) || key.endsWith('/')) return undefined;
  const fileName = key.slice(key.lastIndexOf('/') + 1);
  const id = fileName.replace(UPLOAD_EXTENSIONS, '');
  return id === '' ? undefined : id;
}

/** S3 event notifications carry keys form-URL-encoded: a space arrives as `+`, other bytes as `%xx`. */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}
