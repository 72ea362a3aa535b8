import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** A URL that grants one S3 request until `expiresAt` (ISO 8601). */
export interface PresignedUrl {
  readonly url: string;
  readonly expiresAt: string;
}

/** How URLs are signed: by which client, valid for how long, from when. */
export interface UrlSigning {
  readonly s3: S3Client;
  readonly ttlSeconds: number;
  readonly now: () => Date;
}

/**
 * A PUT URL for exactly the declared file: Content-Type and Content-Length are signed, so S3 refuses
 * an upload of another type or size instead of storing something the limits were not checked for.
 */
export async function presignUpload(
  signing: UrlSigning,
  object: { bucket: string; key: string; contentType: string; bytes: number },
): Promise<PresignedUrl> {
  const command = new PutObjectCommand({
    Bucket: object.bucket,
    Key: object.key,
    ContentType: object.contentType,
    ContentLength: object.bytes,
  });
  // The presigner leaves Content-Type unsigned unless asked to sign it.
  return sign(signing, command, new Set(['content-type', 'content-length']));
}

/**
 * A GET URL for an object. With `fileName`, S3 answers with `Content-Disposition: attachment` naming
 * it (GetObject's `response-content-disposition`, S3 API reference): a browser saves the file under
 * that name instead of showing it or naming it after the key.
 */
export async function presignDownload(
  signing: UrlSigning,
  object: { bucket: string; key: string; fileName?: string },
): Promise<PresignedUrl> {
  return sign(
    signing,
    new GetObjectCommand({
      Bucket: object.bucket,
      Key: object.key,
      ...(object.fileName !== undefined && {
        ResponseContentDisposition: `attachment; filename="${object.fileName.replace(/["\\\r\n]/g, '_')}"`,
      }),
    }),
  );
}

async function sign(
  { s3, ttlSeconds, now }: UrlSigning,
  command: PutObjectCommand | GetObjectCommand,
  signableHeaders?: Set<string>,
): Promise<PresignedUrl> {
  const signedAt = now();
  const url = await getSignedUrl(s3, command, {
    expiresIn: ttlSeconds,
    signingDate: signedAt,
    signableHeaders,
  });
  return { url, expiresAt: new Date(signedAt.getTime() + ttlSeconds * 1000).toISOString() };
}
