import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { LocalS3Endpoint } from '../../../scripts/local-loop/local-s3-endpoint';
import { type CorsRule, corsRuleFor } from '../../../scripts/local-loop/s3-cors';

const SITE = 'http://localhost:4781';
const BUCKET = 'vigil-dev-predictor-data';
// The data bucket's rule as stacks/predictor-stack.ts configures it.
const RULES: CorsRule[] = [
  {
    allowedOrigins: [SITE],
    allowedMethods: ['PUT', 'GET'],
    allowedHeaders: ['Content-Type'],
    exposedHeaders: ['ETag'],
    maxAge: 3000,
  },
];

describe('S3 CORS rule matching (S3 user guide, "How does Amazon S3 evaluate the CORS configuration")', () => {
  test('origin, method and every requested header must match one rule', () => {
    expect(corsRuleFor(RULES, SITE, 'PUT', ['content-type'])).toBe(RULES[0]);
    expect(corsRuleFor(RULES, 'http://localhost:9999', 'PUT', [])).toBeUndefined();
    expect(corsRuleFor(RULES, SITE, 'DELETE', [])).toBeUndefined();
    expect(corsRuleFor(RULES, SITE, 'PUT', ['content-type', 'x-amz-checksum-crc32'])).toBeUndefined();
  });

  test('one * wildcard in an origin or header', () => {
    const wide: CorsRule[] = [
      { ...(RULES[0] as CorsRule), allowedOrigins: ['https://*.example.org'], allowedHeaders: ['x-amz-*'] },
    ];
    expect(corsRuleFor(wide, 'https://uploads.example.org', 'GET', ['X-Amz-Date'])).toBeDefined();
    expect(corsRuleFor(wide, 'https://example.com', 'GET', [])).toBeUndefined();
  });
});

describe('presigned requests over HTTP', () => {
  const stored = new Map<string, Buffer>();
  const created: string[] = [];
  let now = Date.parse('2026-12-07T10:00:00Z');
  let server: http.Server;
  let endpoint: LocalS3Endpoint;

  beforeAll(async () => {
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = new LocalS3Endpoint(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      'eu-west-1',
      {
        cors: new Map([[BUCKET, RULES]]),
        now: () => now,
        store: {
          put: async (bucket, key, body) => {
            stored.set(`${bucket}/${key}`, body);
          },
          get: async (bucket, key) => {
            const body = stored.get(`${bucket}/${key}`);
            return body && { body, contentType: 'application/x-ndjson' };
          },
        },
        objectCreated: (bucket, key) => created.push(`${bucket}/${key}`),
      },
    );
    server.on('request', (request, response) => void endpoint.handle(request, response));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const presignPut = (contentType: string, bytes: number) =>
    getSignedUrl(
      endpoint.presigner,
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'uploads/a.csv',
        ContentType: contentType,
        ContentLength: bytes,
      }),
      {
        expiresIn: 900,
        signingDate: new Date(now),
        signableHeaders: new Set(['content-type', 'content-length']),
      },
    );

  test('the declared file is stored and notified; the site origin gets the CORS headers', async () => {
    const response = await fetch(await presignPut('text/csv', 5), {
      method: 'PUT',
      headers: { 'content-type': 'text/csv', origin: SITE },
      body: 'a,b\n1',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(response.headers.get('access-control-expose-headers')).toBe('ETag');
    expect(stored.get(`${BUCKET}/uploads/a.csv`)?.toString()).toBe('a,b\n1');
    expect(created).toEqual([`${BUCKET}/uploads/a.csv`]);
  });

  test('another type or size than was signed: SignatureDoesNotMatch', async () => {
    const url = await presignPut('text/csv', 5);
    for (const [type, body] of [
      ['application/gzip', 'a,b\n1'],
      ['text/csv', 'a,b\n12'],
    ] as const) {
      const response = await fetch(url, { method: 'PUT', headers: { 'content-type': type }, body });
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
    }
  });

  test('a URL past its X-Amz-Expires on the simulated clock: Request has expired', async () => {
    const url = await presignPut('text/csv', 5);
    now += 901_000;
    const response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: 'a,b\n1',
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/<Message>Request has expired<\/Message>/);
  });

  test('preflight: answered for the site origin, refused for any other', async () => {
    const preflight = (origin: string, headers = 'content-type') =>
      fetch(`${endpoint.url}/${BUCKET}/uploads/a.csv`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': headers,
        },
      });
    const allowed = await preflight(SITE);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-methods')).toBe('PUT, GET');
    expect(allowed.headers.get('access-control-max-age')).toBe('3000');
    expect((await preflight('https://evil.example.org')).status).toBe(403);
    expect((await preflight(SITE, 'content-type,x-amz-checksum-crc32')).status).toBe(403);
  });

  test('a presigned GET serves the object with the disposition it was signed with', async () => {
    stored.set(`${BUCKET}/results/a.ndjson.gz`, Buffer.from('{"id":"1"}\n'));
    const url = await getSignedUrl(
      endpoint.presigner,
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: 'results/a.ndjson.gz',
        ResponseContentDisposition: 'attachment; filename="a.ndjson"',
      }),
      { expiresIn: 900, signingDate: new Date(now) },
    );
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="a.ndjson"');
    expect(await response.text()).toBe('{"id":"1"}\n');
    const missing = await fetch(url.replace('results/a.ndjson.gz', 'results/b.ndjson.gz'));
    expect(missing.status).toBe(403);
  });
});
