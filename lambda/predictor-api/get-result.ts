import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type PresignedUrl, presignDownload, type UrlSigning } from '../shared/presigned-urls';
import type { ResultItem, ResultsTable, Uploader } from '../shared/results-table';
import { lifecycleExpiry } from '../shared/s3-expiry';
import * as z from '../shared/zod';
import { ApiError, jsonResponse } from './http-response';

const uploadId = z.uuid();

export interface GetResultDependencies {
  readonly results: ResultsTable;
  readonly signing: UrlSigning;
  readonly bucket: string;
  /** Days the `results/` lifecycle rule keeps results. */
  readonly resultsRetentionDays: number;
}

/**
 * `GET /results/{id}`: the upload's status and summary, with a download URL once results exist.
 * With an owner (`GET /app/results/{id}`), only that person's uploads: any other answers exactly as
 * a missing id does, so the site never tells whether someone else's id exists.
 */
export async function getResult(
  deps: GetResultDependencies,
  id: string,
  owner?: Uploader,
): Promise<APIGatewayProxyStructuredResultV2> {
  if (!uploadId.safeParse(id).success) {
    throw new ApiError(
      'BAD_REQUEST',
      `id: must be an upload id as returned by POST /uploads, a UUID (got ${JSON.stringify(id)})`,
    );
  }
  const item = await deps.results.get(id);
  if (item === undefined || (owner !== undefined && item.uploaderSub !== owner.sub)) {
    throw new ApiError('NOT_FOUND', `No upload with id ${id}.`);
  }
  // The scorer writes the results object as it records the final status: S3 expires it from then.
  const resultsExpireAt =
    item.resultsKey === undefined
      ? undefined
      : lifecycleExpiry(Date.parse(item.updatedAt ?? item.createdAt), deps.resultsRetentionDays);
  const expired = resultsExpireAt !== undefined && deps.signing.now().getTime() >= resultsExpireAt;
  const download =
    item.resultsKey !== undefined && !expired && (item.status === 'SUCCEEDED' || item.status === 'PARTIAL')
      ? await presignDownload(deps.signing, {
          bucket: deps.bucket,
          key: item.resultsKey,
          fileName: downloadName(item.fileName ?? item.uploadId),
        })
      : undefined;
  return jsonResponse(200, {
    ...resultBody(item, download),
    ...(resultsExpireAt !== undefined && { resultsExpireAt: new Date(resultsExpireAt).toISOString() }),
  });
}

/**
 * The scored rows' file name: the upload's, marked as scored. S3 serves the results with
 * `Content-Encoding: gzip`, which browsers undo as they save, so the saved file is plain NDJSON.
 */
export function downloadName(fileName: string): string {
  return `${fileName.replace(/\.csv(\.gz)?$/i, '')}-scored.ndjson`;
}

/** What an upload's result and the list of a user's uploads both show of it. */
export function uploadOverview(item: ResultItem) {
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

function resultBody(item: ResultItem, download: PresignedUrl | undefined) {
  const overview = uploadOverview(item);
  return {
    ...overview,
    summary: { ...overview.summary, durationMs: item.durationMs },
    rejectedSamples: item.rejectedSamples,
    ...(download !== undefined && { resultsUrl: download.url, expiresAt: download.expiresAt }),
  };
}
