import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ResultsTable, Uploader } from '../shared/results-table';
import { uploadOverview } from './get-result';
import { jsonResponse } from './http-response';

/** Uploads one listing shows: the site's "recent uploads". */
export const RECENT_UPLOADS = 20;

export interface ListUploadsDependencies {
  readonly results: ResultsTable;
}

/** `GET /app/uploads`: the caller's most recent uploads, newest first, with status and headline numbers. */
export async function listUploads(
  deps: ListUploadsDependencies,
  caller: Uploader,
): Promise<APIGatewayProxyStructuredResultV2> {
  const items = await deps.results.recentByUploader(caller.sub, RECENT_UPLOADS);
  return jsonResponse(200, { uploads: items.map(uploadOverview) });
}
