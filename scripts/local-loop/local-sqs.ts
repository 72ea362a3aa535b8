import { randomUUID } from 'node:crypto';
import type { MetricFeed } from '../../constructs/alarm-engine/simulated-time';
import { deployedValue } from './deployed-values';
import type { LocalAws } from './local-aws';
import type { FoundResource, SynthesizedAppReader } from './synthesized-app';

/** One message in a local queue. */
export interface LocalMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Not delivered again before this time (the visibility timeout of its last receive). */
  invisibleUntil: number;
  /** For a message moved to a dead-letter queue: the ARN of the queue it came from. */
  deadLetterSourceArn?: string;
}

/** A queue of the synthesized app, as its template sets it up. */
export class LocalQueue {
  readonly messages: LocalMessage[] = [];
  redrive?: { readonly deadLetterQueue: LocalQueue; readonly maxReceiveCount: number };

  constructor(
    readonly name: string,
    readonly url: string,
    readonly arn: string,
    readonly visibilityTimeoutMs: number,
    readonly tags: Readonly<Record<string, string>>,
  ) {}

  visible(now: number): LocalMessage[] {
    return this.messages.filter((message) => message.invisibleUntil <= now);
  }
}

interface MoveTask {
  readonly taskHandle: string;
  readonly source: LocalQueue;
  readonly startedAt: number;
  readonly toMove: number;
  readonly ratePerSecond?: number;
  moved: number;
  status: 'RUNNING' | 'COMPLETED' | 'CANCELLED';
}

const queueDoesNotExist = (what: string) =>
  Object.assign(new Error(`The specified queue does not exist: ${what}`), {
    name: 'QueueDoesNotExist',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

/**
 * The app's SQS queues, run locally on the simulated clock with the behaviour the SQS developer
 * guide documents and a scenario relies on: a received message stays invisible for the queue's
 * visibility timeout; "when the ReceiveCount for a message exceeds the maxReceiveCount for a queue,
 * Amazon SQS moves the message to the dead-letter queue" ("Using dead-letter queues"); a redrive
 * (StartMessageMoveTask without a destination) moves the messages back to the queues they came from,
 * at most MaxNumberOfMessagesPerSecond a second. Queue metrics go to the metric feed once a minute,
 * as SQS sends them ("Available CloudWatch metrics for Amazon SQS").
 */
export class LocalSqs {
  readonly queues: readonly LocalQueue[];
  private readonly tasks: MoveTask[] = [];
  private lastMetricsAt = Number.NEGATIVE_INFINITY;

  constructor(reader: SynthesizedAppReader) {
    const found = reader.resources('AWS::SQS::Queue');
    const byArn = new Map<string, LocalQueue>();
    const queues = found.map((resource) => {
      const url = reader.ref(resource);
      const queue = new LocalQueue(
        url.split('/').at(-1) as string,
        url,
        deployedValue({ 'Fn::GetAtt': [resource.logicalId, 'Arn'] }, resource.stack),
        Number(resource.properties.VisibilityTimeout ?? 30) * 1000,
        tagsOf(resource),
      );
      byArn.set(queue.arn, queue);
      return queue;
    });
    found.forEach((resource, index) => {
      const policy = resource.properties.RedrivePolicy as
        | { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown }
        | undefined;
      if (policy?.deadLetterTargetArn === undefined) return;
      const deadLetterQueue = byArn.get(deployedValue(policy.deadLetterTargetArn, resource.stack));
      if (!deadLetterQueue) throw new Error(`${resource.logicalId}: its dead-letter queue is not in the app`);
      (queues[index] as LocalQueue).redrive = {
        deadLetterQueue,
        maxReceiveCount: Number(policy.maxReceiveCount),
      };
    });
    this.queues = queues;
  }

  /** The queue whose CloudFormation logical id starts with `prefix`. */
  queue(prefix: string, reader: SynthesizedAppReader, stack: string): LocalQueue {
    const url = reader.ref(reader.resource('AWS::SQS::Queue', stack, prefix));
    return this.byUrl(url);
  }

  send(queue: LocalQueue, body: string, now: number, deadLetterSourceArn?: string): LocalMessage {
    const message: LocalMessage = {
      messageId: randomUUID(),
      body,
      sentAt: now,
      receiveCount: 0,
      invisibleUntil: now,
      ...(deadLetterSourceArn && { deadLetterSourceArn }),
    };
    queue.messages.push(message);
    return message;
  }

  /**
   * Up to `max` visible messages, each now invisible for the visibility timeout. A message already
   * received maxReceiveCount times goes to the dead-letter queue instead of being delivered again.
   */
  receive(queue: LocalQueue, max: number, now: number): LocalMessage[] {
    const received: LocalMessage[] = [];
    for (const message of queue.visible(now)) {
      if (received.length >= max) break;
      if (queue.redrive && message.receiveCount >= queue.redrive.maxReceiveCount) {
        this.remove(queue, message);
        const { deadLetterQueue } = queue.redrive;
        const moved = this.send(deadLetterQueue, message.body, message.sentAt, queue.arn);
        moved.receiveCount = 0;
        continue;
      }
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.invisibleUntil = now + queue.visibilityTimeoutMs;
      received.push(message);
    }
    return received;
  }

  remove(queue: LocalQueue, message: LocalMessage): void {
    const index = queue.messages.indexOf(message);
    if (index >= 0) queue.messages.splice(index, 1);
  }

  /** Moves the redrive tasks on to `now`, and sends each queue's metrics for every minute passed. */
  tick(now: number, feed: MetricFeed): void {
    for (const task of this.tasks.filter((candidate) => candidate.status === 'RUNNING')) {
      const allowed =
        task.ratePerSecond === undefined
          ? task.toMove
          : Math.min(task.toMove, Math.floor(((now - task.startedAt) / 1000) * task.ratePerSecond));
      while (task.moved < allowed) {
        const message = task.source.visible(now)[0];
        if (!message) break;
        const back = this.queues.find((queue) => queue.arn === message.deadLetterSourceArn);
        if (!back) break;
        this.remove(task.source, message);
        this.send(back, message.body, now);
        task.moved++;
      }
      if (task.moved >= task.toMove || task.source.visible(now).length === 0) task.status = 'COMPLETED';
    }
    for (
      let minute = Math.max(this.lastMetricsAt + 60_000, Math.floor(now / 60_000) * 60_000 - 60_000);
      minute <= now;
      minute += 60_000
    ) {
      this.lastMetricsAt = minute;
      for (const queue of this.queues) this.publishMetrics(queue, minute, feed);
    }
  }

  /** The SQS API as far as the loop's functions call it. */
  standIn(aws: LocalAws, now: () => number): void {
    aws.on('SQS.GetQueueUrl', (input: { QueueName?: string }) => {
      const queue = this.queues.find((candidate) => candidate.name === input.QueueName);
      if (!queue) throw queueDoesNotExist(String(input.QueueName));
      return { QueueUrl: queue.url };
    });
    aws.on('SQS.GetQueueAttributes', (input: { QueueUrl?: string }) => {
      const queue = this.byUrl(input.QueueUrl);
      const at = now();
      return {
        Attributes: {
          QueueArn: queue.arn,
          ApproximateNumberOfMessages: String(queue.visible(at).length),
          ApproximateNumberOfMessagesNotVisible: String(queue.messages.length - queue.visible(at).length),
          VisibilityTimeout: String(queue.visibilityTimeoutMs / 1000),
          ...(queue.redrive && {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: queue.redrive.deadLetterQueue.arn,
              maxReceiveCount: queue.redrive.maxReceiveCount,
            }),
          }),
        },
      };
    });
    // `queueUrls`, lower-case, as the API reference names the field.
    aws.on('SQS.ListDeadLetterSourceQueues', (input: { QueueUrl?: string }) => {
      const queue = this.byUrl(input.QueueUrl);
      return {
        queueUrls: this.queues
          .filter((source) => source.redrive?.deadLetterQueue === queue)
          .map((source) => source.url),
      };
    });
    aws.on('SQS.ListQueueTags', (input: { QueueUrl?: string }) => ({
      Tags: { ...this.byUrl(input.QueueUrl).tags },
    }));
    aws.on(
      'SQS.StartMessageMoveTask',
      (input: { SourceArn?: string; DestinationArn?: string; MaxNumberOfMessagesPerSecond?: number }) => {
        const source = this.queues.find((queue) => queue.arn === input.SourceArn);
        if (!source)
          throw Object.assign(new Error(`no queue ${input.SourceArn}`), {
            name: 'ResourceNotFoundException',
          });
        if (!this.queues.some((queue) => queue.redrive?.deadLetterQueue === source)) {
          throw Object.assign(new Error('Source queue must be configured as a Dead Letter Queue.'), {
            name: 'InvalidParameterValueException',
          });
        }
        if (input.DestinationArn !== undefined) {
          throw Object.assign(new Error('the local stand-in moves messages back to their sources only'), {
            name: 'UnsupportedOperation',
          });
        }
        if (this.tasks.some((task) => task.source === source && task.status === 'RUNNING')) {
          throw Object.assign(new Error('There is already a task running.'), {
            name: 'UnsupportedOperation',
          });
        }
        const task: MoveTask = {
          taskHandle: Buffer.from(`${source.arn}#${randomUUID()}`).toString('base64'),
          source,
          startedAt: now(),
          toMove: source.visible(now()).length,
          ...(input.MaxNumberOfMessagesPerSecond !== undefined && {
            ratePerSecond: input.MaxNumberOfMessagesPerSecond,
          }),
          moved: 0,
          status: 'RUNNING',
        };
        this.tasks.push(task);
        return { TaskHandle: task.taskHandle };
      },
    );
    aws.on('SQS.ListMessageMoveTasks', (input: { SourceArn?: string; MaxResults?: number }) => ({
      Results: this.tasks
        .filter((task) => task.source.arn === input.SourceArn)
        .reverse()
        .slice(0, input.MaxResults ?? 1)
        .map((task) => ({
          ...(task.status === 'RUNNING' && { TaskHandle: task.taskHandle }),
          Status: task.status,
          SourceArn: task.source.arn,
          ...(task.ratePerSecond !== undefined && { MaxNumberOfMessagesPerSecond: task.ratePerSecond }),
          ApproximateNumberOfMessagesMoved: task.moved,
          ApproximateNumberOfMessagesToMove: task.toMove,
          StartedTimestamp: task.startedAt,
        })),
    }));
    aws.on('SQS.CancelMessageMoveTask', (input: { TaskHandle?: string }) => {
      const task = this.tasks.find((candidate) => candidate.taskHandle === input.TaskHandle);
      if (task?.status !== 'RUNNING') {
        throw Object.assign(new Error('Task does not exist or is not running.'), {
          name: 'ResourceNotFoundException',
        });
      }
      task.status = 'CANCELLED';
      return { ApproximateNumberOfMessagesMoved: task.moved };
    });
    aws.on('SQS.SendMessage', (input: { QueueUrl: string; MessageBody: string }) => {
      return { MessageId: this.send(this.byUrl(input.QueueUrl), input.MessageBody, now()).messageId };
    });
  }

  private byUrl(url: string | undefined): LocalQueue {
    const queue = this.queues.find((candidate) => candidate.url === url);
    if (!queue) throw queueDoesNotExist(String(url));
    return queue;
  }

  private publishMetrics(queue: LocalQueue, at: number, feed: MetricFeed): void {
    const metric = (metricName: string) => ({
      namespace: 'AWS/SQS',
      metricName,
      dimensions: { QueueName: queue.name },
    });
    const visible = queue.visible(at);
    const oldest = Math.min(at, ...queue.messages.map((message) => message.sentAt));
    feed.put(metric('ApproximateNumberOfMessagesVisible'), at, visible.length, 'Count');
    feed.put(
      metric('ApproximateNumberOfMessagesNotVisible'),
      at,
      queue.messages.length - visible.length,
      'Count',
    );
    feed.put(metric('ApproximateAgeOfOldestMessage'), at, Math.round((at - oldest) / 1000), 'Seconds');
  }
}

function tagsOf(resource: FoundResource): Record<string, string> {
  const tags = (resource.properties.Tags ?? []) as { Key: string; Value: unknown }[];
  return Object.fromEntries(tags.map((tag) => [tag.Key, deployedValue(tag.Value, resource.stack)]));
}
