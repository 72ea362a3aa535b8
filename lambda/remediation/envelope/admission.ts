import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../../shared/observability';
import {
  type Admission,
  DO_NOT_REMEDIATE_TAG,
  OPT_IN_TAG,
  type Refusal,
  type RemediationRequest,
  type RemediationTarget,
  type TargetState,
} from '../remediation-types';
import { LEDGER_TABLE_KEYS, type RemediationLedger } from './remediation-ledger';
import type { TargetLock } from './target-lock';

/** How much self-healing may do before it stops and leaves the rest to humans. */
export interface AdmissionSettings {
  /** Distinct runs admitted per account per clock hour (UTC). @default 5 */
  readonly blastRadiusPerHour?: number;
  /** Runs admitted per target per breaker window. @default 2 */
  readonly breakerMaxRuns?: number;
  /** Length of the breaker's window, aligned to the epoch (60: whole hours). @default 60 */
  readonly breakerWindowMinutes?: number;
  /** How long the counters are kept, for the record. @default 90 */
  readonly ttlDays?: number;
}

type Take = { readonly taken: true } | { readonly taken: false; readonly runs: number };

const COUNTER_RECORD = 'counter';

/**
 * Decides whether a run may go ahead, checking in the order of `REFUSALS`: the target exists,
 * opted in, is not excluded, the account's hourly blast radius has room and the target's breaker is
 * closed. The decision is stored in the ledger before it is returned.
 *
 * The limits hold under concurrent runs: each counter is a conditional update, and each counter
 * remembers the runs it counted, so a redelivered admit (Lambda retry, or a crash between two writes)
 * is counted once.
 */
export class AdmissionGate {
  private readonly settings: Required<AdmissionSettings>;

  constructor(
    private readonly dynamoDb: DynamoDBDocumentClient,
    private readonly ledger: RemediationLedger,
    private readonly lock: TargetLock,
    settings: AdmissionSettings = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.settings = {
      blastRadiusPerHour: settings.blastRadiusPerHour ?? 5,
      breakerMaxRuns: settings.breakerMaxRuns ?? 2,
      breakerWindowMinutes: settings.breakerWindowMinutes ?? 60,
      ttlDays: settings.ttlDays ?? 90,
    };
  }

  async admit(request: RemediationRequest, targetState: TargetState): Promise<Admission> {
    const stored = await this.ledger.storedDecision(request.runId);
    if (stored !== undefined) return stored;
    const admission = await this.decide(request, targetState);
    return this.ledger.recordDecision(request, admission);
  }

  private async decide(request: RemediationRequest, targetState: TargetState): Promise<Admission> {
    const target = describeTarget(request.target);
    const untouchable = targetRefusal(request.target, targetState);
    if (untouchable) return untouchable;

    // A dry run changes nothing: it needs no lock, and it counts against dry-run limits of its own, so
    // rehearsing never uses up what an enforced run may do.
    const enforced = request.mode === 'enforce';
    const key = lockKeyOf(request);
    if (enforced) {
      const lock = await this.lock.take(key, request.runId);
      if (!lock.taken) {
        return refuse(
          'busy',
          `run ${lock.holder} is already working on ${target} (its lease ends ${lock.until} at the latest); ` +
            'one run per target at a time',
        );
      }
    }
    const refused = await this.count(request, targetState, target, enforced ? '' : 'dry-run#');
    if (refused && enforced) await this.lock.release(key, request.runId);
    return refused ?? { admitted: true };
  }

  /** Counts the run against the blast radius and the target's breaker; the refusal, if either is full. */
  private async count(
    request: RemediationRequest,
    targetState: TargetState,
    target: string,
    prefix: string,
  ): Promise<Extract<Admission, { admitted: false }> | undefined> {
    const now = this.now();
    const hour = now.toISOString().slice(0, 13);
    const blast = await this.take(
      `${prefix}blast#${request.account}#${hour}`,
      this.settings.blastRadiusPerHour,
      request,
      now,
    );
    if (!blast.taken) {
      return refuse(
        'blast-radius',
        `${blast.runs} runs already admitted in account ${request.account} in the hour from ${hour}:00 UTC; ` +
          `at most ${this.settings.blastRadiusPerHour} per hour`,
      );
    }

    const windowMs = this.settings.breakerWindowMinutes * 60_000;
    const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
    const breaker = await this.take(
      `${prefix}breaker#${targetKeyOf(request, targetState)}#${windowStart.toISOString()}`,
      this.settings.breakerMaxRuns,
      request,
      now,
    );
    if (!breaker.taken) {
      // A run that does not go ahead must not use up the account's hour.
      await this.release(`${prefix}blast#${request.account}#${hour}`, request);
      const closesAt = new Date(windowStart.getTime() + windowMs).toISOString();
      return refuse(
        'breaker-open',
        `${breaker.runs} runs already admitted on ${target} since ${windowStart.toISOString()}; at most ` +
          `${this.settings.breakerMaxRuns} per ${this.settings.breakerWindowMinutes} min. The breaker closes at ` +
          `${closesAt}; an alarm that keeps firing after repeated fixes needs a human.`,
      );
    }
    return undefined;
  }

  /** Counts the run on a counter unless it is full; a run counted before stays counted. */
  private async take(pk: string, max: number, request: RemediationRequest, now: Date): Promise<Take> {
    try {
      await this.dynamoDb.send(
        new UpdateCommand({
          TableName: this.ledger.tableName,
          Key: counterKey(pk),
          UpdateExpression: 'SET #ttl = if_not_exists(#ttl, :ttl) ADD #runs :one, #runIds :run',
          ConditionExpression:
            'NOT contains(#runIds, :runId) AND (attribute_not_exists(#runs) OR #runs < :max)',
          ExpressionAttributeNames: { '#runs': 'runs', '#runIds': 'runIds', '#ttl': LEDGER_TABLE_KEYS.ttl },
          ExpressionAttributeValues: {
            ':one': 1,
            ':run': new Set([request.runId]),
            ':runId': request.runId,
            ':max': max,
            ':ttl': Math.floor(now.getTime() / 1000) + this.settings.ttlDays * 86_400,
          },
        }),
      );
      return { taken: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.dynamoDb.send(
        new GetCommand({ TableName: this.ledger.tableName, Key: counterKey(pk), ConsistentRead: true }),
      );
      const runIds = Item?.runIds as Set<string> | undefined;
      if (runIds?.has(request.runId)) return { taken: true };
      return { taken: false, runs: Number(Item?.runs ?? max) };
    }
  }

  /** Gives a counted run's place back; best effort, since failing only makes the limit stricter. */
  private async release(pk: string, request: RemediationRequest): Promise<void> {
    await this.dynamoDb
      .send(
        new UpdateCommand({
          TableName: this.ledger.tableName,
          Key: counterKey(pk),
          UpdateExpression: 'ADD #runs :minusOne DELETE #runIds :run',
          ConditionExpression: 'contains(#runIds, :runId)',
          ExpressionAttributeNames: { '#runs': 'runs', '#runIds': 'runIds' },
          ExpressionAttributeValues: {
            ':minusOne': -1,
            ':run': new Set([request.runId]),
            ':runId': request.runId,
          },
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return;
        logger.warn('Blast radius place not released', { counter: pk, runId: request.runId, error });
      });
  }
}

/**
 * What a target's lock is keyed by: its name in the account and region, known from the request alone,
 * so a run that never reached admission's describe (or was stopped) can still release it.
 */
export function lockKeyOf(request: RemediationRequest): string {
  return `${request.account}:${request.region}:${describeTarget(request.target)}`;
}

/** What identifies a target across runs for the breaker: its ARN, or its name where it has none yet. */
export function targetKeyOf(request: RemediationRequest, targetState?: TargetState): string {
  return targetState?.arn ?? `${request.account}:${request.region}:${describeTarget(request.target)}`;
}

/** The target in words, e.g. `Lambda alias api:live`. */
export function describeTarget(target: RemediationTarget): string {
  switch (target.kind) {
    case 'lambda-alias':
      return `Lambda alias ${target.functionName}:${target.aliasName}`;
    case 'lambda-function':
      return `Lambda function ${target.functionName}`;
    case 'sqs-queue':
      return `SQS queue ${target.queueName}`;
  }
}

/**
 * Why the target may not be touched at all (missing, not opted in, excluded), or undefined. Checked
 * at admission and again right before the act, since a human may tag the target meanwhile.
 */
export function targetRefusal(
  remediationTarget: RemediationTarget,
  targetState: TargetState,
): Extract<Admission, { admitted: false }> | undefined {
  const target = describeTarget(remediationTarget);
  if (!targetState.exists) return refuse('target-missing', `${target} does not exist`);
  const optIn = targetState.tags[OPT_IN_TAG];
  if (optIn !== 'true') {
    return refuse(
      'not-opted-in',
      optIn === undefined
        ? `${target} has no ${OPT_IN_TAG} tag; tag it "true" to let self-healing act on it`
        : `${target} is tagged ${OPT_IN_TAG}=${JSON.stringify(optIn)}, not "true"`,
    );
  }
  if (DO_NOT_REMEDIATE_TAG in targetState.tags) {
    return refuse('do-not-remediate', `${target} is tagged ${DO_NOT_REMEDIATE_TAG}`);
  }
  return undefined;
}

function refuse(refusal: Refusal, detail: string): Extract<Admission, { admitted: false }> {
  return { admitted: false, refusal, detail };
}

function counterKey(pk: string): Record<string, string> {
  return { [LEDGER_TABLE_KEYS.partitionKey]: pk, [LEDGER_TABLE_KEYS.sortKey]: COUNTER_RECORD };
}
