import type { ResultErrorCode } from '../../lambda/shared/results-table';

/** An error as the page shows it: what happened, and what the person can do about it. */
export interface PlainError {
  readonly title: string;
  readonly advice: string;
}

const BYTES = new Intl.NumberFormat('en', { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 });

/** Size in megabytes, as people read file sizes. */
export function megabytes(bytes: number): string {
  return BYTES.format(bytes / 1_000_000);
}

/**
 * Every way the scorer can give up on a file (`InputErrorCode`, and INTERNAL for its own faults),
 * in words for the person who uploaded it. The scorer's own message, which names the line or column,
 * is shown under it. Typed by the scorer's codes, so a new code does not compile until it has words.
 */
export const SCORER_ERRORS: Readonly<Record<ResultErrorCode, PlainError>> = {
  EMPTY_FILE: {
    title: 'The file has no crimes in it',
    advice: 'It is empty, or has only the header row. Check that the export finished and upload it again.',
  },
  NOT_CSV: {
    title: 'This is not a CSV export',
    advice:
      'Upload the crimes export as it comes from the data portal: comma-separated text, one crime per line.',
  },
  MISSING_COLUMNS: {
    title: 'The export is missing columns the model needs',
    advice: 'Export again with all columns; the names must stay as the portal writes them.',
  },
  CORRUPT_GZIP: {
    title: 'The compressed file is damaged',
    advice: 'It could not be unzipped. Compress the export again, or upload the plain .csv.',
  },
  TRUNCATED_GZIP: {
    title: 'The compressed file is cut short',
    advice:
      'It ends before its last block, as a download or copy that stopped early does. Get the file again.',
  },
  TOO_LARGE: {
    title: 'The file is too large',
    advice: 'Split the export into smaller files (for example by year) and upload them one by one.',
  },
  TOO_MANY_REJECTED: {
    title: 'Too many rows could not be scored',
    advice: 'The examples below show what is wrong with them. Fix those columns and upload again.',
  },
  INTERNAL: {
    title: 'Scoring stopped on our side',
    advice:
      'Nothing is wrong with your file. It is retried automatically and operators are alerted if it keeps failing.',
  },
};

/** A code the page does not know yet (a newer scorer): said as such, never hidden. */
export function scorerError(code: string): PlainError {
  return (
    SCORER_ERRORS[code as ResultErrorCode] ?? {
      title: `Scoring failed (${code})`,
      advice: 'Upload the file again; if it fails the same way, send this page to the predictor team.',
    }
  );
}

/**
 * The API's and API Gateway's refusals in plain words. API Gateway answers some itself before the
 * function runs, with a `message` body: 401 from the JWT authorizer, 429 when throttled, 5xx
 * ("Error handling in HTTP APIs" / "Throttle requests to your HTTP APIs", API Gateway developer guide).
 */
export function apiError(status: number, code: string | undefined): PlainError {
  if (status === 401) {
    return { title: 'You are signed out', advice: 'Your sign-in has expired. Sign in again to go on.' };
  }
  if (status === 404) {
    return { title: 'No such upload', advice: 'It does not exist, or it was uploaded by someone else.' };
  }
  if (status === 429) {
    return { title: 'Too many requests', advice: 'The predictor is busy. Wait a minute and try again.' };
  }
  if (status === 400 || code === 'BAD_REQUEST') {
    return { title: 'The upload was refused', advice: 'The reason is below.' };
  }
  if (status >= 500) {
    return {
      title: 'The predictor is not answering',
      advice: 'This is on our side and operators are alerted. Try again in a few minutes.',
    };
  }
  return { title: `The request failed (HTTP ${status})`, advice: 'Try again; the detail is below.' };
}
