import '../support/test-environment';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricWidgetImageCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import { StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetTraceSummariesCommand } from '@aws-sdk/client-xray';
import { ALERT_DEADLINE_MS } from '../../../lambda/alert-enricher/alert-enricher';
import {
  alarmArn,
  anomalyAlarmEvent,
  classicNotification,
  classicSnsEvent,
  compositeAlarmEvent,
  errorRatioAlarmEvent,
  metricAlarmEvent,
  metricMathAlarmEvent,
  p99DurationAlarmEvent,
} from './support/alarm-events';
import { documentedSingleMetricAlarmEvent } from './support/documented-events';
import {
  CHAT_TOPIC,
  chatPublishes as chatPublishesTo,
  DEAD_LETTERS,
  deadLetters,
  enricherTestbed,
  topicAlerts,
  topicArn,
} from './support/enricher-harness';

const bed = enricherTestbed({ freshTablePerTest: true });
const aws = bed.aws;

const chatPublishes = () => chatPublishesTo(aws.sns);

/** Publishes attempted to one topic, answered or not. */
function publishesTo(topic: string) {
  return aws.sns.commandCalls(PublishCommand).filter((call) => call.args[0].input.TopicArn === topic);
}

/** A call that never answers, as a hung connection does. */
const hangs = () => new Promise<never>(() => {});

describe('a critical Vigil alarm going to ALARM', () => {
  it('is published once to the critical topic with filterable attributes and the whole context', async () => {
    const outcomes = await bed.enricher()(metricAlarmEvent());
    expect(outcomes).toEqual([expect.objectContaining({ result: 'delivered' })]);
    const [published, ...others] = topicAlerts(aws.sns);
    expect(others).toEqual([]);
    expect(published?.topic).toBe(topicArn('critical'));
    expect(published?.attributes).toMatchObject({
      severity: 'critical',
      service: 'predictor',
      state: 'ALARM',
      notification: 'alarm',
    });
    expect(published?.subject?.length).toBeLessThanOrEqual(100);
    expect(Object.keys(published?.message ?? {}).sort()).toEqual(
      ['default', 'email', 'email-json', 'https', 'lambda', 'sqs'].sort(),
    );
    const alert = published?.alert;
    expect(alert).toMatchObject({
      notification: 'alarm',
      severity: 'critical',
      owner: 'predictor-team',
      remediation: { playbook: 'lambda-alias-rollback', mode: 'dry-run', approval: false },
      episode: { id: 'vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z' },
      missing: [],
    });
    expect(alert?.context.logs?.top[0]).toEqual({ message: 'Task timed out after 29.00 seconds', count: 31 });
    expect(alert?.context.traces?.[0]?.id).toBe('1-6741a2b0-0f8c3e5d9a1b2c3d4e5f6a7b');
    expect(alert?.context.changes?.[0]).toMatchObject({
      event: 'UpdateAlias20150331',
      actor: 'deploy-pipeline',
    });
    expect(alert?.context.graph?.url).toMatch(
      /^https:\/\/vigil-dev-alert-artifacts\.s3\.eu-west-1\.amazonaws\.com\/graphs\//,
    );
    expect(alert?.context.breach?.threshold).toBe(5);
  });

  it('looks for errors in the log group the alarm names', async () => {
    await bed.enricher()(metricAlarmEvent());
    expect(aws.logs.commandCalls(StartQueryCommand)[0]?.args[0].input.logGroupNames).toEqual([
      '/aws/lambda/vigil-dev-predictor-api',
    ]);
  });

  it('also posts the chat notification, threaded on the episode, and pages PagerDuty with the episode as dedup key', async () => {
    await bed.enricher()(metricAlarmEvent());
    const chat = aws.sns
      .commandCalls(PublishCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.TopicArn === CHAT_TOPIC);
    const notification = JSON.parse(chat?.Message ?? '{}');
    expect(notification).toMatchObject({
      version: '1.0',
      source: 'custom',
      metadata: { threadId: 'vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z' },
    });
    expect(bed.pagerDutyEvents).toEqual([
      expect.objectContaining({
        routing_key: 'ROUTINGKEY',
        event_action: 'trigger',
        dedup_key: 'vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z',
      }),
    ]);
  });
});

describe('episodes', () => {
  it('suppresses the same ALARM arriving a second way, then resolves on the same thread and PagerDuty incident', async () => {
    const enrich = bed.enricher();
    await enrich(metricAlarmEvent({ id: 'e1' }));
    expect(await enrich(metricAlarmEvent({ id: 'e2' }))).toEqual([
      expect.objectContaining({ result: 'suppressed' }),
    ]);
    await enrich(
      metricAlarmEvent({ id: 'e3', state: 'OK', previous: 'ALARM', at: '2026-11-23T03:40:00.000Z' }),
    );
    const alerts = topicAlerts(aws.sns).map((published) => published.alert);
    expect(alerts.map((alert) => [alert.notification, alert.episode.id])).toEqual([
      ['alarm', 'vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z'],
      ['resolved', 'vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z'],
    ]);
    expect(bed.pagerDutyEvents.map((event) => (event as { event_action: string }).event_action)).toEqual([
      'trigger',
      'resolve',
    ]);
  });

  it('does not gather context for a suppressed repeat (no Logs Insights query paid for nothing)', async () => {
    const enrich = bed.enricher();
    await enrich(metricAlarmEvent({ id: 'e1' }));
    aws.logs.resetHistory();
    await enrich(metricAlarmEvent({ id: 'e2' }));
    expect(aws.logs.commandCalls(StartQueryCommand)).toHaveLength(0);
  });

  it('re-opens the thread for an ALARM whose way out of ALARM was never recorded, instead of swallowing it', async () => {
    const enrich = bed.enricher();
    await enrich(metricAlarmEvent({ id: 'e1' }));
    // The OK at 03:30 never reached the enricher; CloudWatch says this ALARM came from OK.
    await enrich(metricAlarmEvent({ id: 'e3', at: '2026-11-23T03:45:00.000Z', previous: 'OK' }));
    expect(
      topicAlerts(aws.sns).map((published) => [published.alert.notification, published.alert.episode.id]),
    ).toEqual([
      ['alarm', 'vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z'],
      ['reopened', 'vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z'],
    ]);
  });

  it('does not send a redelivered event again to any destination that already has it', async () => {
    const enrich = bed.enricher();
    await enrich(metricAlarmEvent({ id: 'same' }));
    // A fresh enricher is another execution environment, as a redelivery may land on.
    const again = await bed.enricher()(metricAlarmEvent({ id: 'same' }));
    expect(again).toEqual([
      expect.objectContaining({
        result: 'duplicate',
        delivery: expect.objectContaining({ skipped: ['topic', 'chat', 'pagerduty'], delivered: [] }),
      }),
    ]);
    expect(topicAlerts(aws.sns).map((published) => published.alert.notification)).toEqual(['alarm']);
    expect(chatPublishes()).toHaveLength(1);
    expect(bed.pagerDutyEvents).toHaveLength(1);
  });

  it('an alarm losing its data outside an episode is an info notice', async () => {
    await bed.enricher()(metricAlarmEvent({ state: 'INSUFFICIENT_DATA', previous: 'OK' }));
    const [published] = topicAlerts(aws.sns);
    expect(published?.topic).toBe(topicArn('info'));
    expect(published?.alert.notification).toBe('no-data');
  });

  it('alerts without deduplication when the episode table is unreachable, and says so', async () => {
    const enrich = bed.enricher({ episodeTableName: 'no-such-table' });
    const outcomes = await enrich(metricAlarmEvent());
    const [published] = topicAlerts(aws.sns);
    expect(published?.alert.missing).toEqual([
      {
        source: 'episodes',
        reason: expect.stringMatching(/^not deduplicated or threaded: ResourceNotFoundException/),
      },
    ]);
    // Nor can the delivery be recorded there: every channel is sent all the same.
    expect(outcomes).toEqual([
      expect.objectContaining({ result: 'delivered', delivery: expect.objectContaining({ skipped: [] }) }),
    ]);
    expect(chatPublishes()).toHaveLength(1);
    expect(bed.pagerDutyEvents).toHaveLength(1);
  });
});

describe('alarm kinds', () => {
  it('metric math: the breach series is the expression the alarm compares', async () => {
    await bed.enricher()(metricMathAlarmEvent());
    const query = aws.cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries;
    expect(query?.find((entry) => entry.Id === 'expr_1')).toMatchObject({
      Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
      ReturnData: true,
    });
    expect(topicAlerts(aws.sns)[0]?.alert.alarm.kind).toBe('metric-math');
  });

  it('anomaly band: routed by its own severity, with the band in the graph', async () => {
    await bed.enricher()(anomalyAlarmEvent());
    const [published] = topicAlerts(aws.sns);
    expect(published?.topic).toBe(topicArn('warning'));
    expect(published?.alert.alarm.kind).toBe('anomaly-band');
    const widget = JSON.parse(
      aws.cloudWatch.commandCalls(GetMetricWidgetImageCommand)[0]?.args[0].input.MetricWidget ?? '{}',
    );
    expect(JSON.stringify(widget.metrics)).toContain('ANOMALY_DETECTION_BAND(m1, 3)');
  });

  it('composite: lists the children in ALARM', async () => {
    const child = 'vigil-dev-predictor-api-availability-burn-fast-long-window';
    aws.cloudWatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: child,
          AlarmArn: alarmArn(child),
          StateValue: 'ALARM',
          AlarmDescription: JSON.stringify({
            vigil: 1,
            service: 'predictor',
            resource: 'api',
            signal: 'availability-burn-fast-long-window',
            severity: 'critical',
            summary: 'Error budget burns 14.4x too fast over the last hour.',
            threshold: '14.4x burn rate',
            partOf: 'vigil-dev-predictor-api-availability-burn-fast',
          }),
          Metrics: [],
        },
      ],
      CompositeAlarms: [],
    });
    await bed.enricher()(compositeAlarmEvent());
    const [published] = topicAlerts(aws.sns);
    expect(published?.alert.alarm.kind).toBe('composite');
    expect(published?.alert.children).toContainEqual({
      name: child,
      state: 'ALARM',
      summary: 'Error budget burns 14.4x too fast over the last hour.',
    });
  });

  it('ignores a state change of an alarm that only feeds a composite', async () => {
    const description = JSON.stringify({
      vigil: 1,
      service: 'predictor',
      resource: 'api',
      signal: 'availability-burn-fast-short-window',
      severity: 'critical',
      summary: 's',
      threshold: 't',
      partOf: 'vigil-dev-predictor-api-availability-burn-fast',
    });
    expect(await bed.enricher()(metricAlarmEvent({ description }))).toEqual([
      expect.objectContaining({ result: 'ignored' }),
    ]);
    expect(aws.sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('an outside alarm arriving by SNS gets the configured outside severity, or the one its tag names', async () => {
    const enrich = bed.enricher();
    await enrich(classicSnsEvent());
    aws.cloudWatch
      .on(ListTagsForResourceCommand)
      .resolves({ Tags: [{ Key: 'vigil:severity', Value: 'warning' }] });
    await enrich(
      classicSnsEvent(
        classicNotification({ AlarmName: 'orders-db-disk', AlarmArn: alarmArn('orders-db-disk') }),
      ),
    );
    expect(topicAlerts(aws.sns).map((published) => [published.topic, published.alert.service])).toEqual([
      [topicArn('high'), 'unassigned'],
      [topicArn('warning'), 'unassigned'],
    ]);
  });
});

describe('failing open: the alert goes out with what is known and says what is missing', () => {
  it.each([
    ['datapoints', () => aws.cloudWatch.on(GetMetricDataCommand)],
    ['graph', () => aws.cloudWatch.on(GetMetricWidgetImageCommand)],
    ['graph', () => aws.s3.on(PutObjectCommand)],
    ['logs', () => aws.logs.on(StartQueryCommand)],
    ['traces', () => aws.xray.on(GetTraceSummariesCommand)],
    ['history', () => aws.cloudWatch.on(DescribeAlarmHistoryCommand)],
    ['changes', () => aws.cloudTrail.on(LookupEventsCommand)],
    ['tags', () => aws.cloudWatch.on(ListTagsForResourceCommand)],
  ])('%s failing with AccessDenied', async (source, failing) => {
    failing().rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await bed.enricher()(metricAlarmEvent());
    const [published] = topicAlerts(aws.sns);
    expect(published?.alert.missing).toEqual([
      { source, reason: expect.stringContaining('AccessDeniedException: not authorized') },
    ]);
  });

  it('CloudTrail throttling is reported as such', async () => {
    aws.cloudTrail
      .on(LookupEventsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await bed.enricher()(metricAlarmEvent());
    expect(topicAlerts(aws.sns)[0]?.alert.missing).toEqual([
      { source: 'changes', reason: expect.stringMatching(/throttl/i) },
    ]);
  });

  it('a call that never answers costs its part, not the alert', async () => {
    aws.xray.on(GetTraceSummariesCommand).callsFake(() => new Promise(() => {}));
    const started = Date.now();
    await bed.enricher()(metricAlarmEvent());
    expect(Date.now() - started).toBeLessThan(bed.config.contextDeadlineMs + 1500);
    expect(topicAlerts(aws.sns)[0]?.alert.missing).toEqual([
      { source: 'traces', reason: expect.stringMatching(/timed out after \d+ ms/) },
    ]);
  });

  it('an unparseable event goes to the high topic with the payload, so nothing is lost', async () => {
    const outcomes = await bed.enricher()({ hello: 'world' });
    expect(outcomes).toEqual([expect.objectContaining({ result: 'delivered' })]);
    const [published] = topicAlerts(aws.sns);
    expect(published?.topic).toBe(topicArn('high'));
    expect(published?.alert).toMatchObject({ notification: 'unparseable', rawEvent: '{"hello":"world"}' });
  });
});

describe('delivery failures', () => {
  it('a failed topic publish puts the rendered alert and the error in the dead-letter queue', async () => {
    aws.sns.on(PublishCommand, { TopicArn: topicArn('critical') }).rejects(new Error('KMS key disabled'));
    const outcomes = await bed.enricher()(metricAlarmEvent());
    expect(outcomes).toEqual([expect.objectContaining({ result: 'dead-lettered' })]);
    expect(aws.sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.QueueUrl).toBe(DEAD_LETTERS);
    const [letter] = deadLetters(aws.sqs);
    expect(letter.failed).toEqual([{ channel: 'topic', error: 'Error: KMS key disabled' }]);
    expect(letter.alert).toMatchObject({
      schema: 'vigil.alert/1',
      severity: 'critical',
      notification: 'alarm',
    });
  });

  it('a failed page is dead-lettered even though the topic publish worked', async () => {
    aws.secrets.reset();
    aws.secrets.rejects(Object.assign(new Error('secret not found'), { name: 'ResourceNotFoundException' }));
    await bed.enricher()(metricAlarmEvent());
    expect(topicAlerts(aws.sns)).toHaveLength(1);
    expect(deadLetters(aws.sqs)[0]?.failed).toEqual([
      { channel: 'pagerduty', error: 'ResourceNotFoundException: secret not found' },
    ]);
  });

  it('throws only when the dead-letter queue refuses too, so Lambda retries and keeps the event', async () => {
    aws.sns.on(PublishCommand).rejects(new Error('SNS down'));
    aws.sqs.on(SendMessageCommand).rejects(new Error('SQS down'));
    await expect(bed.enricher()(metricAlarmEvent())).rejects.toThrow(
      /failed on topic \(Error: SNS down\).*dead-letter queue refused it too: Error: SQS down/,
    );
  });
});

describe('every alert is sent or dead-lettered within the deadline, each destination once', () => {
  it('a topic publish that hangs is dead-lettered with the rendered alert and the reason, once', async () => {
    aws.sns.on(PublishCommand, { TopicArn: topicArn('critical') }).callsFake(hangs);
    const started = Date.now();
    const outcomes = await bed.enricher()(metricAlarmEvent({ id: 'hung-topic' }));
    expect(Date.now() - started).toBeLessThan(ALERT_DEADLINE_MS);
    expect(outcomes).toEqual([
      expect.objectContaining({
        result: 'dead-lettered',
        delivery: expect.objectContaining({ delivered: ['chat', 'pagerduty'], skipped: [] }),
      }),
    ]);
    expect(publishesTo(topicArn('critical'))).toHaveLength(1);
    const letters = deadLetters(aws.sqs);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.failed).toEqual([
      { channel: 'topic', error: expect.stringMatching(/^DeliveryTimeoutError: .*no answer within \d+ ms/) },
    ]);
    expect(letters[0]?.alert).toMatchObject({
      schema: 'vigil.alert/1',
      title: expect.stringContaining('ALARM'),
    });

    // The same event again (EventBridge redelivers): only the topic, which never answered, is tried again.
    aws.sns.on(PublishCommand, { TopicArn: topicArn('critical') }).resolves({ MessageId: 'm-2' });
    const again = await bed.enricher()(metricAlarmEvent({ id: 'hung-topic' }));
    expect(again).toEqual([
      expect.objectContaining({
        result: 'delivered',
        delivery: expect.objectContaining({ delivered: ['topic'], skipped: ['chat', 'pagerduty'] }),
      }),
    ]);
    expect(publishesTo(topicArn('critical'))).toHaveLength(2);
    expect(chatPublishes()).toHaveLength(1);
    expect(bed.pagerDutyEvents).toHaveLength(1);
  });

  it('a Secrets Manager read that hangs on a cold start dead-letters the page in time; nothing is retried', async () => {
    aws.secrets.reset();
    aws.secrets.on(GetSecretValueCommand).callsFake(hangs);
    const started = Date.now();
    // The invocation returns: Lambda has nothing to retry, so the chat card and the topic go out once.
    const outcomes = await bed.enricher()(metricAlarmEvent({ id: 'hung-secret' }));
    expect(Date.now() - started).toBeLessThan(ALERT_DEADLINE_MS);
    expect(outcomes).toEqual([
      expect.objectContaining({
        result: 'dead-lettered',
        delivery: expect.objectContaining({ delivered: ['topic', 'chat'] }),
      }),
    ]);
    expect(deadLetters(aws.sqs).map((letter) => letter.failed)).toEqual([
      [
        {
          channel: 'pagerduty',
          error: expect.stringMatching(
            /routing key vigil\/pagerduty not read from Secrets Manager within \d+ ms/,
          ),
        },
      ],
    ]);
    expect(bed.pagerDutyEvents).toEqual([]);
    expect(topicAlerts(aws.sns)).toHaveLength(1);
    expect(chatPublishes()).toHaveLength(1);
  });

  it('a retry after a lost alert sends only what did not go out', async () => {
    aws.sns.on(PublishCommand, { TopicArn: topicArn('critical') }).rejects(new Error('SNS down'));
    aws.sqs.on(SendMessageCommand).rejects(new Error('SQS down'));
    await expect(bed.enricher()(metricAlarmEvent({ id: 'lost' }))).rejects.toThrow(
      /dead-letter queue refused/,
    );
    expect(chatPublishes()).toHaveLength(1);
    expect(bed.pagerDutyEvents).toHaveLength(1);

    // Lambda's retry, a minute later, with SNS and SQS back.
    aws.sns.on(PublishCommand, { TopicArn: topicArn('critical') }).resolves({ MessageId: 'm-3' });
    aws.sqs.on(SendMessageCommand).resolves({ MessageId: 'd-3' });
    const retried = await bed.enricher()(metricAlarmEvent({ id: 'lost' }));
    expect(retried).toEqual([
      expect.objectContaining({
        result: 'delivered',
        delivery: expect.objectContaining({ delivered: ['topic'], skipped: ['chat', 'pagerduty'] }),
      }),
    ]);
    // The refused publish and the retry's: the chat card and the page went out once.
    expect(publishesTo(topicArn('critical'))).toHaveLength(2);
    expect(chatPublishes()).toHaveLength(1);
    expect(bed.pagerDutyEvents).toHaveLength(1);
  });

  it('two deliveries of the same unreadable text both go out: they have no event id to tell them apart', async () => {
    const enrich = bed.enricher();
    await enrich(classicSnsEvent('not an alarm'));
    expect(await enrich(classicSnsEvent('not an alarm'))).toEqual([
      expect.objectContaining({ result: 'delivered' }),
    ]);
    expect(topicAlerts(aws.sns).map((published) => published.alert.notification)).toEqual([
      'unparseable',
      'unparseable',
    ]);
  });

  it.each([
    ['an empty MessageId', { MessageId: '' }],
    ['no MessageId', {}],
  ])('a publish answered with %s went out: not dead-lettered, and not sent again', async (_case, answer) => {
    aws.sns.on(PublishCommand).resolves(answer);
    const enrich = bed.enricher();
    expect(await enrich(metricAlarmEvent({ id: 'no-message-id' }))).toEqual([
      expect.objectContaining({ result: 'delivered' }),
    ]);
    expect(deadLetters(aws.sqs)).toEqual([]);
    expect(await enrich(metricAlarmEvent({ id: 'no-message-id' }))).toEqual([
      expect.objectContaining({ result: 'duplicate' }),
    ]);
    expect(topicAlerts(aws.sns)).toHaveLength(1);
    expect(chatPublishes()).toHaveLength(1);
  });
});

describe('the numbers are what CloudWatch evaluated', () => {
  it('a p99 alarm reads its worst evaluated value, not the period still in progress', async () => {
    // GetMetricData seconds after the change: 03:10 is running, its p99 so far 6205.
    aws.cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'm1',
          Label: 'Duration',
          StatusCode: 'Complete',
          Timestamps: ['02:55', '03:00', '03:05', '03:10'].map((time) => new Date(`2026-11-23T${time}:00Z`)),
          Values: [7210, 8433, 9874, 6205],
        },
      ],
    });
    await bed.enricher()(p99DurationAlarmEvent());
    const [published] = topicAlerts(aws.sns);
    const howBadly = published?.message.email?.split('\n')[1];
    expect(howBadly).toBe(
      'How badly: 9874 vs threshold 8000 (1.2x) in Duration; evaluated: 8433, 9874 (2 of 3 periods).',
    );
    const chat = JSON.parse(chatPublishes()[0]?.Message ?? '{}');
    expect(chat.metadata.summary).toBe(
      '[CRITICAL] ALARM predictor/api p99-duration: 9874 vs threshold 8000 (1.2x); evaluated: 8433, 9874 (2 of 3 periods)',
    );
    const page = bed.pagerDutyEvents[0] as { payload: { summary: string } };
    expect(page.payload.summary).toMatch(
      /^\[CRITICAL\] ALARM predictor\/api p99-duration: 9874 vs threshold 8000/,
    );
    for (const headline of [published?.subject, howBadly, chat.metadata.summary, page.payload.summary]) {
      expect(headline).not.toContain('6205');
    }
    expect(published?.alert.evaluation).toEqual({
      datapoints: [7210, 8433, 9874],
      threshold: 8000,
      lowerThresholds: null,
      upperThresholds: null,
      breaches: 'at-or-above',
    });
  });

  it('a ratio alarm whose threshold sentence says 5% reads as a percentage', async () => {
    aws.cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'ratio',
          Label: 'Error ratio',
          Timestamps: [new Date('2026-11-23T03:05:00Z')],
          Values: [0.083],
        },
      ],
    });
    await bed.enricher()(errorRatioAlarmEvent());
    const [published] = topicAlerts(aws.sns);
    expect(published?.alert.valueUnit).toBe('fraction');
    expect(published?.message.email?.split('\n')[1]).toBe(
      'How badly: 8.3% vs threshold 5% (1.7x) in Error ratio; evaluated: 7.1%, 8.3% (2 of 3 periods).',
    );
  });

  it('the documented single-metric event (UUID metric id) gets its datapoints and graph under valid ids', async () => {
    await bed.enricher()(documentedSingleMetricAlarmEvent);
    const validId = /^[a-z][a-zA-Z0-9_]*$/;
    const queryIds = aws.cloudWatch
      .commandCalls(GetMetricDataCommand)
      .flatMap((call) => call.args[0].input.MetricDataQueries ?? [])
      .map((query) => query.Id);
    expect(queryIds.length).toBeGreaterThan(0);
    for (const id of queryIds) expect(id).toMatch(validId);
    const widget = JSON.parse(
      aws.cloudWatch.commandCalls(GetMetricWidgetImageCommand)[0]?.args[0].input.MetricWidget ?? '{}',
    ) as { metrics: unknown[][] };
    const widgetIds = widget.metrics.map((entry) => (entry.at(-1) as { id: string }).id);
    expect(widgetIds).toHaveLength(1);
    for (const id of widgetIds) expect(id).toMatch(validId);
    const [published] = topicAlerts(aws.sns);
    expect(published?.alert.missing.map((missing) => missing.source)).not.toEqual(
      expect.arrayContaining(['datapoints']),
    );
    expect(published?.alert.context.breach?.datapoints.length).toBeGreaterThan(0);
    expect(published?.alert.context.graph).not.toBeNull();
    expect(published?.message.email?.split('\n')[1]).toBe(
      'How badly: 99.5 vs threshold 50 (2x) in Errors; evaluated: 99.5 (1 of 1 period).',
    );
  });
});
