import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { LocalLambdaFunction } from './lambda-aliases';
import type { LocalAws } from './local-aws';

/** A message published to a topic, as the subscribers would receive it. */
export interface PublishedMessage {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * SNS, SQS, S3, Secrets Manager and CloudTrail as far as the loop's functions use them: publishes and
 * queue messages are kept for the run's output, objects are kept in memory, every secret is a value
 * generated for this run, and CloudTrail lists the alias changes the run made to the watched functions.
 */
export function standInServices(
  aws: LocalAws,
  watched: readonly LocalLambdaFunction[],
  onPublish: (message: PublishedMessage) => void = () => {},
) {
  const published: PublishedMessage[] = [];
  const queued: { readonly queueUrl: string; readonly body: string }[] = [];
  const objects = new Map<string, Uint8Array | string>();
  const secret = randomUUID();

  aws.on(
    'SNS.Publish',
    (input: {
      TopicArn: string;
      Subject?: string;
      Message: string;
      MessageAttributes?: Record<string, { StringValue?: string }>;
    }) => {
      const message: PublishedMessage = {
        topicArn: input.TopicArn,
        ...(input.Subject === undefined ? {} : { subject: input.Subject }),
        message: input.Message,
        attributes: Object.fromEntries(
          Object.entries(input.MessageAttributes ?? {}).map(([key, value]) => [key, value.StringValue ?? '']),
        ),
      };
      published.push(message);
      onPublish(message);
      return { MessageId: randomUUID() };
    },
  );
  aws.on('SQS.SendMessage', (input: { QueueUrl: string; MessageBody: string }) => {
    queued.push({ queueUrl: input.QueueUrl, body: input.MessageBody });
    return { MessageId: randomUUID() };
  });
  aws.on('S3.PutObject', (input: { Bucket: string; Key: string; Body: Uint8Array | string }) => {
    objects.set(`${input.Bucket}/${input.Key}`, input.Body);
    return { ETag: `"${randomUUID()}"` };
  });
  aws.on('S3.GetObject', (input: { Bucket: string; Key: string }) => {
    const body = objects.get(`${input.Bucket}/${input.Key}`);
    if (body === undefined) {
      throw Object.assign(new Error('The specified key does not exist.'), {
        name: 'NoSuchKey',
        $fault: 'client',
        $metadata: { httpStatusCode: 404 },
      });
    }
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    return { Body: Readable.from([bytes]), ContentLength: bytes.length };
  });
  aws.on('SecretsManager.GetSecretValue', () => ({ SecretString: secret }));
  aws.on('CloudTrail.LookupEvents', (input: { LookupAttributes?: { AttributeValue?: string }[] }) => {
    const resource = input.LookupAttributes?.[0]?.AttributeValue;
    const fn = watched.find(
      (candidate) =>
        candidate.names(resource) || resource === `${candidate.functionName}:${candidate.aliasName}`,
    );
    const events =
      fn !== undefined
        ? fn.changes.map((change) => ({
            EventId: randomUUID(),
            // Lambda's API versions as CloudTrail names its events (Lambda developer guide,
            // "Logging Lambda API calls using AWS CloudTrail").
            EventName:
              change.version === undefined ? 'PutFunctionConcurrency20171031' : 'UpdateAlias20150331',
            EventTime: new Date(change.at),
            Username: change.by,
            EventSource: 'lambda.amazonaws.com',
            CloudTrailEvent: JSON.stringify({
              readOnly: false,
              requestParameters:
                change.version === undefined
                  ? { reservedConcurrentExecutions: change.reservedConcurrency }
                  : { functionVersion: change.version },
            }),
          }))
        : [];
    return { Events: events.reverse() };
  });
  return { published, queued, objects };
}
