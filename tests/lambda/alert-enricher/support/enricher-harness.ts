import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricWidgetImageCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, type SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { GetTraceSummariesCommand, XRayClient } from '@aws-sdk/client-xray';
import { mockClient } from 'aws-sdk-client-mock';
import { buildAlertEnricher } from '../../../../lambda/alert-enricher/build-enricher';
import type { EnricherConfig } from '../../../../lambda/alert-enricher/enricher-config';
import type { StructuredAlert } from '../../../../lambda/alert-enricher/formats/structured-alert';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../support/local-dynamodb';
import { createEpisodeTable } from './episode-table';

export const topicArn = (severity: string) =>
  `arn:aws:sns:eu-west-1:123456789012:vigil-dev-alerts-${severity}`;
export const CHAT_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:chatbot-oncall';
export const DEAD_LETTERS = 'https://sqs.eu-west-1.amazonaws.com/123456789012/vigil-dev-alert-dead-letters';

/** Every AWS service the enricher calls, mocked with answers a healthy account would give. */
function mockAwsServices() {
  const mocks = {
    cloudWatch: mockClient(CloudWatchClient),
    logs: mockClient(CloudWatchLogsClient),
    xray: mockClient(XRayClient),
    cloudTrail: mockClient(CloudTrailClient),
    s3: mockClient(S3Client),
    sns: mockClient(SNSClient),
    sqs: mockClient(SQSClient),
    secrets: mockClient(SecretsManagerClient),
  };
  const healthy = () => {
    for (const mock of Object.values(mocks)) mock.reset();
    mocks.cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'm1',
          Label: 'Errors',
          StatusCode: 'Complete',
          Timestamps: [new Date('2026-11-23T03:07:00Z'), new Date('2026-11-23T03:02:00Z')],
          Values: [37, 9],
        },
      ],
    });
    mocks.cloudWatch
      .on(GetMetricWidgetImageCommand)
      .resolves({ MetricWidgetImage: new Uint8Array([137, 80, 78, 71]) });
    mocks.cloudWatch.on(DescribeAlarmHistoryCommand).resolves({
      AlarmHistoryItems: [
        {
          Timestamp: new Date('2026-11-23T03:12:00Z'),
          HistoryItemType: 'StateUpdate',
          HistoryData: JSON.stringify({ oldState: { stateValue: 'OK' }, newState: { stateValue: 'ALARM' } }),
        },
      ],
    });
    mocks.cloudWatch
      .on(ListTagsForResourceCommand)
      .resolves({ Tags: [{ Key: 'Owner', Value: 'predictor-team' }] });
    mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
    mocks.logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    mocks.logs.on(GetQueryResultsCommand).resolves({
      status: 'Complete',
      results: [
        [
          { field: 'text', value: 'Task timed out after 29.00 seconds' },
          { field: 'occurrences', value: '31' },
        ],
      ],
    });
    mocks.xray.on(GetTraceSummariesCommand).resolves({
      TraceSummaries: [{ Id: '1-6741a2b0-0f8c3e5d9a1b2c3d4e5f6a7b', Duration: 29.1, HasFault: true }],
    });
    mocks.cloudTrail.on(LookupEventsCommand).resolves({
      Events: [
        {
          EventTime: new Date('2026-11-23T02:52:00Z'),
          EventName: 'UpdateAlias20150331',
          Username: 'deploy-pipeline',
          CloudTrailEvent: JSON.stringify({ readOnly: false }),
        },
      ],
    });
    mocks.s3.on(PutObjectCommand).resolves({});
    mocks.sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    mocks.sqs.on(SendMessageCommand).resolves({ MessageId: 'd-1' });
    mocks.secrets.on(GetSecretValueCommand).resolves({ SecretString: 'ROUTINGKEY' });
  };
  return { ...mocks, healthy };
}

type AwsMocks = ReturnType<typeof mockAwsServices>;

/** A local stand-in for PagerDuty's Events API that records what it receives. */
async function startPagerDutyReceiver(): Promise<{
  url: string;
  events: unknown[];
  close: () => Promise<void>;
}> {
  const events: unknown[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      events.push(JSON.parse(body));
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/enqueue`,
    events,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function enricherConfig(local: LocalDynamoDb, pagerDutyUrl: string): Promise<EnricherConfig> {
  return {
    destinations: {
      critical: {
        topicArn: topicArn('critical'),
        chatTopicArn: CHAT_TOPIC,
        pagerDutySecretName: 'vigil/pagerduty',
      },
      high: { topicArn: topicArn('high') },
      warning: { topicArn: topicArn('warning') },
      info: { topicArn: topicArn('info') },
    },
    episodeTableName: await createEpisodeTable(local.endpoint),
    artifactsBucketName: 'vigil-dev-alert-artifacts',
    deadLetterQueueUrl: DEAD_LETTERS,
    graphUrlTtlSeconds: 3600,
    contextDeadlineMs: 1500,
    flapTransitions: 4,
    flapWindowMinutes: 30,
    episodeRetentionDays: 30,
    outsideAlarmSeverity: 'high',
    remediationPlaybooks: { 'lambda-alias-rollback': { mode: 'dry-run', approval: false } },
    pagerDutyEventsUrl: pagerDutyUrl,
  };
}

/**
 * What every enricher test needs, set up around its file: mocked AWS services (healthy before each
 * test), a local DynamoDB for episodes, a local PagerDuty. With `freshTablePerTest`, each test gets
 * its own episode table, so one test's episodes never suppress another's alert.
 */
export function enricherTestbed(options: { freshTablePerTest: boolean; contextDeadlineMs?: number }) {
  const aws = mockAwsServices();
  let local: LocalDynamoDb;
  let pagerDuty: Awaited<ReturnType<typeof startPagerDutyReceiver>>;
  let config: EnricherConfig;
  const configure = async () => {
    const made = await enricherConfig(local, pagerDuty.url);
    config = { ...made, contextDeadlineMs: options.contextDeadlineMs ?? made.contextDeadlineMs };
  };
  beforeAll(async () => {
    local = await startLocalDynamoDb();
    pagerDuty = await startPagerDutyReceiver();
    if (!options.freshTablePerTest) await configure();
  });
  afterAll(async () => {
    await local.close();
    await pagerDuty.close();
  });
  beforeEach(async () => {
    aws.healthy();
    pagerDuty.events.length = 0;
    if (options.freshTablePerTest) await configure();
  });
  return {
    aws,
    get config() {
      return config;
    },
    /** What the local PagerDuty received in this test. */
    get pagerDutyEvents() {
      return pagerDuty.events;
    },
    /** The enricher as deployed, with some settings replaced. */
    enricher(overrides: Partial<EnricherConfig> = {}) {
      return buildAlertEnricher({ ...config, ...overrides }, local.clients);
    },
  };
}

/** The severity-topic publishes (not the chat channel's), as the structured alert each carries. */
export function topicAlerts(sns: AwsMocks['sns']) {
  return sns
    .commandCalls(PublishCommand)
    .map((call) => call.args[0].input as PublishCommandInput)
    .filter((input) => input.TopicArn !== CHAT_TOPIC)
    .map((input) => ({
      topic: input.TopicArn,
      subject: input.Subject,
      attributes: Object.fromEntries(
        Object.entries(input.MessageAttributes ?? {}).map(([key, value]) => [key, value.StringValue]),
      ),
      alert: JSON.parse(
        (JSON.parse(input.Message ?? '{}') as { default: string }).default,
      ) as StructuredAlert,
      message: JSON.parse(input.Message ?? '{}') as Record<string, string>,
    }));
}

/** What the chat channel's topic was sent (the publish requests, answered or not). */
export function chatPublishes(sns: AwsMocks['sns']) {
  return sns
    .commandCalls(PublishCommand)
    .map((call) => call.args[0].input as PublishCommandInput)
    .filter((input) => input.TopicArn === CHAT_TOPIC);
}

export function deadLetters(sqs: AwsMocks['sqs']) {
  return sqs
    .commandCalls(SendMessageCommand)
    .map((call) => JSON.parse((call.args[0].input as SendMessageCommandInput).MessageBody ?? '{}'));
}
