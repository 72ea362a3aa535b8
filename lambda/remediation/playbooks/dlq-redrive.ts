import {
  CancelMessageMoveTaskCommand,
  type CancelMessageMoveTaskCommandInput,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueueTagsCommand,
  paginateListDeadLetterSourceQueues,
  type SQSClient,
  StartMessageMoveTaskCommand,
  type StartMessageMoveTaskCommandInput,
} from '@aws-sdk/client-sqs';
import * as z from '../../shared/zod';
import type {
  ActionResult,
  RelatedResource,
  RemediationPlan,
  SettleTime,
  TargetState,
} from '../remediation-types';
import {
  actOn,
  type Changes,
  isAwsError,
  makeCalls,
  nothingToDo,
  type Playbook,
  PlaybookError,
  type PlaybookStep,
  planOf,
  type TargetOf,
} from './playbook';

type QueueTarget = TargetOf<'sqs-queue'>;

/**
 * The longest a redrive task may run: "A dead-letter queue redrive task can run a maximum of 36 hours"
 * (SQS developer guide, sqs-configure-dead-letter-queue-redrive.html).
 */
export const SQS_MAX_MOVE_SECONDS = 36 * 3600;

export interface DlqRedriveOptions {
  /**
   * Messages moved per second, so the source queue's consumers are not flooded by the backlog that
   * made them fail. SQS accepts 1 to 500. @default 10
   */
  readonly maxMessagesPerSecond?: number;
  /**
   * The longest a move may take, in seconds: what the run has left to wait for it before its workflow
   * times out. A bigger backlog is not started, since the run could neither verify nor stop it.
   * @default 36 hours, the longest SQS lets a redrive task run
   */
  readonly maxMoveSeconds?: number;
}

/** The dead-letter queue before the run. */
export interface DlqSnapshot {
  readonly queueArn: string;
  /** ApproximateNumberOfMessages: messages waiting to be received. */
  readonly messages: number;
  /** Handle of the move task already running from this queue, if any: SQS runs one at a time. */
  readonly runningMoveTask: string | null;
  /** Names of the queues whose redrive policy names this one as dead-letter queue: where messages go back to. */
  readonly sourceQueues: readonly string[];
}

const dlqSnapshot: z.ZodMiniType<DlqSnapshot> = z.object({
  queueArn: z.string().check(z.minLength(1)),
  messages: z.number().check(z.int(), z.gte(0)),
  runningMoveTask: z.nullable(z.string().check(z.minLength(1))),
  sourceQueues: z.array(z.string().check(z.minLength(1))),
});

/** `RelatedResource.role` of a queue whose messages a redrive sends back to it. */
export const SOURCE_QUEUE_ROLE = 'source queue';

/**
 * Extra messages allowed for on top of the count, as a share of it. For a standard queue the count
 * "is approximate because of the distributed architecture of Amazon SQS. In most cases, the count
 * should be close to the actual number" (SQS developer guide, sqs-resources-required-process-messages),
 * and the source queue's failures may still be dead-lettering messages while the move runs. The docs
 * give no bound on the error; a tenth more keeps a count that is a little low from cutting the move
 * short, and costs a big backlog only a tenth more waiting. In percent, so the arithmetic stays whole.
 */
const COUNT_ALLOWANCE_PERCENT = 10;
/**
 * Seconds for the task to start and the count to catch up: ApproximateNumberOfMessages "may not
 * achieve consistency until at least 1 minute after the producers stop sending messages" (GetQueueAttributes,
 * SQS API reference).
 */
const START_SECONDS = 60;
/**
 * Source queues ListDeadLetterSourceQueues returns per page. The API reference
 * (API_ListDeadLetterSourceQueues.html): MaxResults is 1 to 1,000, and "You must set MaxResults to
 * receive a value for NextToken in the response": without it, queues past the first 1,000 are never seen.
 */
const SOURCE_QUEUES_PAGE = 1000;
/** Source queue names shown in a plan's reason before the rest are counted. */
const NAMES_SHOWN = 5;

// SDK versions that spoke SQS's older query protocol named the error by its query code.
const QUEUE_MISSING = ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'] as const;

/** Moves a dead-letter queue's messages back to the queues they came from, at a capped rate. */
export class DlqRedrive implements Playbook<'sqs-queue', DlqSnapshot> {
  readonly id = 'dlq-redrive';
  readonly targetKind = 'sqs-queue';
  readonly snapshotSchema = dlqSnapshot;
  private readonly maxMessagesPerSecond: number;
  private readonly maxMoveSeconds: number;

  constructor(
    private readonly sqs: SQSClient,
    options: DlqRedriveOptions = {},
  ) {
    this.maxMessagesPerSecond = options.maxMessagesPerSecond ?? 10;
    const rate = this.maxMessagesPerSecond;
    // "The maximum value for messages per second is 500" (StartMessageMoveTask, SQS API reference).
    if (!Number.isInteger(rate) || rate < 1 || rate > 500) {
      throw new RangeError(`maxMessagesPerSecond must be a whole number from 1 to 500 (got ${rate})`);
    }
    this.maxMoveSeconds = options.maxMoveSeconds ?? SQS_MAX_MOVE_SECONDS;
    const most = this.maxMoveSeconds;
    if (!Number.isInteger(most) || most < 1 || most > SQS_MAX_MOVE_SECONDS) {
      throw new RangeError(
        `maxMoveSeconds must be a whole number from 1 to ${SQS_MAX_MOVE_SECONDS}, SQS's limit on a redrive task (got ${most})`,
      );
    }
  }

  /**
   * The queue, and the source queues its messages would be moved back to (`related`): the move sends
   * to them, so they are admitted like the queue itself.
   */
  async describe(target: QueueTarget): Promise<TargetState> {
    try {
      const queueUrl = await this.queueUrl(target);
      const { queueArn } = await this.attributes(queueUrl);
      const { Tags } = await this.sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl }));
      const related: RelatedResource[] = [];
      // One at a time: a dead-letter queue has a handful of sources, and a burst of calls would only
      // risk throttling in the account the alarm is about.
      for (const sourceUrl of await this.sourceQueueUrls(queueUrl)) {
        const tags = await this.sourceQueueTags(sourceUrl);
        if (tags !== undefined) related.push({ role: SOURCE_QUEUE_ROLE, name: queueNameOf(sourceUrl), tags });
      }
      return { exists: true, arn: queueArn, tags: Tags ?? {}, related };
    } catch (error) {
      // Only the target's own calls get here with these names; a vanished source queue is handled above.
      if (isAwsError(error, ...QUEUE_MISSING)) return { exists: false, tags: {} };
      throw error;
    }
  }

  async snapshot(target: QueueTarget): Promise<DlqSnapshot> {
    try {
      const queueUrl = await this.queueUrl(target);
      const { queueArn, messages } = await this.attributes(queueUrl);
      const sourceQueues = (await this.sourceQueueUrls(queueUrl)).map(queueNameOf);
      return { queueArn, messages, runningMoveTask: await this.runningMoveTask(queueArn), sourceQueues };
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException', ...QUEUE_MISSING)) throw notFound(target, error);
      throw error;
    }
  }

  plan(target: QueueTarget, snapshot: DlqSnapshot): RemediationPlan {
    return planOf(this.changes(target, snapshot));
  }

  /** Starts the move; the result's `settle` is how long the move needs, which verification waits for. */
  async act(target: QueueTarget, snapshot: DlqSnapshot, plan: RemediationPlan): Promise<ActionResult> {
    const changes = this.changes(target, snapshot);
    const result = await actOn(changes, plan);
    return changes.nothingToDo === undefined
      ? { ...result, settle: this.moveTime(snapshot.messages) }
      : result;
  }

  /**
   * Stops the move task `act` started, and only that one; messages it already moved stay in their
   * source queues. Without its handle (act failed before SQS answered) no task is cancelled: a task
   * running now may be an operator's, and cancelling it would fight them.
   */
  async rollback(target: QueueTarget, snapshot: DlqSnapshot, action?: ActionResult): Promise<ActionResult> {
    if (this.changes(target, snapshot).nothingToDo !== undefined) return makeCalls([]);
    const started = action?.calls.find((call) => call.action === 'StartMessageMoveTask')?.response.TaskHandle;
    if (typeof started !== 'string') return makeCalls([]);
    return makeCalls([this.cancelMoveTask(target, started)]);
  }

  private changes(target: QueueTarget, snapshot: DlqSnapshot): Changes {
    if (snapshot.runningMoveTask !== null) {
      return nothingToDo(`a move task is already moving messages out of ${target.queueName}`);
    }
    if (snapshot.messages === 0) return nothingToDo(`${target.queueName} is empty`);
    // The messages would go back to queues that cannot be checked for opt-in: leave them to a human,
    // who knows where they came from. (Refusing at admission would say the queue itself may not be
    // touched, which is not the case; what is missing is a place this run may send them.)
    if (snapshot.sourceQueues.length === 0) {
      return nothingToDo(
        `no queue names ${target.queueName} as its dead-letter queue (ListDeadLetterSourceQueues lists none), so ` +
          'the queues its messages would go back to cannot be checked for the opt-in tag; redrive them by hand',
      );
    }
    const move = this.moveTime(snapshot.messages);
    // Started, a move this long would outlast the run: it could be neither verified nor cancelled,
    // and half the backlog would land on the consumers with nobody watching. The rate is not raised
    // to make it fit: it is what keeps the consumers that just failed from being flooded.
    if (move.seconds > this.maxMoveSeconds) {
      const limit = `${count(this.maxMoveSeconds)} s (${duration(this.maxMoveSeconds)})`;
      return nothingToDo(
        `${move.basis}: more than the ${limit} ${
          this.maxMoveSeconds === SQS_MAX_MOVE_SECONDS
            ? 'SQS lets a redrive task run'
            : 'a run can wait for a move before its workflow times out'
        }. Nothing was started; redrive ${target.queueName} by hand, at a rate its consumers can take`,
      );
    }
    // No DestinationArn: SQS sends each message back to the queue it was dead-lettered from.
    const parameters = {
      SourceArn: snapshot.queueArn,
      MaxNumberOfMessagesPerSecond: this.maxMessagesPerSecond,
    } satisfies StartMessageMoveTaskCommandInput;
    const reason =
      `move the ${snapshot.messages} messages in ${target.queueName} back to the queues they came from ` +
      `(${namesOf(snapshot.sourceQueues)}), at most ${this.maxMessagesPerSecond} a second (${move.basis})`;
    return {
      steps: [
        {
          call: { service: 'sqs', action: 'StartMessageMoveTask', parameters, reason },
          make: async () => {
            try {
              return await this.sqs.send(new StartMessageMoveTaskCommand(parameters));
            } catch (error) {
              if (isAwsError(error, 'ResourceNotFoundException', ...QUEUE_MISSING)) {
                throw notFound(target, error);
              }
              throw error;
            }
          },
        },
      ],
    };
  }

  private cancelMoveTask(target: QueueTarget, taskHandle: string): PlaybookStep {
    const parameters = { TaskHandle: taskHandle } satisfies CancelMessageMoveTaskCommandInput;
    return {
      call: {
        service: 'sqs',
        action: 'CancelMessageMoveTask',
        parameters,
        reason: `stop moving messages out of ${target.queueName}; those already moved are not brought back`,
      },
      make: async () => {
        try {
          return await this.sqs.send(new CancelMessageMoveTaskCommand(parameters));
        } catch (error) {
          // A finished task can no longer be found: there is nothing left to stop, which is not a failure.
          if (isAwsError(error, 'ResourceNotFoundException')) {
            return { nothingLeftToCancel: 'the move task had already finished' };
          }
          throw error;
        }
      },
    };
  }

  private async queueUrl(target: QueueTarget): Promise<string> {
    const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: target.queueName }));
    if (QueueUrl === undefined) throw new Error(`GetQueueUrl answered for ${target.queueName} without a URL`);
    return QueueUrl;
  }

  private async attributes(queueUrl: string): Promise<{ queueArn: string; messages: number }> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'],
      }),
    );
    const queueArn = Attributes?.QueueArn;
    if (queueArn === undefined)
      throw new Error(`GetQueueAttributes answered for ${queueUrl} without its ARN`);
    return { queueArn, messages: Number(Attributes?.ApproximateNumberOfMessages ?? 0) };
  }

  /**
   * How long moving `messages` takes at the capped rate. MaxNumberOfMessagesPerSecond defines "a fixed
   * message movement rate" (StartMessageMoveTask, SQS API reference), so the time is the count over
   * the rate, with room for a count SQS gives as approximate and for the task to start.
   */
  private moveTime(messages: number): SettleTime {
    const rate = this.maxMessagesPerSecond;
    const atRate = Math.ceil(messages / rate);
    const allowedFor = Math.ceil((messages * (100 + COUNT_ALLOWANCE_PERCENT)) / 100);
    const seconds = Math.ceil(allowedFor / rate) + START_SECONDS;
    return {
      seconds,
      basis:
        `${count(messages)} messages at ${rate}/s = ${count(atRate)} s to move ` +
        `(${count(seconds)} s allowed, as the count is approximate)`,
    };
  }

  /** URLs of the queues whose redrive policy names this queue, every page of them. */
  private async sourceQueueUrls(queueUrl: string): Promise<string[]> {
    const urls: string[] = [];
    const pages = paginateListDeadLetterSourceQueues(
      { client: this.sqs, pageSize: SOURCE_QUEUES_PAGE },
      { QueueUrl: queueUrl },
    );
    for await (const page of pages) urls.push(...(page.queueUrls ?? []));
    return urls;
  }

  /** A source queue's tags; undefined if it was deleted since it was listed, when it is no source any more. */
  private async sourceQueueTags(queueUrl: string): Promise<Record<string, string> | undefined> {
    try {
      const { Tags } = await this.sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl }));
      return Tags ?? {};
    } catch (error) {
      if (isAwsError(error, ...QUEUE_MISSING)) return undefined;
      throw error;
    }
  }

  private async runningMoveTask(queueArn: string): Promise<string | null> {
    // Only one task runs per queue at a time, so if one is running it is the most recent.
    const { Results } = await this.sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: queueArn, MaxResults: 1 }),
    );
    const latest = Results?.[0];
    return latest?.Status === 'RUNNING' ? (latest.TaskHandle ?? null) : null;
  }
}

/** The queue name in a queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
function queueNameOf(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}

function namesOf(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  return names.length > NAMES_SHOWN ? `${shown} and ${names.length - NAMES_SHOWN} more` : shown;
}

/** A whole number with thousands separators, e.g. `3,600`. */
function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** A limit in hours and minutes, e.g. `4 h`, `36 h`, `3 h 20 min`. */
function duration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  if (hours === 0) return `${minutes} min`;
  return `${hours} h${minutes % 60 === 0 ? '' : ` ${minutes % 60} min`}`;
}

function notFound(target: QueueTarget, cause: unknown): PlaybookError {
  return new PlaybookError('NOT_FOUND', `queue ${target.queueName} does not exist`, { cause });
}
