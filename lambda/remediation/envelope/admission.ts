import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  DO_NOT_REMEDIATE_TAG,
  LEDGER_TABLE_KEYS,
  OPT_IN_TAG,
} from '../../../constructs/contracts/remediation';
import { logger } from '../../shared/observability';
import type {
  Admission,
  Refusal,
  RemediationRequest,
  RemediationTarget,
  TargetState,
} from '../remediation-types';
import type { RemediationLedger } from './remediation-ledger';
import type { TargetLock } from './target-lock';

/** How much self-healing may do before it stops and leaves the rest to humans. */
export interface AdmissionSettings {
  /** Most runs admitted per account in any 60 minutes (a rolling window, not the clock hour). @default 5 */
  readonly blastRadiusPerHour?: number;
  /** Most runs admitted per target in any `breakerWindowMinutes`; the breaker refuses the next. @default 2 */
  readonly breakerMaxRuns?: number;
  /** Length of the breaker's rolling window, in minutes. @default 60 */
  readonly breakerWindowMinutes?: number;
  /** How long a counter outlives its last admission before the table's TTL removes it. @default 90 */
  readonly ttlDays?: number;
}

type Take =
  | { readonly taken: true }
  | { readonly taken: false; readonly runs: number; readonly freeAt: Date };

type Refused = Extract<Admission, { admitted: false }>;

const COUNTER_RECORD = 'counter';
/** The counter item's map of the runs it counted: run id → admitted at, in epoch milliseconds. */
const ADMITTED = 'admitted';
const BLAST_WINDOW_MINUTES = 60;
/**
 * Each failed attempt means the counter changed under us (filled, pruned or created), not a lost race
 * among admits that all fit, so a handful of attempts is plenty; beyond that, something is wrong.
 */
const MAX_ATTEMPTS = 10;
/** Stale entries removed per write, keeping the update expression well under DynamoDB's 4 KB. */
const PRUNE_BATCH = 100;

/**
 * Decides whether a run may go ahead, checking in the order of `REFUSALS`: the target exists,
 * opted in, is not excluded, the account's blast radius has room and the target's breaker is
 * closed. The decision is stored in the ledger before it is returned.
 *
 * Both limits are rolling windows: at most `blastRadiusPerHour` runs per account in any 60 minutes and
 * `breakerMaxRuns` per target in any `breakerWindowMinutes`. Fixed windows would let twice the limit
 * through around a boundary (5 runs at 10:59, 5 more at 11:00). Each scope (`blast#<account>`,
 * `breaker#<target>`, with `dry-run#` in front for rehearsals) has one counter item whose `admitted` map
 * holds the runs it counted and when. Counting a run reads the item (consistent read), refuses if the
 * runs still in the window fill the limit, removes the entries that left the window, then adds the run
 * on condition that the map holds fewer entries than the limit and not the run already.
 *
 * The condition is on the map's size rather than on a version number: the map holds at least the runs
 * in the window, so the limit is never exceeded, and concurrent admits that all fit never fail one
 * another's condition, where a version would make all but one retry. Removing stale entries is not
 * conditioned on the count, since it only makes room that is due. A failed condition means other admits
 * filled or created the counter meanwhile, and the read-decide-write starts over, at most `MAX_ATTEMPTS`
 * times.
 *
 * A run already in a map counts as taken, so a redelivered admit (Lambda retry, or a crash between two
 * writes) is counted once. A run that does not go ahead (refused by the breaker, or failing on its
 * write) gives its blast-radius place and its target lock back.
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
    // A run that does not go ahead must not block its target until the lease ends.
    const refused = await this.count(request, targetState, target, enforced ? '' : 'dry-run#').catch(
      async (error: unknown) => {
        if (enforced) await this.lock.release(key, request.runId);
        throw error;
      },
    );
    if (refused && enforced) await this.lock.release(key, request.runId);
    return refused ?? { admitted: true };
  }

  /** Counts the run against the blast radius and the target's breaker; the refusal, if either is full. */
  private async count(
    request: RemediationRequest,
    targetState: TargetState,
    target: string,
    prefix: string,
  ): Promise<Refused | undefined> {
    const now = this.now();
    const blastPk = `${prefix}blast#${request.account}`;
    const { blastRadiusPerHour, breakerMaxRuns, breakerWindowMinutes } = this.settings;
    const blast = await this.take(blastPk, blastRadiusPerHour, BLAST_WINDOW_MINUTES, request.runId, now);
    if (!blast.taken) {
      return refuse(
        'blast-radius',
        `${blast.runs} runs already admitted in account ${request.account} in the last ` +
          `${BLAST_WINDOW_MINUTES} min; at most ${blastRadiusPerHour} in any ${BLAST_WINDOW_MINUTES} min. ` +
          `The next run may be admitted at ${blast.freeAt.toISOString()}.`,
      );
    }

    // A run that does not go ahead must not use up the account's blast radius.
    const breakerPk = `${prefix}breaker#${targetKeyOf(request, targetState)}`;
    const breaker = await this.take(
      breakerPk,
      breakerMaxRuns,
      breakerWindowMinutes,
      request.runId,
      now,
    ).catch(async (error: unknown) => {
      await this.release(blastPk, request.runId);
      throw error;
    });
    if (!breaker.taken) {
      await this.release(blastPk, request.runId);
      return refuse(
        'breaker-open',
        `${breaker.runs} runs already admitted on ${target} in the last ${breakerWindowMinutes} min; at most ` +
          `${breakerMaxRuns} in any ${breakerWindowMinutes} min. The breaker closes at ` +
          `${breaker.freeAt.toISOString()}; an alarm that keeps firing after repeated fixes needs a human.`,
      );
    }
    return undefined;
  }

  /** Counts the run on a counter unless its window is full; a run counted before stays counted. */
  private async take(
    pk: string,
    max: number,
    windowMinutes: number,
    runId: string,
    now: Date,
  ): Promise<Take> {
    const windowMs = windowMinutes * 60_000;
    const inWindow = (at: number) => now.getTime() - at < windowMs;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const { Item } = await this.dynamoDb.send(
        new GetCommand({ TableName: this.ledger.tableName, Key: counterKey(pk), ConsistentRead: true }),
      );
      const admitted = Item?.[ADMITTED] as Record<string, number> | undefined;
      const entries = Object.entries(admitted ?? {});
      if (entries.some(([id]) => id === runId)) return { taken: true };

      const counted = entries
        .map(([, at]) => at)
        .filter(inWindow)
        .sort((a, b) => a - b);
      if (counted.length >= max) {
        // Room comes back once all but max - 1 of them have left the window.
        const leaving = counted[counted.length - max] as number;
        return { taken: false, runs: counted.length, freeAt: new Date(leaving + windowMs) };
      }
      const stale = entries.filter(([, at]) => !inWindow(at)).map(([id]) => id);
      for (let start = 0; start < stale.length; start += PRUNE_BATCH) {
        await this.prune(pk, stale.slice(start, start + PRUNE_BATCH));
      }
      if (await this.add(pk, max, runId, now, admitted === undefined)) return { taken: true };
    }
    throw new Error(
      `Counter ${pk} changed under each of ${MAX_ATTEMPTS} attempts to count run ${runId}; not admitted`,
    );
  }

  /** Adds the run to the counter if it has room; false if the counter changed since it was read. */
  private async add(pk: string, max: number, runId: string, now: Date, isNew: boolean): Promise<boolean> {
    const ttl = Math.floor(now.getTime() / 1000) + this.settings.ttlDays * 86_400;
    const names = { '#admitted': ADMITTED, '#ttl': LEDGER_TABLE_KEYS.ttl };
    try {
      await this.dynamoDb.send(
        isNew
          ? new UpdateCommand({
              TableName: this.ledger.tableName,
              Key: counterKey(pk),
              UpdateExpression: 'SET #admitted = :admitted, #ttl = :ttl',
              // Another admit may have created it meanwhile; then the size condition below applies.
              ConditionExpression: 'attribute_not_exists(#admitted)',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ':admitted': { [runId]: now.getTime() }, ':ttl': ttl },
            })
          : new UpdateCommand({
              TableName: this.ledger.tableName,
              Key: counterKey(pk),
              UpdateExpression: 'SET #admitted.#run = :at, #ttl = :ttl',
              ConditionExpression: 'size(#admitted) < :max AND attribute_not_exists(#admitted.#run)',
              ExpressionAttributeNames: { ...names, '#run': runId },
              ExpressionAttributeValues: { ':at': now.getTime(), ':max': max, ':ttl': ttl },
            }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Removes entries that left the window, so that the size condition counts only what is due. */
  private async prune(pk: string, runIds: readonly string[]): Promise<void> {
    const names = Object.fromEntries(runIds.map((runId, index) => [`#r${index}`, runId]));
    await this.dynamoDb
      .send(
        new UpdateCommand({
          TableName: this.ledger.tableName,
          Key: counterKey(pk),
          UpdateExpression: `REMOVE ${Object.keys(names)
            .map((name) => `#admitted.${name}`)
            .join(', ')}`,
          // Only if the table's TTL has not removed the whole counter since it was read.
          ConditionExpression: 'attribute_exists(#admitted)',
          ExpressionAttributeNames: { '#admitted': ADMITTED, ...names },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }

  /** Gives a counted run's place back; best effort, since failing only makes the limit stricter. */
  private async release(pk: string, runId: string): Promise<void> {
    await this.dynamoDb
      .send(
        new UpdateCommand({
          TableName: this.ledger.tableName,
          Key: counterKey(pk),
          UpdateExpression: 'REMOVE #admitted.#run',
          ConditionExpression: 'attribute_exists(#admitted.#run)',
          ExpressionAttributeNames: { '#admitted': ADMITTED, '#run': runId },
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return;
        logger.warn('Blast radius place not released', { counter: pk, runId, error });
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
 *
 * The resources the change reaches besides the target (`targetState.related`, e.g. the source queues a
 * redrive sends messages back to) are written to as well, so each must be opted in and not excluded
 * too; the refusal names the first that is not. The target's own refusal comes first.
 */
export function targetRefusal(
  remediationTarget: RemediationTarget,
  targetState: TargetState,
): Refused | undefined {
  const target = describeTarget(remediationTarget);
  if (!targetState.exists) return refuse('target-missing', `${target} does not exist`);
  const untouchable = (resource: string, tags: TargetState['tags'], tagIt: string): Refused | undefined => {
    const optIn = tags[OPT_IN_TAG];
    if (optIn !== 'true') {
      return refuse(
        'not-opted-in',
        optIn === undefined
          ? `${resource} has no ${OPT_IN_TAG} tag; tag it "true" to ${tagIt}`
          : `${resource} is tagged ${OPT_IN_TAG}=${JSON.stringify(optIn)}, not "true"`,
      );
    }
    if (DO_NOT_REMEDIATE_TAG in tags)
      return refuse('do-not-remediate', `${resource} is tagged ${DO_NOT_REMEDIATE_TAG}`);
    return undefined;
  };
  const own = untouchable(target, targetState.tags, 'let self-healing act on it');
  if (own) return own;
  for (const { role, name, tags } of targetState.related ?? []) {
    const refused = untouchable(`${role} ${name} of ${target}`, tags, `let self-healing change ${target}`);
    if (refused) return refused;
  }
  return undefined;
}

function refuse(refusal: Refusal, detail: string): Refused {
  return { admitted: false, refusal, detail };
}

function counterKey(pk: string): Record<string, string> {
  return { [LEDGER_TABLE_KEYS.partitionKey]: pk, [LEDGER_TABLE_KEYS.sortKey]: COUNTER_RECORD };
}
