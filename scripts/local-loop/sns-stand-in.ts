import { createHash, randomUUID } from 'node:crypto';
import { deployedValue } from './deployed-values';
import type { LocalAws } from './local-aws';
import type { LocalSqs } from './local-sqs';
import {
  type FilterPolicy,
  type FilterPolicyScope,
  matchesFilterPolicy,
  type PublishedAttribute,
} from './sns-filter-policy';
import type { FoundResource, SynthesizedAppReader } from './synthesized-app';

/** A message published to a topic, as the subscribers would receive it. */
export interface PublishedMessage {
  readonly messageId: string;
  readonly at: number;
  readonly topicArn: string;
  readonly subject?: string;
  /** The message as published (with `MessageStructure: json`, the JSON of one message per protocol). */
  readonly message: string;
  /** Each attribute's value as text. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** A subscription of the synthesized app, as its template sets it up. */
export interface LocalSubscription {
  /** `<topic ARN>:<id>`, as SNS names a subscription. */
  readonly arn: string;
  /** The template resource it comes from: the subscription's logical id, or the topic's for an inline one. */
  readonly logicalId: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  /** @default every message (no filter policy) */
  readonly filterPolicy?: FilterPolicy;
  readonly filterPolicyScope: FilterPolicyScope;
  /** sqs, http and https only: the message itself instead of the notification JSON. */
  readonly rawMessageDelivery: boolean;
  /** Where SNS would move a message it cannot deliver (RedrivePolicy). Kept, not used: nothing fails to deliver here. */
  readonly deadLetterTargetArn?: string;
}

/** A topic of the synthesized app and its subscriptions. */
export interface LocalTopic {
  readonly arn: string;
  readonly name: string;
  readonly subscriptions: readonly LocalSubscription[];
}

/** One message handed to one subscription. */
export interface SnsDelivery {
  readonly at: number;
  readonly messageId: string;
  readonly topic: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly subject?: string;
  /** Whether the subscription's filter policy let it through, or it has none. */
  readonly filter: 'matched' | 'no filter policy';
  /** What the endpoint receives: the email text, the notification JSON, the raw message, or the Lambda event. */
  readonly body: string;
  /** What happened here: into a local queue, a local function invoked, or only recorded. */
  readonly outcome: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** A Lambda function of the loop, as a subscription's endpoint reaches it. */
export type SubscribedFunction = (event: unknown) => Promise<unknown>;

export interface LocalSnsOptions {
  /** The simulated clock: each message's Timestamp. */
  readonly now: () => number;
  /** The app's queues run locally: `sqs` subscriptions deliver into them. @default sqs deliveries are only recorded */
  readonly sqs?: LocalSqs;
  /**
   * The function a `lambda` subscription's endpoint (a function, version or alias ARN) names, if the
   * loop runs it. @default lambda deliveries are only recorded
   */
  readonly functionAt?: (arn: string) => SubscribedFunction | undefined;
  /** Each message published, before it is delivered. */
  readonly onPublish?: (message: PublishedMessage) => void;
  /** Each delivery, as it is made. */
  readonly onDelivery?: (delivery: SnsDelivery) => void;
  /** A function invoked for a delivery failed (Lambda would retry it; here it is reported). */
  readonly onInvocationError?: (delivery: SnsDelivery, error: unknown) => void;
}

interface PublishInput {
  readonly TopicArn?: string;
  readonly TargetArn?: string;
  readonly Subject?: string;
  readonly Message?: string;
  readonly MessageStructure?: string;
  readonly MessageAttributes?: Record<string, PublishedAttribute>;
}

/**
 * SNS as the synthesized templates set it up: every `AWS::SNS::Topic` (its ARN as CloudFormation
 * would give it), every `AWS::SNS::Subscription` and every subscription made inline on a topic
 * (`Subscription`). `Publish` answers as the API does (an unknown topic is `NotFoundException`) and
 * hands the message to each subscription whose filter policy it passes (sns-filter-policy.ts), in the
 * shape the SNS developer guide documents for the protocol:
 * - `sqs`: the notification JSON ("HTTP/HTTPS notification JSON format"; "Fanout to Amazon SQS
 *   queues"), or with RawMessageDelivery the message itself, into the app's queue (local-sqs.ts);
 * - `lambda`: the SNS event the Lambda developer guide's "Using Lambda with Amazon SNS" shows,
 *   invoked asynchronously ({@link flush}) if the loop runs the function;
 * - `email` (the message text under its subject), `email-json`, `http`/`https` (the notification
 *   JSON or the raw message) and any other protocol: recorded, nothing is sent.
 * With `MessageStructure: json` each protocol gets its own message, or `default`.
 */
export class LocalSns {
  /** The app's topics, by ARN. */
  readonly topics: ReadonlyMap<string, LocalTopic>;
  readonly published: PublishedMessage[] = [];
  readonly deliveries: SnsDelivery[] = [];
  /** Deliveries a subscription's filter policy held back. */
  filteredOut = 0;
  private readonly invocations: (() => Promise<void>)[] = [];

  constructor(
    reader: SynthesizedAppReader,
    private readonly options: LocalSnsOptions,
  ) {
    const subscriptions = new Map<string, LocalSubscription[]>();
    const add = (subscription: LocalSubscription) => {
      const list = subscriptions.get(subscription.topicArn) ?? [];
      list.push(subscription);
      subscriptions.set(subscription.topicArn, list);
    };
    const topics = reader.resources('AWS::SNS::Topic').map((topic) => {
      const arn = reader.ref(topic);
      const inline = (topic.properties.Subscription ?? []) as { Endpoint: unknown; Protocol: unknown }[];
      inline.forEach((entry, index) => {
        add({
          arn: subscriptionArn(arn, `${topic.stack.stackName}/${topic.logicalId}/${index}`),
          logicalId: topic.logicalId,
          topicArn: arn,
          protocol: String(entry.Protocol),
          endpoint: deployedValue(entry.Endpoint, topic.stack),
          filterPolicyScope: 'MessageAttributes',
          rawMessageDelivery: false,
        });
      });
      return { arn, name: arn.split(':').at(-1) as string };
    });
    for (const resource of reader.resources('AWS::SNS::Subscription')) add(readSubscription(resource));
    // A subscription to a topic outside the app is left out: nothing here publishes to that topic.
    this.topics = new Map(
      topics.map((topic) => [topic.arn, { ...topic, subscriptions: subscriptions.get(topic.arn) ?? [] }]),
    );
  }

  /** The topic named `name` (the last part of its ARN). */
  topic(name: string): LocalTopic {
    const found = [...this.topics.values()].find((topic) => topic.name === name);
    if (!found) throw new Error(`no topic ${name} in the synthesized app`);
    return found;
  }

  /** Answers `SNS.Publish` from here. */
  standIn(aws: LocalAws): void {
    aws.on('SNS.Publish', (input: PublishInput) => ({ MessageId: this.publish(input).messageId }));
  }

  /** One Publish: validated as the API validates it, then delivered to each subscription it passes. */
  publish(input: PublishInput): PublishedMessage {
    const topicArn = input.TopicArn ?? input.TargetArn;
    if (topicArn === undefined) {
      throw snsError(
        'InvalidParameterException',
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
        400,
      );
    }
    const topic = this.topics.get(topicArn);
    // The API reference's Publish errors: NotFound, "Indicates that the requested resource does not exist."
    if (!topic) throw snsError('NotFoundException', 'Topic does not exist', 404);
    if (input.Message === undefined) {
      throw snsError(
        'InvalidParameterException',
        'Invalid parameter: Message Reason: no value for required parameter',
        400,
      );
    }
    const perProtocol = input.MessageStructure === 'json' ? messagesByProtocol(input.Message) : undefined;
    const attributes = input.MessageAttributes ?? {};
    const message: PublishedMessage = {
      messageId: randomUUID(),
      at: this.options.now(),
      topicArn,
      ...(input.Subject === undefined ? {} : { subject: input.Subject }),
      message: input.Message,
      attributes: Object.fromEntries(
        Object.entries(attributes).map(([key, value]) => [key, value.StringValue ?? '']),
      ),
    };
    this.published.push(message);
    this.options.onPublish?.(message);

    for (const subscription of topic.subscriptions) {
      const text = perProtocol ? (perProtocol[subscription.protocol] ?? perProtocol.default) : input.Message;
      if (
        subscription.filterPolicy !== undefined &&
        !matchesFilterPolicy(
          subscription.filterPolicy,
          { attributes, body: text as string },
          subscription.filterPolicyScope,
        )
      ) {
        this.filteredOut += 1;
        continue;
      }
      this.deliver(topic, subscription, message, text as string, attributes);
    }
    return message;
  }

  /**
   * Runs the Lambda invocations deliveries queued, and those they queue in turn (SNS invokes a
   * function asynchronously: Publish has answered before the function runs).
   */
  async flush(): Promise<void> {
    for (let next = this.invocations.shift(); next; next = this.invocations.shift()) await next();
  }

  /** Deliveries so far, counted by protocol (`email 2, https 1`). */
  countsByProtocol(): string {
    const counts = new Map<string, number>();
    for (const delivery of this.deliveries)
      counts.set(delivery.protocol, (counts.get(delivery.protocol) ?? 0) + 1);
    return [...counts].map(([protocol, count]) => `${protocol} ${count}`).join(', ');
  }

  private deliver(
    topic: LocalTopic,
    subscription: LocalSubscription,
    message: PublishedMessage,
    text: string,
    attributes: Readonly<Record<string, PublishedAttribute>>,
  ): void {
    const notification = () => notificationJson(subscription, message, text, attributes);
    let body: string;
    let outcome: string;
    let invoke: SubscribedFunction | undefined;
    switch (subscription.protocol) {
      case 'email':
        body = text;
        outcome = 'recorded (no email is sent)';
        break;
      case 'sqs': {
        body = subscription.rawMessageDelivery ? text : notification();
        const queue = this.options.sqs?.queues.find((candidate) => candidate.arn === subscription.endpoint);
        if (queue && this.options.sqs) {
          this.options.sqs.send(queue, body, message.at);
          outcome = `sent to the local queue ${queue.name}`;
        } else {
          outcome = 'recorded (the queue is not run locally)';
        }
        break;
      }
      case 'lambda':
        body = JSON.stringify(lambdaEvent(subscription, message, text, attributes));
        invoke = this.options.functionAt?.(subscription.endpoint);
        outcome = invoke ? 'invoked asynchronously' : 'recorded (the function is not run locally)';
        break;
      case 'http':
      case 'https':
        body = subscription.rawMessageDelivery ? text : notification();
        outcome = 'recorded (no request is sent)';
        break;
      default:
        // email-json gets the notification JSON; sms, application and firehose are only recorded too.
        body = notification();
        outcome = 'recorded (nothing is sent)';
    }
    const delivery: SnsDelivery = {
      at: message.at,
      messageId: message.messageId,
      topic: topic.name,
      topicArn: topic.arn,
      subscriptionArn: subscription.arn,
      protocol: subscription.protocol,
      endpoint: subscription.endpoint,
      ...(message.subject === undefined ? {} : { subject: message.subject }),
      filter: subscription.filterPolicy === undefined ? 'no filter policy' : 'matched',
      body,
      outcome,
      attributes: message.attributes,
    };
    this.deliveries.push(delivery);
    this.options.onDelivery?.(delivery);
    if (invoke) {
      const fn = invoke;
      const event = JSON.parse(body) as unknown;
      this.invocations.push(async () => {
        try {
          await fn(event);
        } catch (error) {
          this.options.onInvocationError?.(delivery, error);
        }
      });
    }
  }
}

/** A subscription resource: references resolved, the filter policy and redrive policy read as JSON. */
function readSubscription(resource: FoundResource): LocalSubscription {
  const { properties, stack } = resource;
  const topicArn = deployedValue(properties.TopicArn, stack);
  const filterPolicy = json(properties.FilterPolicy) as FilterPolicy | undefined;
  const scope = properties.FilterPolicyScope ?? 'MessageAttributes';
  if (scope !== 'MessageAttributes' && scope !== 'MessageBody') {
    throw new Error(
      `${resource.logicalId}: FilterPolicyScope ${String(scope)} is neither MessageAttributes nor MessageBody`,
    );
  }
  const redrive = json(properties.RedrivePolicy) as { deadLetterTargetArn?: unknown } | undefined;
  return {
    arn: subscriptionArn(topicArn, `${stack.stackName}/${resource.logicalId}`),
    logicalId: resource.logicalId,
    topicArn,
    protocol: String(properties.Protocol),
    endpoint: deployedValue(properties.Endpoint, stack),
    ...(filterPolicy === undefined ? {} : { filterPolicy }),
    filterPolicyScope: scope,
    rawMessageDelivery: properties.RawMessageDelivery === true || properties.RawMessageDelivery === 'true',
    ...(redrive?.deadLetterTargetArn === undefined
      ? {}
      : { deadLetterTargetArn: deployedValue(redrive.deadLetterTargetArn, stack) }),
  };
}

/** CloudFormation takes these JSON properties as objects or as JSON text. */
function json(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** `<topic ARN>:<uuid>`, the uuid stable per template resource. */
function subscriptionArn(topicArn: string, seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${topicArn}:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * `MessageStructure: json`: the message is a JSON object of one message per protocol, and must have
 * `default` (Publish in the SNS API reference).
 */
function messagesByProtocol(message: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw snsError(
      'InvalidParameterException',
      'Invalid parameter: Message Structure - JSON message body failed to parse',
      400,
    );
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as { default?: unknown }).default !== 'string'
  ) {
    throw snsError(
      'InvalidParameterException',
      'Invalid parameter: Message Structure - No default entry in JSON message body',
      400,
    );
  }
  return parsed as Record<string, string>;
}

/** Attributes as notifications carry them: `{ Type, Value }`. */
function notificationAttributes(
  attributes: Readonly<Record<string, PublishedAttribute>>,
): Record<string, { Type: string; Value: string }> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, attribute]) => [
      name,
      {
        Type: attribute.DataType,
        Value: attribute.StringValue ?? Buffer.from(attribute.BinaryValue ?? []).toString('base64'),
      },
    ]),
  );
}

/** Where SNS's documents point a subscriber to unsubscribe, and the certificate it signs with. */
function links(subscription: LocalSubscription) {
  const region = subscription.topicArn.split(':')[3];
  return {
    signingCert: `https://sns.${region}.amazonaws.com/SimpleNotificationService-local.pem`,
    unsubscribe: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscription.arn}`,
  };
}

/**
 * The notification JSON ("HTTP/HTTPS notification JSON format" in the SNS developer guide): Subject only
 * when one was published; the signature is a placeholder (nothing here can sign as SNS does).
 */
function notificationJson(
  subscription: LocalSubscription,
  message: PublishedMessage,
  text: string,
  attributes: Readonly<Record<string, PublishedAttribute>>,
): string {
  const { signingCert, unsubscribe } = links(subscription);
  const messageAttributes = notificationAttributes(attributes);
  return JSON.stringify({
    Type: 'Notification',
    MessageId: message.messageId,
    TopicArn: message.topicArn,
    ...(message.subject === undefined ? {} : { Subject: message.subject }),
    Message: text,
    Timestamp: new Date(message.at).toISOString(),
    SignatureVersion: '1',
    Signature: 'LOCAL-LOOP-UNSIGNED',
    SigningCertURL: signingCert,
    UnsubscribeURL: unsubscribe,
    ...(Object.keys(messageAttributes).length === 0 ? {} : { MessageAttributes: messageAttributes }),
  });
}

/**
 * The event SNS invokes a function with, as the Lambda developer guide's "Using Lambda with Amazon
 * SNS" sample shows it: one record, `Subject` null when none was published, the URLs spelled
 * `SigningCertUrl`/`UnsubscribeUrl`, `MessageAttributes` always present.
 */
function lambdaEvent(
  subscription: LocalSubscription,
  message: PublishedMessage,
  text: string,
  attributes: Readonly<Record<string, PublishedAttribute>>,
) {
  const { signingCert, unsubscribe } = links(subscription);
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: subscription.arn,
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: '1',
          Timestamp: new Date(message.at).toISOString(),
          Signature: 'LOCAL-LOOP-UNSIGNED',
          SigningCertUrl: signingCert,
          MessageId: message.messageId,
          Message: text,
          MessageAttributes: notificationAttributes(attributes),
          Type: 'Notification',
          UnsubscribeUrl: unsubscribe,
          TopicArn: message.topicArn,
          Subject: message.subject ?? null,
        },
      },
    ],
  };
}

function snsError(name: string, message: string, httpStatusCode: number): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}
