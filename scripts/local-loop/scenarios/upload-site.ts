import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type LocalRun, MINUTE, openLocalRun } from '../local-run';
import { LOCAL_USERS, LocalUploadSite } from '../local-upload-site';
import type { Scenario, ScenarioRun } from '../scenario';

/** The export an analyst uploads: the project's sample of the Chicago crimes schema. */
export const SAMPLE_EXPORT = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'predictor',
  'sample',
  'crimes-sample.csv',
);
const DAY = 24 * 60 * MINUTE;
/** Results are final within this much wall time, or the scenario says so. */
const RESULT_WAIT_MS = 30_000;

/**
 * A `.csv.gz` that is gzip by its header but damaged inside: the sample compressed, then bytes of
 * its deflate stream overwritten, as a bad disk or a broken transfer leaves a file. The scorer's
 * inflate stops on it with Z_DATA_ERROR: CORRUPT_GZIP.
 */
export function corruptGzip(csv: Buffer): Buffer {
  const gzip = Buffer.from(gzipSync(csv));
  gzip.fill(0xff, 20, 60);
  return gzip;
}

export const uploadSite: Scenario = {
  name: 'upload-site',
  description:
    "an analyst signs in to the predictor's upload site, uploads the sample export and a damaged .csv.gz, reads the results and the error, downloads the scored rows; two simulated days later S3's lifecycle has deleted the uploads and kept the results",
  run: async (options) => {
    const run = await openLocalRun({ ...options, watch: [], evaluates: () => false });
    let site: LocalUploadSite | undefined;
    try {
      site = await LocalUploadSite.start(run, {
        sitePort: options.sitePort ?? 0,
        siteFolder: path.join(options.runFolder, 'upload-site'),
      });
      const played = await playAnalyst(run, site, options.timelineStart);
      if (options.console?.holdUploadSite) {
        // The console serves the site after the run, and closes it when it stops.
        const held = site;
        options.console.holdUploadSite({
          siteUrl: held.siteUrl,
          users: LOCAL_USERS,
          advance: (ms) => held.advance(ms),
          objects: () => held.objects(),
          close: () => held.close(),
        });
        site = undefined;
      }
      return played;
    } finally {
      await site?.close();
      await run.close();
    }
  },
};

async function playAnalyst(run: LocalRun, site: LocalUploadSite, start: number): Promise<ScenarioRun> {
  const failures: string[] = [];
  const expect = (ok: boolean, failure: string) => {
    if (!ok) failures.push(failure);
  };
  const [analyst, other] = LOCAL_USERS as [(typeof LOCAL_USERS)[number], (typeof LOCAL_USERS)[number]];
  const visitor = new SiteVisitor(site);
  run.timeline.add(
    start,
    `upload site: ${site.siteUrl} (API ${site.apiUrl}, S3 ${site.s3Url}, sign-in ${site.issuerUrl})`,
  );

  const token = await visitor.signIn(analyst.email, analyst.password);
  run.timeline.add(run.now(), `${analyst.email} signed in (authorization code with PKCE, ID token)`);
  const sample = fs.readFileSync(SAMPLE_EXPORT);
  const good = await visitor.upload(token, 'crimes-sample.csv', sample, 'text/csv');
  const bad = await visitor.upload(token, 'crimes-damaged.csv.gz', corruptGzip(sample), 'application/gzip');
  run.timeline.add(
    run.now(),
    `uploaded crimes-sample.csv (${sample.length} bytes) and crimes-damaged.csv.gz through presigned PUTs`,
  );

  const scored = await visitor.finalResult(token, good);
  const failed = await visitor.finalResult(token, bad);
  run.timeline.add(
    run.now(),
    `results: crimes-sample.csv ${scored.status}, ${scored.summary?.scored} scored, ${scored.summary?.rejected} rejected; crimes-damaged.csv.gz ${failed.status} ${failed.error?.code}`,
  );
  expect(scored.status === 'SUCCEEDED' || scored.status === 'PARTIAL', `the sample ended ${scored.status}`);
  expect((scored.summary?.scored ?? 0) > 0, 'the sample had no scored rows');
  expect(
    failed.status === 'FAILED' && failed.error?.code === 'CORRUPT_GZIP',
    `the damaged file ended ${failed.status} ${failed.error?.code}`,
  );

  const download = scored.resultsUrl === undefined ? undefined : await visitor.download(scored.resultsUrl);
  const lines = download === undefined ? 0 : download.trimEnd().split('\n').length;
  expect(
    lines === scored.summary?.scored,
    `the download has ${lines} rows, the result says ${scored.summary?.scored} scored`,
  );
  const listed = await visitor.recent(token);
  expect(listed.length === 2, `the analyst's recent uploads list ${listed.length} uploads, not 2`);
  const otherToken = await visitor.signIn(other.email, other.password);
  const peek = await visitor.request(otherToken, 'GET', `/app/results/${good}`);
  expect(peek.status === 404, `another user reading the analyst's upload got ${peek.status}, not 404`);
  run.timeline.add(
    run.now(),
    `downloaded ${lines} scored rows (NDJSON); ${other.email} asking for the analyst's upload got ${peek.status}`,
  );

  const uploadsBefore = site.objects().filter((object) => object.key.startsWith('uploads/'));
  const expired = await site.advance(2 * DAY);
  const left = site.objects();
  run.timeline.add(
    run.now(),
    `two days later, S3's lifecycle deleted ${expired.length} object(s): ${expired.map((o) => o.split('/').slice(1).join('/')).join(', ')}`,
  );
  expect(uploadsBefore.length === 2, `${uploadsBefore.length} uploads were stored, not 2`);
  expect(
    !left.some((object) => object.key.startsWith('uploads/')),
    'uploads were still stored after their expiry',
  );
  expect(
    left.some((object) => object.key.startsWith('results/')),
    'the results were deleted with the uploads',
  );

  return {
    summary: run.summary('upload-site', {}),
    timeline: run.timeline,
    emails: run.emails,
    notes: run.notes([
      `upload site: the page built for CloudFront, served on ${site.siteUrl} with the template's security headers`,
      'sign-in: a local token issuer in place of the Cognito user pool (same endpoints, RS256 ID tokens checked by the JWT authorizer steps API Gateway documents)',
      "S3: presigned PUT/GET over HTTP with expiry, signature and the bucket's CORS rules; lifecycle expiry on the simulated clock",
    ]),
    failures,
  };
}

/** What the page does, as HTTP requests: sign-in, upload, results. Sends the site's Origin, as a browser would. */
class SiteVisitor {
  private readonly origin: string;

  constructor(private readonly site: LocalUploadSite) {
    this.origin = new URL(site.siteUrl).origin;
  }

  async signIn(email: string, password: string): Promise<string> {
    const config = (await (await fetch(new URL('/config.json', this.site.siteUrl))).json()) as {
      clientId: string;
    };
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const form = new URLSearchParams({
      response_type: 'code',
      client_id: config.clientId,
      redirect_uri: this.site.siteUrl,
      scope: 'openid email',
      state: 'scenario',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      username: email,
      password,
    });
    const signedIn = await fetch(`${this.site.issuerUrl}/oauth2/authorize`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    const code = new URL(signedIn.headers.get('location') ?? '', this.site.siteUrl).searchParams.get('code');
    if (!code) throw new Error(`sign-in of ${email} failed: HTTP ${signedIn.status}`);
    const tokens = await fetch(`${this.site.issuerUrl}/oauth2/token`, {
      method: 'POST',
      headers: { origin: this.origin },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: config.clientId,
        code,
        redirect_uri: this.site.siteUrl,
        code_verifier: verifier,
      }),
    });
    return ((await tokens.json()) as { id_token: string }).id_token;
  }

  async request(
    token: string,
    method: string,
    route: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.site.apiUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, origin: this.origin, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async upload(token: string, fileName: string, bytes: Buffer, contentType: string): Promise<string> {
    const ticket = await this.request(token, 'POST', '/app/uploads', {
      fileName,
      contentType,
      bytes: bytes.length,
    });
    if (ticket.status !== 201)
      throw new Error(`POST /app/uploads answered ${ticket.status}: ${JSON.stringify(ticket.body)}`);
    const put = await fetch(String(ticket.body.uploadUrl), {
      method: 'PUT',
      headers: { 'content-type': contentType, origin: this.origin },
      body: bytes,
    });
    if (!put.ok)
      throw new Error(`the presigned PUT of ${fileName} answered ${put.status}: ${await put.text()}`);
    await this.site.scoreUploads();
    return String(ticket.body.uploadId);
  }

  async finalResult(token: string, uploadId: string): Promise<UploadResult> {
    const until = Date.now() + RESULT_WAIT_MS;
    for (;;) {
      const result = (await this.request(token, 'GET', `/app/results/${uploadId}`))
        .body as unknown as UploadResult;
      if (result.status !== 'PENDING' || Date.now() > until) return result;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async recent(token: string): Promise<unknown[]> {
    return ((await this.request(token, 'GET', '/app/uploads')).body.uploads ?? []) as unknown[];
  }

  async download(url: string): Promise<string> {
    const response = await fetch(url, { headers: { origin: this.origin } });
    if (!response.ok) throw new Error(`the results download answered ${response.status}`);
    return response.text();
  }
}

interface UploadResult {
  readonly status: string;
  readonly summary?: { scored?: number; rejected?: number };
  readonly error?: { code: string };
  readonly resultsUrl?: string;
}
