import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ResultItem, ResultsTable, Uploader } from '../shared/results-table';
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
  return jsonResponse(200, { uploads: items.map(listed) });
}

function listed(item: ResultItem) {
  return {
    uploadId: item.uploadId,
    status: item.status,
    fileName: item.fileName,
    summary: {
      rows: item.rows,
      scored: item.scored,
      rejected: item.rejected,
      meanProbability: item.meanProbability,
      modelVersion: item.modelVersion,
    },
    ...(item.errorCode !== undefined && { error: { code: item.errorCode, message: item.message ?? '' } }),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}
