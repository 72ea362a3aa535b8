import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { backOff } from 'exponential-backoff';
import type { PagerDutyEvent } from './formats/pagerduty-event';

/** PagerDuty refused the event itself (HTTP 400): retrying the same body cannot succeed. */
export class PagerDutyRejectedError extends Error {
  override readonly name = 'PagerDutyRejectedError';
}

/** Sending failed after the retries (network, 429, 5xx). */
export class PagerDutyUnavailableError extends Error {
  override readonly name = 'PagerDutyUnavailableError';
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
  private readonly options: Required<Omit<PagerDutySenderOptions, 'secretsManager'>> &
    Pick<PagerDutySenderOptions, 'secretsManager'>;

  constructor(options: PagerDutySenderOptions) {
    this.options = {
      secretsManager: options.secretsManager,
      eventsUrl: options.eventsUrl ?? EVENTS_URL,
      attempts: options.attempts ?? 3,
      attemptTimeoutMs: options.attemptTimeoutMs ?? 3000,
      keyCacheMs: options.keyCacheMs ?? 5 * 60_000,
      retryDelayMs: options.retryDelayMs ?? 200,
      now: options.now ?? Date.now,
    };
  }

  /** The routing key stored under `secretName`: the whole secret string, or its `routingKey` JSON field. */
  async routingKey(secretName: string): Promise<string> {
    const cached = this.keys.get(secretName);
    if (cached && cached.until > this.options.now()) return cached.value;
    const secret = await this.options.secretsManager.send(
      new GetSecretValueCommand({ SecretId: secretName }),
    );
    const value = routingKeyOf(secret.SecretString, secretName);
    this.keys.set(secretName, { value, until: this.options.now() + this.options.keyCacheMs });
    return value;
  }

  async send(event: PagerDutyEvent): Promise<void> {
    const body = JSON.stringify(event);
    await backOff(() => this.post(body), {
      numOfAttempts: this.options.attempts,
      startingDelay: this.options.retryDelayMs,
      timeMultiple: 2,
      jitter: 'full',
      retry: (error) => !(error instanceof PagerDutyRejectedError),
    }).catch((error: unknown) => {
      if (error instanceof PagerDutyRejectedError) throw error;
      throw new PagerDutyUnavailableError(
        `PagerDuty did not accept the event after ${this.options.attempts} attempts: ${(error as Error).message}`,
      );
    });
  }

  private async post(body: string): Promise<void> {
    const response = await fetch(this.options.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(this.options.attemptTimeoutMs),
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
