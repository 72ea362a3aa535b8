import {
  CancelMessageMoveTaskCommand,
  type CancelMessageMoveTaskCommandInput,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueueTagsCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
  type StartMessageMoveTaskCommandInput,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { ActionResult, RemediationPlan, TargetState } from '../remediation-types';
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

export interface DlqRedriveOptions {
  /**
   * Messages moved per second, so the source queue's consumers are not flooded by the backlog that
   * made them fail. SQS accepts 1 to 500. @default 10
   */
  readonly maxMessagesPerSecond?: number;
}

/** The dead-letter queue before the run. */
export interface DlqSnapshot {
  readonly queueArn: string;
  /** ApproximateNumberOfMessages: messages waiting to be received. */
  readonly messages: number;
  /** Handle of the move task already running from this queue, if any: SQS runs one at a time. */
  readonly runningMoveTask: string | null;
}

const dlqSnapshot: z.ZodType<DlqSnapshot> = z.object({
  queueArn: z.string().min(1),
  messages: z.number().int().min(0),
  runningMoveTask: z.string().min(1).nullable(),
});

// SDK versions that spoke SQS's older query protocol named the error by its query code.
const QUEUE_MISSING = ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'] as const;

/** Moves a dead-letter queue's messages back to the queues they came from, at a capped rate. */
export class DlqRedrive implements Playbook<'sqs-queue', DlqSnapshot> {
  readonly id = 'dlq-redrive';
  readonly targetKind = 'sqs-queue';
  readonly snapshotSchema = dlqSnapshot;
  private readonly maxMessagesPerSecond: number;

  constructor(
    private readonly sqs: SQSClient,
    options: DlqRedriveOptions = {},
  ) {
    this.maxMessagesPerSecond = options.maxMessagesPerSecond ?? 10;
    const rate = this.maxMessagesPerSecond;
    if (!Number.isInteger(rate) || rate < 1 || rate > 500) {
      throw new RangeError(`maxMessagesPerSecond must be a whole number from 1 to 500 (got ${rate})`);
    }
  }

  async describe(target: QueueTarget): Promise<TargetState> {
    try {
      const queueUrl = await this.queueUrl(target);
      const { queueArn } = await this.attributes(queueUrl);
      const { Tags } = await this.sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl }));
      return { exists: true, arn: queueArn, tags: Tags ?? {} };
    } catch (error) {
      if (isAwsError(error, ...QUEUE_MISSING)) return { exists: false, tags: {} };
      throw error;
    }
  }

  async snapshot(target: QueueTarget): Promise<DlqSnapshot> {
    try {
      const { queueArn, messages } = await this.attributes(await this.queueUrl(target));
      return { queueArn, messages, runningMoveTask: await this.runningMoveTask(queueArn) };
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException', ...QUEUE_MISSING)) throw notFound(target, error);
      throw error;
    }
  }

  plan(target: QueueTarget, snapshot: DlqSnapshot): RemediationPlan {
    return planOf(this.changes(target, snapshot));
  }

  act(target: QueueTarget, snapshot: DlqSnapshot, plan: RemediationPlan): Promise<ActionResult> {
    return actOn(this.changes(target, snapshot), plan);
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
    // No DestinationArn: SQS sends each message back to the queue it was dead-lettered from.
    const parameters = {
      SourceArn: snapshot.queueArn,
      MaxNumberOfMessagesPerSecond: this.maxMessagesPerSecond,
    } satisfies StartMessageMoveTaskCommandInput;
    const reason = `move the ${snapshot.messages} messages in ${target.queueName} back to the queues they came from, at most ${this.maxMessagesPerSecond} a second`;
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

  private async runningMoveTask(queueArn: string): Promise<string | null> {
    // Only one task runs per queue at a time, so if one is running it is the most recent.
    const { Results } = await this.sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: queueArn, MaxResults: 1 }),
    );
    const latest = Results?.[0];
    return latest?.Status === 'RUNNING' ? (latest.TaskHandle ?? null) : null;
  }
}

function notFound(target: QueueTarget, cause: unknown): PlaybookError {
  return new PlaybookError('NOT_FOUND', `queue ${target.queueName} does not exist`, { cause });
}
