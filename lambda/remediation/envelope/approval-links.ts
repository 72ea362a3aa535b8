import { createHmac, timingSafeEqual } from 'node:crypto';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Approve and deny links for a run waiting on a human. A link carries the Step Functions task token
 * it answers, so whoever holds it can decide the run: it is signed with a key only Vigil can read
 * and expires with the approval, and the approval function checks both before it calls Step Functions.
 */

export const APPROVAL_DECISIONS = ['approve', 'deny'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** What the approval function sends back to the waiting execution (its `$.approvalResult`). */
export interface ApprovalResult {
  readonly approved: boolean;
  /** Who decided: `link` for the emailed links. */
  readonly decidedBy?: string;
  readonly decidedAt: string;
}

/** The query string of a link, as the function URL hands it over (values already URL-decoded). */
export type LinkQuery = Readonly<Record<string, string | undefined>>;

/** Why a link is refused; each one is told to the person who clicked it. */
export type LinkRejection = 'malformed' | 'unknown-decision' | 'bad-signature' | 'expired';

export type LinkCheck =
  | {
      readonly valid: true;
      readonly runId: string;
      readonly decision: ApprovalDecision;
      readonly taskToken: string;
      readonly expiresAt: Date;
    }
  | { readonly valid: false; readonly reason: LinkRejection; readonly detail: string };

export interface ApprovalLinksOptions {
  readonly secretsManager: SecretsManagerClient;
  /** Secret whose string value is the signing key (at least {@link MIN_KEY_LENGTH} characters). */
  readonly secretArn: string;
  /** How long a key read from Secrets Manager is reused. @default 5 minutes */
  readonly keyCacheMs?: number;
  readonly now?: () => number;
}

/** Random letters and digits this long (about 95 bits) are beyond guessing; the stack generates 64. */
export const MIN_KEY_LENGTH = 16;

export class ApprovalLinks {
  private key: { value: Buffer; until: number } | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ApprovalLinksOptions) {
    this.now = options.now ?? Date.now;
  }

  /** `<approvalUrl>?run=…&decision=…&expires=…&token=…&sig=…`; `expires` is epoch seconds. */
  async link(
    approvalUrl: string,
    run: { runId: string; taskToken: string; decision: ApprovalDecision; expiresAt: Date },
  ): Promise<string> {
    const expires = String(Math.floor(run.expiresAt.getTime() / 1000));
    const signature = sign(await this.signingKey(), run.taskToken, run.decision, expires, run.runId);
    const url = new URL(approvalUrl);
    url.searchParams.set('run', run.runId);
    url.searchParams.set('decision', run.decision);
    url.searchParams.set('expires', expires);
    url.searchParams.set('token', Buffer.from(run.taskToken, 'utf8').toString('base64url'));
    url.searchParams.set('sig', signature.toString('base64url'));
    return url.toString();
  }

  /**
   * Checks a clicked link. The signature is checked before the expiry, so a link whose `expires` was
   * pushed forward reads as tampered, not as still valid, and an expired one is told apart only
   * when it is genuine.
   */
  async verifyLink(query: LinkQuery, now: Date): Promise<LinkCheck> {
    const { run, decision, expires, token, sig } = query;
    if (!run || !decision || !expires || !token || !sig) {
      const missing = ['run', 'decision', 'expires', 'token', 'sig'].filter((name) => !query[name]);
      return refused('malformed', `the link is incomplete: ${missing.join(', ')} missing`);
    }
    if (!isDecision(decision)) {
      return refused('unknown-decision', `"${decision}" is not a decision; a link says approve or deny`);
    }
    if (!/^\d{1,12}$/.test(expires)) return refused('malformed', 'the link has no valid expiry');
    const taskToken = Buffer.from(token, 'base64url').toString('utf8');
    const expected = sign(await this.signingKey(), taskToken, decision, expires, run);
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return refused('bad-signature', 'the link was changed after Vigil signed it, or was not made by Vigil');
    }
    const expiresAt = new Date(Number(expires) * 1000);
    if (now.getTime() >= expiresAt.getTime()) {
      return refused('expired', `the link expired at ${expiresAt.toISOString()}; no answer counts as deny`);
    }
    return { valid: true, runId: run, decision, taskToken, expiresAt };
  }

  private async signingKey(): Promise<Buffer> {
    if (this.key && this.key.until > this.now()) return this.key.value;
    const { SecretString } = await this.options.secretsManager.send(
      new GetSecretValueCommand({ SecretId: this.options.secretArn }),
    );
    if (!SecretString || SecretString.length < MIN_KEY_LENGTH) {
      throw new Error(
        `secret ${this.options.secretArn} must hold a signing key of at least ${MIN_KEY_LENGTH} characters`,
      );
    }
    const value = Buffer.from(SecretString, 'utf8');
    this.key = { value, until: this.now() + (this.options.keyCacheMs ?? 5 * 60_000) };
    return value;
  }
}

// Every field the link acts on is signed, so none can be swapped between links (a deny's token under
// an approve, one run's token under another run's id).
function sign(key: Buffer, taskToken: string, decision: string, expires: string, runId: string): Buffer {
  return createHmac('sha256', key).update(`${taskToken}|${decision}|${expires}|${runId}`).digest();
}

function isDecision(value: string): value is ApprovalDecision {
  return (APPROVAL_DECISIONS as readonly string[]).includes(value);
}

function refused(reason: LinkRejection, detail: string): LinkCheck {
  return { valid: false, reason, detail };
}
