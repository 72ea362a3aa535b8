// First: the handlers the local run loads read their logging settings when their module loads.
import '../../scripts/local-loop/quiet-handlers';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PublishCommand } from '@aws-sdk/client-sns';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { parseAlarmEvent } from '../../lambda/shared/alarm-event';
import { LocalAws } from '../../scripts/local-loop/local-aws';
import { openLocalRun } from '../../scripts/local-loop/local-run';
import { LocalSqs } from '../../scripts/local-loop/local-sqs';
import { type FilterPolicy, matchesFilterPolicy } from '../../scripts/local-loop/sns-filter-policy';
import { LocalSns } from '../../scripts/local-loop/sns-stand-in';
import type { StackTemplate } from '../../scripts/local-loop/synthesize';
import { SynthesizedAppReader } from '../../scripts/local-loop/synthesized-app';
import { classicNotification } from '../lambda/alert-enricher/support/alarm-events';

/** An attribute as Publish takes it: text is String, a number Number, an array String.Array. */
type Attribute = string | number | readonly unknown[];

function attributes(values: Record<string, Attribute>) {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      typeof value === 'number'
        ? { DataType: 'Number', StringValue: String(value) }
        : Array.isArray(value)
          ? { DataType: 'String.Array', StringValue: JSON.stringify(value) }
          : { DataType: 'String', StringValue: value as string },
    ]),
  );
}

/** Whether a message with these attributes passes the policy (MessageAttributes scope). */
const byAttributes = (policy: FilterPolicy, values: Record<string, Attribute>) =>
  matchesFilterPolicy(policy, { attributes: attributes(values), body: 'ignored' });
/** Whether a message with this JSON body passes the policy (MessageBody scope). */
const byBody = (policy: FilterPolicy, body: unknown) =>
  matchesFilterPolicy(policy, { body: JSON.stringify(body) }, 'MessageBody');

// The examples are those of the SNS developer guide's "Amazon SNS message filtering" pages, each
// cited by page; the matching and the non-matching messages are the pages' own unless said otherwise.
describe('SNS filter policies, as the SNS developer guide documents them', () => {
  test('exact string matching, String.Array elements one by one (string-value-matching.html)', () => {
    const policy = { customer_interests: ['rugby', 'tennis'] };
    expect(byAttributes(policy, { customer_interests: 'rugby' })).toBe(true);
    expect(byAttributes(policy, { customer_interests: 'tennis' })).toBe(true);
    expect(byAttributes(policy, { customer_interests: ['rugby', 'tennis'] })).toBe(true);
    expect(byBody(policy, { customer_interests: 'rugby' })).toBe(true);
    expect(byAttributes(policy, { customer_interests: 'baseball' })).toBe(false);
    expect(byAttributes(policy, { customer_interests: ['baseball'] })).toBe(false);
    expect(byBody(policy, { customer_interests: 'baseball' })).toBe(false);
    // "For string matching in the filter policy, the comparison is case-sensitive" (constraints page).
    expect(byAttributes(policy, { customer_interests: 'Rugby' })).toBe(false);
  });

  test('anything-but, with a list and with a prefix (string-value-matching.html)', () => {
    const policy = { customer_interests: [{ 'anything-but': ['rugby', 'tennis'] }] };
    expect(byAttributes(policy, { customer_interests: 'baseball' })).toBe(true);
    expect(byAttributes(policy, { customer_interests: 'football' })).toBe(true);
    // It contains a value that isn't rugby or tennis.
    expect(byAttributes(policy, { customer_interests: ['rugby', 'baseball'] })).toBe(true);
    expect(byBody(policy, { customer_interests: ['rugby', 'baseball'] })).toBe(true);
    expect(byAttributes(policy, { customer_interests: 'rugby' })).toBe(false);

    const notOrders = { event: [{ 'anything-but': { prefix: 'order-' } }] };
    expect(byAttributes(notOrders, { event: 'data-entry' })).toBe(true);
    expect(byAttributes(notOrders, { event: 'order_number' })).toBe(true);
    expect(byAttributes(notOrders, { event: 'order-cancelled' })).toBe(false);
  });

  test('prefix, suffix and equals-ignore-case (string-value-matching.html)', () => {
    const prefix = { customer_interests: [{ prefix: 'bas' }] };
    expect(byAttributes(prefix, { customer_interests: 'baseball' })).toBe(true);
    expect(byAttributes(prefix, { customer_interests: 'basketball' })).toBe(true);
    expect(byAttributes(prefix, { customer_interests: 'rugby' })).toBe(false);

    const suffix = { customer_interests: [{ suffix: 'ball' }] };
    expect(byAttributes(suffix, { customer_interests: 'baseball' })).toBe(true);
    expect(byAttributes(suffix, { customer_interests: 'basketball' })).toBe(true);
    expect(byAttributes(suffix, { customer_interests: 'rugby' })).toBe(false);

    const ignoringCase = { customer_interests: [{ 'equals-ignore-case': 'tennis' }] };
    expect(byAttributes(ignoringCase, { customer_interests: 'TENNIS' })).toBe(true);
    expect(byAttributes(ignoringCase, { customer_interests: 'Tennis' })).toBe(true);
    expect(byAttributes(ignoringCase, { customer_interests: 'baseball' })).toBe(false);
  });

  test('IP address matching with cidr (string-value-matching.html)', () => {
    const policy = { source_ip: [{ cidr: '10.0.0.0/24' }] };
    expect(byAttributes(policy, { source_ip: '10.0.0.0' })).toBe(true);
    expect(byAttributes(policy, { source_ip: '10.0.0.255' })).toBe(true);
    expect(byAttributes(policy, { source_ip: '10.1.1.0' })).toBe(false);
  });

  test('numeric =, anything-but and ranges on Number attributes and body numbers (numeric-value-matching.html)', () => {
    const equal = { price_usd: [{ numeric: ['=', 301.5] }] };
    expect(byAttributes(equal, { price_usd: 301.5 })).toBe(true);
    expect(
      matchesFilterPolicy(equal, {
        attributes: { price_usd: { DataType: 'Number', StringValue: '3.015e2' } },
        body: '',
      }),
    ).toBe(true);
    expect(byBody(equal, { price_usd: 3.015e2 })).toBe(true);
    expect(byAttributes(equal, { price_usd: 301.6 })).toBe(false);

    const notListed = { price: [{ 'anything-but': [100, 500] }] };
    expect(byAttributes(notListed, { price: 101 })).toBe(true);
    expect(byAttributes(notListed, { price: 100.1 })).toBe(true);
    expect(byBody(notListed, { price: [100, 50] })).toBe(true);
    expect(byAttributes(notListed, { price: 100 })).toBe(false);
    expect(byBody(notListed, { price: 100 })).toBe(false);

    const negative = { price_usd: [{ numeric: ['<', 0] }] };
    expect(byAttributes(negative, { price_usd: -0.5 })).toBe(true);
    expect(byAttributes(negative, { price_usd: 0 })).toBe(false);
    // "Positive numbers up to and including 150"; the bounds and outside them are this test's own.
    const range = { price_usd: [{ numeric: ['>', 0, '<=', 150] }] };
    expect(byAttributes(range, { price_usd: 150 })).toBe(true);
    expect(byAttributes(range, { price_usd: 0.01 })).toBe(true);
    expect(byAttributes(range, { price_usd: 0 })).toBe(false);
    expect(byAttributes(range, { price_usd: 150.01 })).toBe(false);
    // A number written as a String attribute is text: numeric matchers do not read it.
    expect(byAttributes(range, { price_usd: '100' })).toBe(false);
  });

  test('key matching: exists true and false, and no attributes at all (attribute-key-matching.html)', () => {
    const present = { store: [{ exists: true }] };
    const absent = { store: [{ exists: false }] };
    const withStore = { store: 'fans', customer_interests: ['baseball', 'basketball'] };
    const withoutStore = { customer_interests: ['baseball', 'basketball'] };
    expect(byAttributes(present, withStore)).toBe(true);
    expect(byBody(present, withStore)).toBe(true);
    expect(byAttributes(present, withoutStore)).toBe(false);
    expect(byBody(present, withoutStore)).toBe(false);
    expect(byAttributes(absent, withStore)).toBe(false);
    expect(byBody(absent, withStore)).toBe(false);
    expect(byAttributes(absent, withoutStore)).toBe(true);
    expect(byBody(absent, withoutStore)).toBe(true);
    // "exists": false only matches if at least one attribute is present.
    expect(byAttributes(absent, {})).toBe(false);
    // A message with no attributes matches no policy that names one.
    expect(byAttributes({ customer_interests: ['rugby'] }, {})).toBe(false);
    // "The key must have a non-null and non-empty value."
    expect(byBody(present, { store: null })).toBe(false);
    expect(byBody(present, { store: '' })).toBe(false);
  });

  test('AND across properties, OR within one, and the $or operator (and-or-logic.html)', () => {
    const and = { customer_interests: ['rugby'], price_usd: [{ numeric: ['>', 100] }] };
    expect(byAttributes(and, { customer_interests: 'rugby', price_usd: 100.5 })).toBe(true);
    expect(byAttributes(and, { customer_interests: 'rugby', price_usd: 100 })).toBe(false);
    expect(byAttributes(and, { customer_interests: 'rugby' })).toBe(false);

    const or = { customer_interests: ['rugby', 'football', 'baseball'] };
    expect(byAttributes(or, { customer_interests: 'football' })).toBe(true);
    expect(byAttributes(or, { customer_interests: 'tennis' })).toBe(false);

    // "source" && ("metricName" || "namespace")
    const standardOr = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
    };
    expect(byAttributes(standardOr, { source: 'aws.cloudwatch', metricName: 'CPUUtilization' })).toBe(true);
    expect(byAttributes(standardOr, { source: 'aws.cloudwatch', namespace: 'AWS/EC2' })).toBe(true);
    expect(byAttributes(standardOr, { source: 'aws.cloudwatch', metricName: 'Errors' })).toBe(false);
    expect(byAttributes(standardOr, { source: 'aws.ec2', namespace: 'AWS/EC2' })).toBe(false);
    // Fewer than two objects: "$or" is an ordinary property name.
    expect(byAttributes({ $or: ['x'] }, { $or: 'x' })).toBe(true);
    expect(byAttributes({ $or: ['x'] }, { source: 'x' })).toBe(false);
  });

  test('the guide’s example message against a policy that accepts it and variants that reject it (example-filter-policies.html)', () => {
    const message = {
      customer_interests: ['soccer', 'rugby', 'hockey'],
      store: 'example_corp',
      event: 'order_placed',
      price_usd: 210.75,
    };
    const accepts = {
      store: ['example_corp'],
      event: [{ 'anything-but': 'order_cancelled' }],
      customer_interests: ['rugby', 'football', 'baseball'],
      price_usd: [{ numeric: ['>=', 100] }],
    };
    expect(byAttributes(accepts, message)).toBe(true);
    expect(byBody(accepts, message)).toBe(true);
    // This test's own variants: one property each that the message fails.
    expect(byAttributes({ ...accepts, store: ['another_corp'] }, message)).toBe(false);
    expect(byAttributes({ ...accepts, event: [{ 'anything-but': 'order_placed' }] }, message)).toBe(false);
    expect(byAttributes({ ...accepts, price_usd: [{ numeric: ['<', 100] }] }, message)).toBe(false);
    expect(byAttributes({ ...accepts, encrypted: [{ exists: true }] }, message)).toBe(false);
  });

  test('nesting is for the MessageBody scope; a body that is not a JSON object matches nothing', () => {
    const nested = { order: { status: ['placed'], total: [{ numeric: ['>', 10] }] } };
    expect(byBody(nested, { order: { status: 'placed', total: 25 } })).toBe(true);
    expect(byBody(nested, { order: { status: 'cancelled', total: 25 } })).toBe(false);
    expect(byBody(nested, { status: 'placed', total: 25 })).toBe(false);
    expect(matchesFilterPolicy({ status: ['placed'] }, { body: 'not json' }, 'MessageBody')).toBe(false);
    expect(() => byAttributes(nested, { order: 'placed' })).toThrow(/MessageBody scope only/);
  });

  test('Vigil’s documented use: an alert whose actions CloudWatch suppressed skips an {"exists": false} subscription', () => {
    // lambda/alert-enricher/formats/sns-message.ts: `{"actionsSuppressedBy": [{"exists": false}]}`.
    const policy = { actionsSuppressedBy: [{ exists: false }] };
    const alert = { severity: 'high', service: 'predictor', state: 'ALARM', notification: 'alarm' };
    expect(byAttributes(policy, alert)).toBe(true);
    expect(byAttributes(policy, { ...alert, actionsSuppressedBy: 'Alarm' })).toBe(false);
  });

  test('refuses what EventBridge matches and the SNS guide does not document, instead of guessing', () => {
    expect(() => byAttributes({ key: [{ wildcard: '*.png' }] }, { key: 'a.png' })).toThrow(
      /not a filter operator/,
    );
    expect(() => byAttributes({ key: [{ 'anything-but': { suffix: 'test' } }] }, { key: 'a' })).toThrow(
      /not a filter operator/,
    );
    expect(() => byAttributes({ key: [] }, { key: 'a' })).toThrow(/empty/);
  });
});

const NOW = Date.parse('2026-12-06T19:58:00.000Z');

/**
 * A small app synthesized without bundling (inline Lambda code): a topic with an SQS subscription
 * filtered on attributes, a raw SQS subscription filtered on the body, a Lambda subscription, an
 * email subscription with a dead-letter queue, and a topic with a subscription made inline.
 */
function smallApp() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'SnsStandInTest');
  const topic = new sns.Topic(stack, 'Alerts', { topicName: 'test-alerts' });
  const urgent = new sqs.Queue(stack, 'Urgent', { queueName: 'test-urgent' });
  const orders = new sqs.Queue(stack, 'Orders', { queueName: 'test-orders' });
  const undeliverable = new sqs.Queue(stack, 'Undeliverable', { queueName: 'test-undeliverable' });
  const fn = new lambda.Function(stack, 'Handler', {
    functionName: 'test-handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  topic.addSubscription(
    new subscriptions.SqsSubscription(urgent, {
      filterPolicy: {
        severity: sns.SubscriptionFilter.stringFilter({ allowlist: ['critical', 'high'] }),
      },
    }),
  );
  topic.addSubscription(
    new subscriptions.SqsSubscription(orders, {
      rawMessageDelivery: true,
      filterPolicyWithMessageBody: {
        event: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ matchPrefixes: ['order-'] })),
      },
    }),
  );
  topic.addSubscription(new subscriptions.LambdaSubscription(fn));
  topic.addSubscription(
    new subscriptions.EmailSubscription('oncall@example.com', { deadLetterQueue: undeliverable }),
  );
  new sns.CfnTopic(stack, 'Legacy', {
    topicName: 'test-legacy',
    subscription: [{ protocol: 'https', endpoint: 'https://hooks.example.com/legacy' }],
  });
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as StackTemplate;
  const reader = new SynthesizedAppReader({
    outdir: assembly.directory,
    stacks: [{ stack, template }],
    dispose: () => {},
  });
  return { reader, stack };
}

describe('SNS stand-in on a synthesized app', () => {
  const { reader } = smallApp();
  const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:test-alerts';
  const HANDLER = 'arn:aws:lambda:eu-west-1:123456789012:function:test-handler';

  function localSns() {
    const sqsLocal = new LocalSqs(reader);
    const invoked: unknown[] = [];
    const localSns = new LocalSns(reader, {
      now: () => NOW,
      sqs: sqsLocal,
      functionAt: (arn) =>
        arn === HANDLER
          ? async (event) => {
              invoked.push(event);
            }
          : undefined,
    });
    const queue = (name: string) => sqsLocal.queues.find((candidate) => candidate.name === name);
    return { sns: localSns, invoked, queue };
  }

  test('reads every topic and subscription from the template, inline ones included', () => {
    const { sns: local } = localSns();
    expect([...local.topics.values()].map((topic) => topic.name).sort()).toEqual([
      'test-alerts',
      'test-legacy',
    ]);
    const alerts = local.topic('test-alerts').subscriptions;
    expect(alerts.map((s) => s.protocol).sort()).toEqual(['email', 'lambda', 'sqs', 'sqs']);
    const urgent = alerts.find((s) => s.endpoint.endsWith(':test-urgent'));
    expect(urgent).toMatchObject({
      filterPolicy: { severity: ['critical', 'high'] },
      filterPolicyScope: 'MessageAttributes',
      rawMessageDelivery: false,
    });
    expect(alerts.find((s) => s.endpoint.endsWith(':test-orders'))).toMatchObject({
      filterPolicy: { event: [{ prefix: 'order-' }] },
      filterPolicyScope: 'MessageBody',
      rawMessageDelivery: true,
    });
    expect(alerts.find((s) => s.protocol === 'lambda')?.endpoint).toBe(HANDLER);
    expect(alerts.find((s) => s.protocol === 'email')).toMatchObject({
      endpoint: 'oncall@example.com',
      deadLetterTargetArn: 'arn:aws:sqs:eu-west-1:123456789012:test-undeliverable',
    });
    expect(local.topic('test-legacy').subscriptions).toEqual([
      expect.objectContaining({ protocol: 'https', endpoint: 'https://hooks.example.com/legacy' }),
    ]);
    expect(urgent?.arn).toMatch(/^arn:aws:sns:eu-west-1:123456789012:test-alerts:[0-9a-f-]{36}$/);
  });

  test('delivers to each subscription whose filter policy passes, in its protocol’s shape', async () => {
    const { sns: local, invoked, queue } = localSns();
    local.publish({
      TopicArn: TOPIC,
      Subject: 'ALARM: checkout errors',
      Message: JSON.stringify({ event: 'alarm' }),
      MessageAttributes: attributes({ severity: 'high' }),
    });
    // The urgent queue's policy passes (severity high); the orders queue's body policy does not.
    expect(
      local.deliveries.map((d) => `${d.protocol} ${d.endpoint.split(':').at(-1)} ${d.filter}`).sort(),
    ).toEqual([
      'email oncall@example.com no filter policy',
      'lambda test-handler no filter policy',
      'sqs test-urgent matched',
    ]);
    expect(local.filteredOut).toBe(1);
    expect(queue('test-orders')?.messages).toEqual([]);

    // SQS gets the notification JSON ("HTTP/HTTPS notification JSON format"), attributes included.
    const [urgentMessage] = queue('test-urgent')?.messages ?? [];
    expect(JSON.parse(urgentMessage?.body ?? '{}')).toEqual({
      Type: 'Notification',
      MessageId: local.published[0]?.messageId,
      TopicArn: TOPIC,
      Subject: 'ALARM: checkout errors',
      Message: '{"event":"alarm"}',
      Timestamp: '2026-12-06T19:58:00.000Z',
      SignatureVersion: '1',
      Signature: expect.any(String),
      SigningCertURL: expect.stringMatching(/^https:\/\/sns\.eu-west-1\.amazonaws\.com\//),
      UnsubscribeURL: expect.stringContaining('Action=Unsubscribe&SubscriptionArn=arn:aws:sns:'),
      MessageAttributes: { severity: { Type: 'String', Value: 'high' } },
    });
    expect(local.deliveries.find((d) => d.protocol === 'email')?.body).toBe('{"event":"alarm"}');

    // Lambda is invoked asynchronously: after Publish has answered, when the run flushes.
    expect(invoked).toEqual([]);
    await local.flush();
    expect(invoked).toEqual([
      {
        Records: [
          {
            EventVersion: '1.0',
            EventSubscriptionArn: expect.stringMatching(/^arn:aws:sns:eu-west-1:123456789012:test-alerts:/),
            EventSource: 'aws:sns',
            Sns: expect.objectContaining({
              Type: 'Notification',
              TopicArn: TOPIC,
              Subject: 'ALARM: checkout errors',
              Message: '{"event":"alarm"}',
              MessageAttributes: { severity: { Type: 'String', Value: 'high' } },
              SigningCertUrl: expect.any(String),
              UnsubscribeUrl: expect.any(String),
            }),
          },
        ],
      },
    ]);
  });

  test('a body-scoped raw subscription gets the message itself; an attribute policy holds back a message without attributes', () => {
    const { sns: local, queue } = localSns();
    local.publish({ TopicArn: TOPIC, Message: JSON.stringify({ event: 'order-placed', total: 25 }) });
    expect(queue('test-orders')?.messages.map((m) => m.body)).toEqual([
      '{"event":"order-placed","total":25}',
    ]);
    expect(queue('test-urgent')?.messages).toEqual([]);
    expect(local.deliveries.find((d) => d.protocol === 'sqs')).toMatchObject({ filter: 'matched' });
    // No subject published: the Lambda event says null.
    const lambdaEvent = JSON.parse(local.deliveries.find((d) => d.protocol === 'lambda')?.body ?? '{}');
    expect(lambdaEvent.Records[0].Sns.Subject).toBeNull();
  });

  test('MessageStructure json: each protocol gets its own message, or the default', () => {
    const { sns: local, queue } = localSns();
    local.publish({
      TopicArn: TOPIC,
      Subject: 'ALARM',
      MessageStructure: 'json',
      Message: JSON.stringify({ default: '{"kind":"structured"}', email: 'Plain text for people' }),
      MessageAttributes: attributes({ severity: 'critical' }),
    });
    expect(local.deliveries.find((d) => d.protocol === 'email')?.body).toBe('Plain text for people');
    expect(JSON.parse(queue('test-urgent')?.messages[0]?.body ?? '{}').Message).toBe('{"kind":"structured"}');
    expect(() =>
      local.publish({ TopicArn: TOPIC, MessageStructure: 'json', Message: JSON.stringify({ email: 'x' }) }),
    ).toThrow(/No default entry/);
  });

  test('Publish through the SDK: an unknown topic is NotFoundException, a known one answers a MessageId', async () => {
    const { sns: local } = localSns();
    const aws = new LocalAws();
    local.standIn(aws);
    // DynamoDB is not used here: nothing listens on the endpoint.
    const clients = aws.clients('http://127.0.0.1:9');
    await expect(
      clients.sns.send(
        new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:no-such-topic', Message: 'x' }),
      ),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
    const answer = await clients.sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'hello' }));
    expect(answer.MessageId).toBe(local.published[0]?.messageId);
  });

  test('the Lambda event is what the enricher reads from its intake topic: a classic alarm notification', () => {
    const { sns: local } = localSns();
    local.publish({ TopicArn: TOPIC, Message: JSON.stringify(classicNotification()) });
    const event = JSON.parse(local.deliveries.find((d) => d.protocol === 'lambda')?.body ?? '{}');
    expect(parseAlarmEvent(event)).toEqual([
      expect.objectContaining({ ok: true, change: expect.objectContaining({ alarmName: 'orders-db-cpu' }) }),
    ]);
  });
});

describe('SNS stand-in in the local run', () => {
  test('an alarm made outside Vigil, published to the intake topic, reaches the enricher through its Lambda subscription', async () => {
    const runFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sns-intake-'));
    const timelineStart = Math.floor((Date.now() - 3 * 3600_000) / 60_000) * 60_000;
    // The shipped dev config: no alarm evaluated, nothing watched; only the intake path runs.
    const run = await openLocalRun({ runFolder, timelineStart, watch: [], evaluates: () => false });
    try {
      const intake = run.sns.topic('vigil-dev-alarm-intake');
      expect(intake.subscriptions).toEqual([
        expect.objectContaining({
          protocol: 'lambda',
          endpoint: expect.stringMatching(/:function:.*Enricher.*:live$/),
        }),
      ]);
      const changedAt = new Date(run.now()).toISOString().replace('Z', '+0000');
      await run.clients.sns.send(
        new PublishCommand({
          TopicArn: intake.arn,
          Subject: 'ALARM: "orders-db-cpu" in EU (Ireland)',
          Message: JSON.stringify(classicNotification({ StateChangeTime: changedAt })),
        }),
      );
      // SNS invokes the function asynchronously: it runs as simulated time moves on.
      expect(run.alerts).toEqual([]);
      await run.advance(10_000);
      expect(run.alerts).toEqual([
        expect.objectContaining({ alarm: 'orders-db-cpu', state: 'ALARM', notification: 'alarm' }),
      ]);
      expect(run.timeline.format()).toMatch(
        /message delivered to \S+Enricher\S+:live \(lambda\) via vigil-dev-alarm-intake/,
      );
      const lines = fs
        .readFileSync(path.join(runFolder, 'sns-deliveries.jsonl'), 'utf8')
        .trimEnd()
        .split('\n');
      expect(lines.map((line) => JSON.parse(line))).toContainEqual(
        expect.objectContaining({
          topic: 'vigil-dev-alarm-intake',
          protocol: 'lambda',
          outcome: 'invoked asynchronously',
        }),
      );
    } finally {
      await run.close();
      fs.rmSync(runFolder, { recursive: true, force: true });
    }
  }, 180_000);
});
