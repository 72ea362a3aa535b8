import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { objectNotification, queueEventOf } from '../../tests/fixtures/aws/sqs-s3-events';
import { deployedValue } from './deployed-values';
import { LOCAL_REGION } from './local-aws';
import type { LocalQueue, LocalSqs } from './local-sqs';
import type { FoundResource, SynthesizedAppReader } from './synthesized-app';

/** A bucket's notification to a queue, as its template's NotificationConfiguration sets it. */
interface QueueNotification {
  readonly bucket: string;
  readonly queue: LocalQueue;
  readonly prefix: string;
  readonly suffix: string;
}

/**
 * S3's event notifications to SQS, from the buckets' `QueueConfigurations` in the templates: an object
 * created under a configured prefix/suffix becomes one message whose body is the S3 user guide's
 * documented PUT notification for that object ("Event message structure").
 */
export class BucketNotifications {
  private readonly notifications: QueueNotification[];

  constructor(reader: SynthesizedAppReader, sqs: LocalSqs) {
    this.notifications = reader.resources('AWS::S3::Bucket').flatMap((bucket) => {
      const configuration = bucket.properties.NotificationConfiguration as
        | { QueueConfigurations?: { Queue: unknown; Event: string; Filter?: unknown }[] }
        | undefined;
      return (configuration?.QueueConfigurations ?? []).map((entry) => {
        const arn = deployedValue(entry.Queue, bucket.stack);
        const queue = sqs.queues.find((candidate) => candidate.arn === arn);
        if (!queue) throw new Error(`${bucket.logicalId} notifies ${arn}, which is not in the app`);
        const rules = ((entry.Filter as { S3Key?: { Rules?: { Name: string; Value: string }[] } } | undefined)
          ?.S3Key?.Rules ?? []) as { Name: string; Value: string }[];
        const rule = (name: string) =>
          rules.find((candidate) => candidate.Name.toLowerCase() === name)?.Value ?? '';
        return { bucket: bucketName(reader, bucket), queue, prefix: rule('prefix'), suffix: rule('suffix') };
      });
    });
  }

  /** S3's notification of a PUT of `key` (size in bytes), if a queue is configured for it. */
  objectCreated(
    sqs: LocalSqs,
    bucket: string,
    key: string,
    size: number,
    now: number,
  ): LocalQueue | undefined {
    const notification = this.notifications.find(
      (candidate) =>
        candidate.bucket === bucket && key.startsWith(candidate.prefix) && key.endsWith(candidate.suffix),
    );
    if (!notification) return undefined;
    // Keys are form-URL-encoded in notifications (S3 user guide, "Event message structure").
    const encodedKey = encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
    const body = objectNotification([{ bucket, encodedKey, size }]);
    body.Records.forEach((record) => {
      record.awsRegion = LOCAL_REGION;
      record.eventTime = new Date(now).toISOString();
    });
    sqs.send(notification.queue, JSON.stringify(body), now);
    return notification.queue;
  }
}

/** What one poll of an event source mapping did. */
export interface PollOutcome {
  readonly received: number;
  readonly failed: number;
  readonly errored?: string;
}

/**
 * A Lambda event source mapping on an SQS queue, from the template: each poll receives up to
 * BatchSize messages and invokes the function with them as the Lambda developer guide's SQS event
 * ("Using Lambda with Amazon SQS"); with ReportBatchItemFailures, the messages the function names in
 * `batchItemFailures` stay in the queue and the rest are deleted; if the function throws, all stay.
 */
export class QueueEventSource {
  readonly queue: LocalQueue;
  private readonly batchSize: number;
  private readonly reportsFailures: boolean;

  constructor(
    mapping: FoundResource,
    private readonly sqs: LocalSqs,
    private readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>,
  ) {
    const arn = deployedValue(mapping.properties.EventSourceArn, mapping.stack);
    const queue = sqs.queues.find((candidate) => candidate.arn === arn);
    if (!queue) throw new Error(`${mapping.logicalId} reads ${arn}, which is not a queue of the app`);
    this.queue = queue;
    // Lambda's default batch size for SQS is 10 (CreateEventSourceMapping, API reference).
    this.batchSize = Number(mapping.properties.BatchSize ?? 10);
    this.reportsFailures = ((mapping.properties.FunctionResponseTypes ?? []) as string[]).includes(
      'ReportBatchItemFailures',
    );
  }

  async poll(now: number): Promise<PollOutcome> {
    const messages = this.sqs.receive(this.queue, this.batchSize, now);
    if (messages.length === 0) return { received: 0, failed: 0 };
    const event = queueEventOf(messages.map(({ messageId, body }) => ({ messageId, body })));
    event.Records.forEach((record, index) => {
      const message = messages[index];
      if (!message) return;
      record.eventSourceARN = this.queue.arn;
      record.awsRegion = LOCAL_REGION;
      record.attributes = {
        ...record.attributes,
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? now),
      };
    });
    let response: SQSBatchResponse | undefined;
    try {
      response = await this.handler(event);
    } catch (error) {
      return { received: messages.length, failed: messages.length, errored: (error as Error).message };
    }
    const failedIds = new Set(
      this.reportsFailures
        ? (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier)
        : [],
    );
    for (const message of messages)
      if (!failedIds.has(message.messageId)) this.sqs.remove(this.queue, message);
    return { received: messages.length, failed: failedIds.size };
  }
}

/** The event source mappings of the app that read `queue`. */
export function mappingsOf(reader: SynthesizedAppReader, queue: LocalQueue): FoundResource[] {
  return reader
    .resources('AWS::Lambda::EventSourceMapping')
    .filter((mapping) => deployedValue(mapping.properties.EventSourceArn, mapping.stack) === queue.arn);
}

function bucketName(reader: SynthesizedAppReader, bucket: FoundResource): string {
  return reader.ref(bucket);
}
