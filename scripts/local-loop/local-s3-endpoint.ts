import type * as http from 'node:http';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { readRequestBody } from './request-body';
import { type CorsRule, corsRuleFor } from './s3-cors';

/** Where the endpoint keeps objects: the run's S3 stand-in, which the scorer reads from too. */
export interface ObjectStore {
  put(bucket: string, key: string, body: Buffer, contentType: string | undefined): Promise<void>;
  get(
    bucket: string,
    key: string,
  ): Promise<{ body: Buffer; contentType?: string; contentEncoding?: string } | undefined>;
}

export interface LocalS3EndpointOptions {
  /** The buckets' CORS rules, by bucket name (from the templates: `bucketCorsRules` in s3-cors.ts). */
  readonly cors: ReadonlyMap<string, readonly CorsRule[]>;
  readonly store: ObjectStore;
  /** The simulated clock: presigned URLs expire on it. */
  readonly now: () => number;
  /** S3's notification of a stored object (the bucket's NotificationConfiguration decides where it goes). */
  readonly objectCreated: (bucket: string, key: string, size: number) => void;
}

const CREDENTIALS = { accessKeyId: 'AKIDLOCALSITE', secretAccessKey: 'local-site' };

/**
 * S3 for a browser, over HTTP on this machine: the presigned PUTs and GETs the predictor API hands
 * out, path-style (`/<bucket>/<key>`). What S3 checks, it checks: the URL's expiry on the simulated
 * clock ("Request has expired"), the signature, recomputed by the SDK's own presigner from what the
 * browser sent (so a file of another Content-Type or size than was signed is refused, as S3 refuses
 * it), and the bucket's CORS rules from the template, preflight and actual request (S3 user guide,
 * "Using cross-origin resource sharing (CORS)"). Errors are S3's XML error documents.
 */
export class LocalS3Endpoint {
  /** The client the API presigns with: it names this endpoint and its credentials. */
  readonly presigner: S3Client;

  constructor(
    readonly url: string,
    region: string,
    private readonly options: LocalS3EndpointOptions,
  ) {
    this.presigner = new S3Client({
      region,
      endpoint: url,
      forcePathStyle: true,
      credentials: CREDENTIALS,
      // As the API's own presigning client (lambda/shared/aws-clients.ts): no checksum of an empty body.
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
  }

  async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
    const key = decodeURIComponent(rest.join('/'));
    const origin = header(request, 'origin');
    const rules = this.options.cors.get(bucket) ?? [];
    if (request.method === 'OPTIONS') {
      const method = header(request, 'access-control-request-method') ?? '';
      const requested = (header(request, 'access-control-request-headers') ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      const rule = origin === undefined ? undefined : corsRuleFor(rules, origin, method, requested);
      if (rule === undefined || origin === undefined) {
        return sendError(response, 403, 'AccessForbidden', 'CORSResponse: This CORS request is not allowed.');
      }
      response.writeHead(200, {
        ...allowHeaders(rule, origin),
        'access-control-allow-methods': rule.allowedMethods.join(', '),
        ...(requested.length > 0 && { 'access-control-allow-headers': requested.join(', ') }),
        ...(rule.maxAge !== undefined && { 'access-control-max-age': String(rule.maxAge) }),
      });
      response.end();
      return;
    }
    const method = request.method ?? 'GET';
    const cors = origin === undefined ? undefined : corsRuleFor(rules, origin, method, []);
    const corsHeaders = cors && origin !== undefined ? allowHeaders(cors, origin) : {};
    if (method !== 'PUT' && method !== 'GET') {
      return sendError(
        response,
        405,
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
        corsHeaders,
      );
    }
    const body = method === 'PUT' ? await readRequestBody(request) : undefined;
    const refusal = await this.checkPresigned(url, method, bucket, key, request, body);
    if (refusal) return sendError(response, 403, refusal.code, refusal.message, corsHeaders);
    if (method === 'PUT' && body !== undefined) {
      await this.options.store.put(bucket, key, body, header(request, 'content-type'));
      this.options.objectCreated(bucket, key, body.length);
      response.writeHead(200, { ...corsHeaders, etag: `"${body.length.toString(16)}"` }).end();
      return;
    }
    const stored = await this.options.store.get(bucket, key);
    if (stored === undefined)
      return sendError(response, 404, 'NoSuchKey', 'The specified key does not exist.', corsHeaders);
    const disposition = url.searchParams.get('response-content-disposition');
    response.writeHead(200, {
      ...corsHeaders,
      'content-type': stored.contentType ?? 'binary/octet-stream',
      ...(stored.contentEncoding !== undefined && { 'content-encoding': stored.contentEncoding }),
      'content-length': String(stored.body.length),
      ...(disposition !== null && { 'content-disposition': disposition }),
    });
    response.end(stored.body);
  }

  /** Why S3 would refuse this presigned request, or undefined when it would serve it. */
  private async checkPresigned(
    url: URL,
    method: 'PUT' | 'GET',
    bucket: string,
    key: string,
    request: http.IncomingMessage,
    body: Buffer | undefined,
  ): Promise<{ code: string; message: string } | undefined> {
    const query = url.searchParams;
    const signature = query.get('X-Amz-Signature');
    const stamp = query.get('X-Amz-Date') ?? '';
    const expires = Number(query.get('X-Amz-Expires'));
    const signedAt = Date.parse(
      stamp.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    if (signature === null || Number.isNaN(signedAt) || !Number.isInteger(expires)) {
      return { code: 'AccessDenied', message: 'Access Denied' };
    }
    if (this.options.now() > signedAt + expires * 1000) {
      return { code: 'AccessDenied', message: 'Request has expired' };
    }
    const signedHeaders = new Set((query.get('X-Amz-SignedHeaders') ?? '').split(';'));
    const disposition = query.get('response-content-disposition') ?? undefined;
    const command =
      method === 'PUT'
        ? new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            ContentType: header(request, 'content-type'),
            ContentLength: body?.length,
          })
        : new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: disposition });
    const expected = new URL(
      await getSignedUrl(this.presigner, command, {
        expiresIn: expires,
        signingDate: new Date(signedAt),
        signableHeaders: signedHeaders,
      }),
    ).searchParams.get('X-Amz-Signature');
    if (expected !== signature) {
      return {
        code: 'SignatureDoesNotMatch',
        message:
          'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      };
    }
    return undefined;
  }
}

function allowHeaders(rule: CorsRule, origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': rule.allowedOrigins.includes('*') ? '*' : origin,
    ...(rule.exposedHeaders.length > 0 && {
      'access-control-expose-headers': rule.exposedHeaders.join(', '),
    }),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
}

function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sendError(
  response: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { ...headers, 'content-type': 'application/xml' });
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}
