import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, SQSEvent } from 'aws-lambda';
import type { UploadSiteConfig } from '../../constructs/contracts/predictor';
import { createPredictorApi } from '../../lambda/predictor-api/predictor-api';
import { readPredictorApiConfig } from '../../lambda/predictor-api/predictor-api-config';
import { instrumentHandler } from '../../lambda/shared/instrument-handler';
import { ResultsTable } from '../../lambda/shared/results-table';
import { createUploadQueueHandler } from '../../lambda/upload-scorer/upload-queue-handler';
import { readUploadScorerConfig } from '../../lambda/upload-scorer/upload-scorer-config';
import { predictRecords } from '../../predictor/inference/predict-records';
import { scoreCsv } from '../../predictor/inference/score-csv';
import { buildSite } from '../../predictor/site/build-site';
import { deployedValue } from './deployed-values';
import { asDeployed, captureOutput, type DeployedFunction } from './handler-output';
import { LOCAL_REGION } from './local-aws';
import { LocalHttpApi } from './local-http-api';
import { LOCAL_ACCOUNT, type LocalRun } from './local-run';
import { LocalS3Endpoint } from './local-s3-endpoint';
import { LocalTokenIssuer, type LocalUser } from './local-token-issuer';
import { BucketNotifications, mappingsOf, QueueEventSource } from './queue-events';
import { bucketCorsRules } from './s3-cors';
import { BucketLifecycle } from './s3-lifecycle';
import type { FoundResource } from './synthesized-app';

/** The people who may sign in to the local site. Local only: printed by `npm start`. */
export const LOCAL_USERS: readonly LocalUser[] = [
  { email: 'analyst@example.org', password: 'Local-analyst-1!' },
  { email: 'quiet@example.org', password: 'Local-quiet-1!', resultsMail: 'off' },
];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/**
 * The predictor's upload site on this machine, against the local run: the page as `buildSite` builds
 * it for CloudFront, served on `localhost` as the distribution serves it (single-page fallback, the
 * template's security headers), with its `config.json` pointing at local stand-ins of what it calls
 * in AWS, each on its own origin so the browser's CORS checks run as they do against AWS: the HTTP
 * API (routes, JWT authorizer and CORS from the template, the real API handler behind it), S3
 * (presigned PUT/GET, the data bucket's CORS rules), and a token issuer for the user pool. An upload
 * is stored in the run's S3 stand-in, notified to the upload-events queue as the bucket's
 * notification configuration says, and scored by the real scorer; the lifecycle rules expire objects
 * on the simulated clock.
 */
export class LocalUploadSite {
  private serial: Promise<unknown> = Promise.resolve();
  private draining: Promise<void> = Promise.resolve();
  /** Uploads scored (or failed) by the scorer so far. */
  scored = 0;

  private constructor(
    private readonly run: LocalRun,
    private readonly servers: readonly http.Server[],
    readonly siteUrl: string,
    readonly apiUrl: string,
    readonly s3Url: string,
    readonly issuerUrl: string,
    readonly lifecycle: BucketLifecycle,
    private readonly consumer: QueueEventSource,
    readonly dataBucket: string,
  ) {}

  /** Starts the site on `localhost:sitePort` (0: any free port) and the stand-ins on 127.0.0.1. */
  static async start(
    run: LocalRun,
    options: { sitePort: number; siteFolder: string },
  ): Promise<LocalUploadSite> {
    const { reader } = run;
    const [site, api, s3, issuer] = await Promise.all([
      listen('localhost', options.sitePort),
      listen('127.0.0.1', 0),
      listen('127.0.0.1', 0),
      listen('127.0.0.1', 0),
    ]);
    const siteUrl = `http://localhost:${port(site)}/`;
    const apiUrl = `http://127.0.0.1:${port(api)}`;
    const s3Url = `http://127.0.0.1:${port(s3)}`;
    const issuerUrl = `http://127.0.0.1:${port(issuer)}`;

    // The template's local callback URL (http://localhost:<port>/) stands for this site server.
    const client = reader.resource('AWS::Cognito::UserPoolClient', '-predictor', 'UploadUsersSiteClient');
    const callbacks = ((client.properties.CallbackURLs ?? []) as string[]).map(String);
    const templateLocal = callbacks.find((url) => new URL(url).hostname === 'localhost');
    if (templateLocal === undefined)
      throw new Error(`the site client has no localhost callback URL (${callbacks.join(', ')})`);
    const localOrigin = (origin: string) =>
      origin === new URL(templateLocal).origin ? new URL(siteUrl).origin : origin;
    const idTokenSeconds = tokenSeconds(client);
    const tokens = await LocalTokenIssuer.create(
      issuerUrl,
      { clientId: reader.ref(client), callbackUrls: [siteUrl], idTokenSeconds },
      LOCAL_USERS,
      () => run.now(),
    );

    const apiFn = reader.resource('AWS::Lambda::Function', '-predictor', 'ApiFunction');
    const scorerFn = reader.resource('AWS::Lambda::Function', '-predictor', 'UploadScorerFunction');
    const apiConfig = readPredictorApiConfig(reader.localEnvironment(apiFn));
    const scorerConfig = readUploadScorerConfig(reader.localEnvironment(scorerFn));
    const lifecycle = new BucketLifecycle(reader);
    const putObject = run.aws.answer('S3.PutObject');
    run.aws.on('S3.PutObject', (input: { Bucket: string; Key: string }) => {
      lifecycle.created(input.Bucket, input.Key, run.now());
      return putObject(input);
    });
    const endpoint = new LocalS3Endpoint(s3Url, LOCAL_REGION, {
      cors: bucketCorsRules(reader, localOrigin),
      now: () => run.now(),
      store: {
        put: async (bucket, key, body, contentType) => {
          await run.clients.s3.send(
            new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
          );
        },
        get: async (bucket, key) => {
          try {
            const object = await run.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
            // The stand-in answers with a Node stream, as the SDK does in Node.
            const chunks: Buffer[] = [];
            for await (const chunk of object.Body as AsyncIterable<Uint8Array>)
              chunks.push(Buffer.from(chunk));
            return {
              body: Buffer.concat(chunks),
              ...(object.ContentType !== undefined && { contentType: object.ContentType }),
              ...(object.ContentEncoding !== undefined && { contentEncoding: object.ContentEncoding }),
            };
          } catch (error) {
            if ((error as Error).name === 'NoSuchKey') return undefined;
            throw error;
          }
        },
      },
      objectCreated: (bucket, key, size) => {
        notifications.objectCreated(run.sqs, bucket, key, size, run.now());
        void self.scoreUploads();
      },
    });
    const notifications = new BucketNotifications(reader, run.sqs);

    const invokeApi = instrumentHandler(
      createPredictorApi({
        config: apiConfig,
        results: new ResultsTable(run.clients.dynamoDb, apiConfig.resultsTableName),
        presigningS3: endpoint.presigner,
        predictRecords,
        now: () => new Date(run.now()),
      }),
    );
    const apiResource = reader.resources('AWS::ApiGatewayV2::Api', '-predictor')[0];
    if (!apiResource) throw new Error('the predictor stack has no HTTP API');
    const httpApi = new LocalHttpApi(reader, apiResource, apiUrl, {
      issuer: () => tokens.url,
      keys: tokens.keys,
      localOrigin,
      now: () => run.now(),
      invoke: (event) => self.invoke(apiFn, event, (e, context) => invokeApi(e, context)),
    });

    const scoreQueue = createUploadQueueHandler({
      s3: run.clients.s3,
      results: new ResultsTable(run.clients.dynamoDb, scorerConfig.resultsTableName),
      scoreCsv,
      resultsBucket: scorerConfig.dataBucketName,
      maxUploadBytes: scorerConfig.maxUploadBytes,
      maxRejectedShare: scorerConfig.maxRejectedShare,
    });
    const uploads = run.sqs.queue('UploadEvents', reader, '-predictor');
    const [mapping] = mappingsOf(reader, uploads);
    if (!mapping) throw new Error(`no event source mapping reads ${uploads.name}`);
    const consumer = new QueueEventSource(mapping, run.sqs, (event: SQSEvent) =>
      self.invoke(scorerFn, event, (e) => scoreQueue(e)),
    );

    fs.mkdirSync(options.siteFolder, { recursive: true });
    buildSite(options.siteFolder);
    const siteConfig: UploadSiteConfig = {
      apiUrl,
      region: LOCAL_REGION,
      clientId: reader.ref(client),
      signIn: issuerUrl,
      maxUploadBytes: apiConfig.maxUploadBytes,
      uploadExpiryDays: lifecycle.daysFor(apiConfig.dataBucketName, 'uploads/') ?? 1,
    };
    const headers = siteHeaders(run, [apiUrl, s3Url, issuerUrl]);
    const self: LocalUploadSite = new LocalUploadSite(
      run,
      [site, api, s3, issuer],
      siteUrl,
      apiUrl,
      s3Url,
      issuerUrl,
      lifecycle,
      consumer,
      apiConfig.dataBucketName,
    );
    serve(site, (request, response) => serveSite(request, response, options.siteFolder, siteConfig, headers));
    serve(api, (request, response) => httpApi.handle(request, response));
    serve(s3, (request, response) => endpoint.handle(request, response));
    serve(issuer, (request, response) => tokens.handle(request, response));
    return self;
  }

  /** Polls the upload-events queue until it is empty, scoring what arrives. */
  scoreUploads(): Promise<void> {
    this.draining = this.draining.then(async () => {
      for (;;) {
        const outcome = await this.consumer.poll(this.run.now());
        this.scored += outcome.received - outcome.failed;
        if (outcome.received === 0 || outcome.failed > 0) return;
      }
    });
    return this.draining;
  }

  /**
   * Moves the simulated clock on, and lets S3's lifecycle rules delete what is due by then. Returns
   * the objects deleted, as `bucket/key`.
   */
  async advance(ms: number): Promise<string[]> {
    await this.run.advance(ms);
    const expired = this.lifecycle.expire(this.run.now());
    for (const object of expired) {
      const slash = object.indexOf('/');
      await this.run.clients.s3.send(
        new DeleteObjectCommand({ Bucket: object.slice(0, slash), Key: object.slice(slash + 1) }),
      );
    }
    return expired;
  }

  /** The objects S3 holds for the data bucket now, with when each expires. */
  objects(): { key: string; expiresAt?: string }[] {
    return [...this.run.objects.keys()]
      .filter((object) => object.startsWith(`${this.dataBucket}/`))
      .map((object) => {
        const key = object.slice(this.dataBucket.length + 1);
        const expiry = this.lifecycle.expiryOf(this.dataBucket, key);
        return { key, ...(expiry && { expiresAt: new Date(expiry.at).toISOString() }) };
      });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  /**
   * Runs a handler as its function would: one invocation at a time (the log capture is per process),
   * its Powertools lines into the function's log group on the simulated clock.
   */
  private invoke<TEvent, TResult>(
    fn: FoundResource,
    event: TEvent,
    handler: (event: TEvent, context: Context) => Promise<TResult>,
  ): Promise<TResult> {
    const environment = this.run.reader.environment(fn);
    const deployed: DeployedFunction = {
      serviceName: environment.POWERTOOLS_SERVICE_NAME,
      metricsNamespace: environment.POWERTOOLS_METRICS_NAMESPACE,
    };
    const logging = fn.properties.LoggingConfig as { LogGroup?: unknown } | undefined;
    const functionName = this.run.reader.ref(fn);
    const logGroup = logging?.LogGroup
      ? deployedValue(logging.LogGroup, fn.stack)
      : `/aws/lambda/${functionName}`;
    const next = this.serial.then(async () => {
      const lines: string[] = [];
      const at = this.run.now();
      try {
        return await captureOutput(lines, () => handler(event, lambdaContext(functionName, logGroup)));
      } finally {
        for (const line of lines) this.run.logs.put(logGroup, at, asDeployed(line, at, deployed));
      }
    });
    this.serial = next.catch(() => undefined);
    return next;
  }
}

/** The site's security headers from the template's response headers policy, for local origins. */
function siteHeaders(run: LocalRun, localOrigins: readonly string[]): Record<string, string> {
  const policy = run.reader.resources('AWS::CloudFront::ResponseHeadersPolicy')[0];
  const security = (
    policy?.properties.ResponseHeadersPolicyConfig as
      | {
          SecurityHeadersConfig?: {
            ContentSecurityPolicy?: { ContentSecurityPolicy?: string };
            FrameOptions?: { FrameOption?: string };
            ReferrerPolicy?: { ReferrerPolicy?: string };
            ContentTypeOptions?: unknown;
          };
        }
      | undefined
  )?.SecurityHeadersConfig;
  // The deployed policy allows AWS's hosts (https://*.amazonaws.com, *.amazoncognito.com); here the
  // page talks to the stand-ins' origins instead, so they are added to the directives naming hosts.
  const csp = (security?.ContentSecurityPolicy?.ContentSecurityPolicy ?? "default-src 'self'")
    .split(';')
    .map((directive) => directive.trim())
    .map((directive) =>
      /^(connect-src|form-action)\b/.test(directive) ? `${directive} ${localOrigins.join(' ')}` : directive,
    )
    .join('; ');
  return {
    'content-security-policy': csp,
    ...(security?.ContentTypeOptions !== undefined && { 'x-content-type-options': 'nosniff' }),
    ...(security?.FrameOptions?.FrameOption && { 'x-frame-options': security.FrameOptions.FrameOption }),
    ...(security?.ReferrerPolicy?.ReferrerPolicy && {
      'referrer-policy': security.ReferrerPolicy.ReferrerPolicy,
    }),
  };
}

/**
 * The distribution's behaviour for the built site: files as they are; any other path is the page
 * itself (the distribution answers a missing key with index.html, so `/results/<id>` links work).
 */
function serveSite(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  folder: string,
  config: UploadSiteConfig,
  headers: Record<string, string>,
): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/config.json') {
    response.writeHead(200, {
      ...headers,
      'content-type': CONTENT_TYPES['.json'] as string,
      'cache-control': 'no-cache',
    });
    response.end(JSON.stringify(config));
    return;
  }
  const file = path.join(
    folder,
    path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''),
  );
  const found =
    file.startsWith(folder) && fs.existsSync(file) && fs.statSync(file).isFile()
      ? file
      : path.join(folder, 'index.html');
  const hashed = found.includes(`${path.sep}assets${path.sep}`);
  response.writeHead(200, {
    ...headers,
    'content-type': CONTENT_TYPES[path.extname(found)] ?? 'application/octet-stream',
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  response.end(fs.readFileSync(found));
}

function tokenSeconds(client: FoundResource): number {
  const validity = Number(client.properties.IdTokenValidity ?? 60);
  const unit = (client.properties.TokenValidityUnits as { IdToken?: string } | undefined)?.IdToken ?? 'hours';
  return validity * ({ seconds: 1, minutes: 60, hours: 3600, days: 86_400 }[unit] ?? 3600);
}

function lambdaContext(functionName: string, logGroupName: string): Context {
  const awsRequestId = crypto.randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}:live`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName,
    logStreamName: `local/[$LATEST]${awsRequestId.slice(0, 8)}`,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function listen(host: string, portNumber: number): Promise<http.Server> {
  const server = http.createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(portNumber, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function port(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}

function serve(
  server: http.Server,
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => void | Promise<void>,
): void {
  server.on('request', (request, response) => {
    Promise.resolve(handler(request, response)).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(error instanceof Error ? error.message : String(error));
    });
  });
}
