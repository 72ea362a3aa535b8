import '../support/test-environment';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { PagerDutyEvent } from '../../../lambda/alert-enricher/formats/pagerduty-event';
import {
  PagerDutyKeyTimeoutError,
  PagerDutyRejectedError,
  PagerDutySender,
  PagerDutyUnavailableError,
} from '../../../lambda/alert-enricher/pagerduty-sender';

/** A local stand-in for events.pagerduty.com: answers each request with the next scripted status. */
class PagerDutyReceiver {
  readonly bodies: unknown[] = [];
  readonly headers: IncomingMessage['headers'][] = [];
  /** Called as each request arrives, before it is answered. */
  onRequest: () => void = () => {};
  private readonly server: Server;
  private script: number[] = [];

  constructor() {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        this.bodies.push(JSON.parse(body));
        this.headers.push(request.headers);
        this.onRequest();
        const status = this.script.shift() ?? 202;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify(
            status === 202
              ? { status: 'success', message: 'Event processed', dedup_key: 'k' }
              : {
                  status: 'invalid event',
                  message: 'Event object is invalid',
                  errors: ['Length of summary is too long'],
                },
          ),
        );
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v2/enqueue`;
  }

  answer(...statuses: number[]): void {
    this.script = statuses;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const secrets = mockClient(SecretsManagerClient);
const secretsManager = new SecretsManagerClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const receiver = new PagerDutyReceiver();
let eventsUrl = '';

const event = {
  routing_key: 'R0UTINGKEY',
  event_action: 'trigger',
  dedup_key: 'vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z',
  payload: {
    summary: 'predictor/api errors',
    source: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:vigil-dev-predictor-api-errors',
    severity: 'critical',
  },
} as unknown as PagerDutyEvent;

beforeAll(async () => {
  eventsUrl = await receiver.start();
});
afterAll(() => receiver.close());
beforeEach(() => {
  secrets.reset();
  receiver.bodies.length = 0;
  receiver.onRequest = () => {};
});

const sender = (now = () => 0) =>
  new PagerDutySender({ secretsManager, eventsUrl, retryDelayMs: 1, attemptTimeoutMs: 2000, now });

test('posts the event as JSON and succeeds on 202', async () => {
  receiver.answer(202);
  await sender().send(event);
  expect(receiver.bodies).toEqual([event]);
  expect(receiver.headers[0]?.['content-type']).toBe('application/json');
});

test('retries 429 and 5xx answers, then succeeds', async () => {
  receiver.answer(429, 503, 202);
  await sender().send(event);
  expect(receiver.bodies).toHaveLength(3);
});

test('gives up after three attempts with an error naming the last answer', async () => {
  receiver.answer(500, 500, 500, 202);
  await expect(sender().send(event)).rejects.toThrow(PagerDutyUnavailableError);
  expect(receiver.bodies).toHaveLength(3);
});

test('does not retry an event PagerDuty rejected as invalid, and says why', async () => {
  receiver.answer(400);
  const attempt = sender().send(event);
  await expect(attempt).rejects.toThrow(PagerDutyRejectedError);
  await expect(attempt).rejects.toThrow(/Length of summary is too long/);
  expect(receiver.bodies).toHaveLength(1);
});

test('reads the routing key from the secret, plain or as JSON, and caches it for five minutes', async () => {
  secrets
    .on(GetSecretValueCommand, { SecretId: 'pagerduty/plain' })
    .resolves({ SecretString: 'KEY-PLAIN\n' });
  secrets
    .on(GetSecretValueCommand, { SecretId: 'pagerduty/json' })
    .resolves({ SecretString: '{"routingKey":"KEY-JSON"}' });
  let clock = 0;
  const cached = sender(() => clock);
  expect(await cached.routingKey('pagerduty/plain')).toBe('KEY-PLAIN');
  expect(await cached.routingKey('pagerduty/json')).toBe('KEY-JSON');
  clock = 299_000;
  await cached.routingKey('pagerduty/plain');
  expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  clock = 301_000;
  await cached.routingKey('pagerduty/plain');
  expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(3);
});

test('a secret without a usable key is a specific error', async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"token":"x"}' });
  await expect(sender().routingKey('pagerduty/wrong')).rejects.toThrow(
    'secret pagerduty/wrong is JSON without a "routingKey" string',
  );
});

test('a routing key read that hangs is given up after its timeout, and the next call reads again', async () => {
  secrets
    .on(GetSecretValueCommand)
    .callsFakeOnce(() => new Promise(() => {}))
    .resolves({ SecretString: 'KEY-AFTER' });
  const hasty = new PagerDutySender({ secretsManager, eventsUrl, keyReadTimeoutMs: 50 });
  const started = performance.now();
  // Two callers during the hung read share it, and its failure.
  const waiting = [hasty.routingKey('pagerduty/slow'), hasty.routingKey('pagerduty/slow')];
  await expect(waiting[0]).rejects.toThrow(PagerDutyKeyTimeoutError);
  await expect(waiting[1]).rejects.toThrow(
    'routing key pagerduty/slow not read from Secrets Manager within 50 ms',
  );
  expect(performance.now() - started).toBeLessThan(1000);
  // The hung read is not waited on again: this is a new one.
  expect(await hasty.routingKey('pagerduty/slow')).toBe('KEY-AFTER');
  expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
});

test('callers asking for the same key at once share one read', async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'KEY-SHARED' });
  const shared = sender();
  const keys = await Promise.all([shared.routingKey('pagerduty/a'), shared.routingKey('pagerduty/a')]);
  expect(keys).toEqual(['KEY-SHARED', 'KEY-SHARED']);
  expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
});

test('once its signal is aborted, no further attempt is made', async () => {
  receiver.answer(500, 500, 202);
  const controller = new AbortController();
  // The alert's deadline passes while the first attempt is being answered with a 500.
  receiver.onRequest = () => controller.abort(new Error('alert deadline'));
  await expect(sender().send(event, controller.signal)).rejects.toThrow(PagerDutyUnavailableError);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(receiver.bodies).toHaveLength(1);
});
