import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { backOff } from 'exponential-backoff';
import { ContextTimeoutError, withTimeout } from './context/with-timeout';
import type { PagerDutyEvent } from './formats/pagerduty-event';

/** PagerDuty refused the event itself (HTTP 400): retrying the same body cannot succeed. */
export class PagerDutyRejectedError extends Error {
  override readonly name = 'PagerDutyRejectedError';
}

/** Sending failed after the retries (network, 429, 5xx). */
export class PagerDutyUnavailableError extends Error {
  override readonly name = 'PagerDutyUnavailableError';
}

/** Secrets Manager did not answer with the routing key in time: without it nothing can be sent. */
export class PagerDutyKeyTimeoutError extends Error {
  override readonly name = 'PagerDutyKeyTimeoutError';
}

export interface PagerDutySenderOptions {
  readonly secretsManager: SecretsManagerClient;
  /** @default https://events.pagerduty.com/v2/enqueue */
  readonly eventsUrl?: string;
  /** Attempts per event, the first included. @default 3 */
  readonly attempts?: number;
  /** Time one HTTP attempt may take. @default 3000 ms */
  readonly attemptTimeoutMs?: number;
  /** How long a routing key read from Secrets Manager is reused. @default 5 minutes */
  readonly keyCacheMs?: number;
  /**
   * Time one read of the routing key may take; a read that hangs (a cold start's first connection) is
   * abandoned then, so the next alert reads again instead of waiting on it. @default 1500 ms
   */
  readonly keyReadTimeoutMs?: number;
  /** First retry delay; later ones double. @default 200 ms */
  readonly retryDelayMs?: number;
  readonly now?: () => number;
}

const EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/**
 * Sends Events API v2 events. The routing key lives in Secrets Manager (never in the environment or
 * the template) and is cached briefly, so a rotated key is picked up within minutes without an API
 * call per alert.
 */
export class PagerDutySender {
  private readonly keys = new Map<string, { value: string; until: number }>();
  /** Reads under way, shared: a key warmed while context is gathered is the one the page then uses. */
  private readonly reads = new Map<string, Promise<string>>();
  private readonly options: Required<Omit<PagerDutySenderOptions, 'secretsManager'>> &
    Pick<PagerDutySenderOptions, 'secretsManager'>;

  constructor(options: PagerDutySenderOptions) {
    this.options = {
      secretsManager: options.secretsManager,
      eventsUrl: options.eventsUrl ?? EVENTS_URL,
      attempts: options.attempts ?? 3,
      attemptTimeoutMs: options.attemptTimeoutMs ?? 3000,
      keyCacheMs: options.keyCacheMs ?? 5 * 60_000,
      keyReadTimeoutMs: options.keyReadTimeoutMs ?? 1500,
      retryDelayMs: options.retryDelayMs ?? 200,
      now: options.now ?? Date.now,
    };
  }

  /**
   * The routing key stored under `secretName`: the whole secret string, or its `routingKey` JSON field.
   * One read at a time per secret, each given up after `keyReadTimeoutMs`.
   */
  routingKey(secretName: string): Promise<string> {
    const cached = this.keys.get(secretName);
    if (cached && cached.until > this.options.now()) return Promise.resolve(cached.value);
    const running = this.reads.get(secretName);
    if (running) return running;
    const read = this.readKey(secretName).finally(() => this.reads.delete(secretName));
    this.reads.set(secretName, read);
    return read;
  }

  private async readKey(secretName: string): Promise<string> {
    const timeoutMs = this.options.keyReadTimeoutMs;
    const secret = await withTimeout(timeoutMs, (abortSignal) =>
      this.options.secretsManager.send(new GetSecretValueCommand({ SecretId: secretName }), { abortSignal }),
    ).catch((error: unknown) => {
      if (error instanceof ContextTimeoutError) {
        throw new PagerDutyKeyTimeoutError(
          `routing key ${secretName} not read from Secrets Manager within ${timeoutMs} ms`,
        );
      }
      throw error;
    });
    const value = routingKeyOf(secret.SecretString, secretName);
    this.keys.set(secretName, { value, until: this.options.now() + this.options.keyCacheMs });
    return value;
  }

  /**
   * Posts the event, retrying 429, 5xx and network errors. Once `signal` is aborted (the alert's
   * deadline) no attempt starts and the one under way is cancelled, so a page given up for the
   * dead-letter queue is not sent later behind its back.
   */
  async send(event: PagerDutyEvent, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify(event);
    await backOff(() => this.post(body, signal), {
      numOfAttempts: this.options.attempts,
      startingDelay: this.options.retryDelayMs,
      timeMultiple: 2,
      jitter: 'full',
      retry: (error) => !(error instanceof PagerDutyRejectedError) && !signal?.aborted,
    }).catch((error: unknown) => {
      if (error instanceof PagerDutyRejectedError) throw error;
      throw new PagerDutyUnavailableError(
        `PagerDuty did not accept the event after ${this.options.attempts} attempts: ${(error as Error).message}`,
      );
    });
  }

  private async post(body: string, signal: AbortSignal | undefined): Promise<void> {
    // The backoff's delay cannot be interrupted; an attempt due after the deadline must not start.
    signal?.throwIfAborted();
    const attemptTimeout = AbortSignal.timeout(this.options.attemptTimeoutMs);
    const response = await fetch(this.options.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: signal ? AbortSignal.any([signal, attemptTimeout]) : attemptTimeout,
    });
    if (response.status === 202) return;
    const detail = (await response.text().catch(() => '')).slice(0, 500);
    // 400 means the event itself is invalid; 429 and 5xx are PagerDuty asking us to come back.
    if (response.status === 400) throw new PagerDutyRejectedError(`PagerDuty rejected the event: ${detail}`);
    throw new Error(`HTTP ${response.status} ${detail}`);
  }
}

function routingKeyOf(secretString: string | undefined, secretName: string): string {
  const text = secretString?.trim();
  if (!text) throw new Error(`secret ${secretName} has no string value`);
  if (!text.startsWith('{')) return text;
  const field = (JSON.parse(text) as { routingKey?: unknown }).routingKey;
  if (typeof field !== 'string' || field.length === 0) {
    throw new Error(`secret ${secretName} is JSON without a "routingKey" string`);
  }
  return field;
}
