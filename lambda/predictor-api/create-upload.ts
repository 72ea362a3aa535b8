import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type UploadFormat, uploadKey } from '../shared/object-keys';
import { presignUpload, type UrlSigning } from '../shared/presigned-urls';
import { type ResultsTable, type Uploader, UploadIdTakenError } from '../shared/results-table';
import * as z from '../shared/zod';
import { ApiError, jsonResponse } from './http-response';
import { jsonBody, validated } from './request-body';

const CONTENT_TYPES = { csv: 'text/csv', 'csv.gz': 'application/gzip' } as const satisfies Record<
  UploadFormat,
  string
>;

const shown = (input: unknown) => JSON.stringify(input);

/** `POST /uploads` body; the limit comes from the environment. */
export function uploadRequestSchema(maxUploadBytes: number) {
  return z
    .strictObject(
      {
        fileName: z
          .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
          .check(
            z.trim(),
            z.minLength(1, { error: 'must not be empty' }),
            z.maxLength(255, { error: 'must be at most 255 characters' }),
            z.regex(/\.csv(\.gz)?$/i, {
              error: (issue) => `must end in .csv or .csv.gz (got ${shown(issue.input)})`,
            }),
          ),
        contentType: z.enum(Object.values(CONTENT_TYPES) as ['text/csv', 'application/gzip'], {
          error: (issue) =>
            `must be ${Object.values(CONTENT_TYPES).join(' or ')} (got ${shown(issue.input ?? null)})`,
        }),
        bytes: z
          .number({ error: (issue) => `must be a number of bytes (got ${shown(issue.input ?? null)})` })
          .check(
            z.int({ error: 'must be a whole number of bytes' }),
            z.gte(1, { error: 'must be at least 1: an empty file has nothing to score' }),
            z.lte(maxUploadBytes, {
              error: (issue) => `must be at most ${maxUploadBytes}, the upload limit (got ${issue.input})`,
            }),
          ),
      },
      { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) },
    )
    .check(
      z.superRefine((body, context) => {
        const expected = CONTENT_TYPES[formatOf(body.fileName)];
        if (body.contentType !== expected) {
          context.addIssue({
            code: 'custom',
            path: ['contentType'],
            message: `must be ${expected} for a file named ${shown(body.fileName)} (got ${shown(body.contentType)})`,
          });
        }
      }),
    );
}

function formatOf(fileName: string): UploadFormat {
  return fileName.toLowerCase().endsWith('.gz') ? 'csv.gz' : 'csv';
}

export interface CreateUploadDependencies {
  readonly results: ResultsTable;
  readonly signing: UrlSigning;
  readonly bucket: string;
  readonly maxUploadBytes: number;
  readonly newUploadId: () => string;
}

/**
 * Registers an upload as PENDING, then hands out a presigned PUT for it. The item comes first so
 * that the scorer, triggered by the PUT, always finds the upload known. An upload from the site is
 * recorded with its uploader, who alone reads it back at `/app/results/{id}`.
 */
export async function createUpload(
  deps: CreateUploadDependencies,
  event: APIGatewayProxyEventV2,
  uploader?: Uploader,
): Promise<APIGatewayProxyStructuredResultV2> {
  const request = validated(uploadRequestSchema(deps.maxUploadBytes), jsonBody(event));
  const uploadId = deps.newUploadId();
  const key = uploadKey(uploadId, formatOf(request.fileName));
  try {
    await deps.results.createPending({ uploadId, sourceKey: key, fileName: request.fileName, uploader });
  } catch (error) {
    if (error instanceof UploadIdTakenError) {
      throw new ApiError(
        'CONFLICT',
        'A new upload id collided with an existing one; send the request again.',
      );
    }
    throw error;
  }
  const upload = await presignUpload(deps.signing, {
    bucket: deps.bucket,
    key,
    contentType: request.contentType,
    bytes: request.bytes,
  });
  return jsonResponse(
    201,
    {
      uploadId,
      uploadUrl: upload.url,
      expiresAt: upload.expiresAt,
      method: 'PUT',
      headers: { 'Content-Type': request.contentType },
    },
    { location: uploader === undefined ? `/results/${uploadId}` : `/app/results/${uploadId}` },
  );
}
