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
import { PutObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetTraceSummariesCommand } from '@aws-sdk/client-xray';
import { UNREADABLE_EPISODE_ID } from '../../../lambda/alert-enricher/enriched-alert';
import type { EnricherConfig } from '../../../lambda/alert-enricher/enricher-config';
import { SNS_MAX_BYTES } from '../../../lambda/alert-enricher/formats/sns-message';
import { stateChange, withDescription } from '../../fixtures/aws/alarm-events';
import { metricAlarmEvent } from './support/alarm-events';
import { chatPublishes, enricherTestbed, topicAlerts, topicArn } from './support/enricher-harness';

// Issue 14, "pages and context": what pages, what a page says, and what context is stated as fact.

const bed = enricherTestbed({ freshTablePerTest: true });
const aws = bed.aws;

/** What the chat channel's topic was sent, parsed. */
function chatCards() {
  return chatPublishes(aws.sns).map(
    (input) => JSON.parse(input.Message ?? '{}') as { metadata: { threadId: string; eventType: string } },
  );
}

function pagerDutyActions() {
  return bed.pagerDutyEvents.map((event) => (event as { event_action: string }).event_action);
}

/** Every severity routed like critical (topic, chat, PagerDuty), so any alert can page in a test. */
function everySeverityPages(): Pick<EnricherConfig, 'destinations'> {
  const critical = bed.config.destinations.critical;
  return {
    destinations: { critical, high: critical, warning: critical, info: critical },
  };
}

describe('ALARM → INSUFFICIENT_DATA is news on the open episode, not a recovery', () => {
  it('goes to the same topic and chat thread, pages nothing, and the later OK resolves the incident', async () => {
    const enrich = bed.enricher();
    await enrich(metricAlarmEvent({ id: 'e1' }));
    await enrich(
      metricAlarmEvent({
        id: 'e2',
        state: 'INSUFFICIENT_DATA',
        previous: 'ALARM',
        at: '2026-11-23T03:30:00.000Z',
        reason: 'Insufficient Data: 1 datapoint was unknown.',
      }),
    );
    await enrich(
      metricAlarmEvent({
        id: 'e3',
        state: 'OK',
        previous: 'INSUFFICIENT_DATA',
        at: '2026-11-23T03:45:00.000Z',
      }),
    );
    const episode = 'vigil-dev-predictor-api-errors/2026-11-23T03:12:00.000Z';
    const published = topicAlerts(aws.sns);
    expect(published.map(({ topic, alert }) => [topic, alert.notification, alert.episode.id])).toEqual([
      [topicArn('critical'), 'alarm', episode],
      [topicArn('critical'), 'no-data', episode],
      [topicArn('critical'), 'resolved', episode],
    ]);
    expect(published[1]?.subject).toMatch(/^\[NO DATA\] predictor\/api errors: stopped reporting in ALARM/);
    expect(published[1]?.message.email).not.toMatch(/Recovered|RESOLVED/);
    expect(chatCards().map((card) => [card.metadata.eventType, card.metadata.threadId])).toEqual([
      ['alarm', episode],
      ['no-data', episode],
      ['resolved', episode],
    ]);
    // The incident opened by the ALARM stays open through the lost data, and the OK closes it.
    expect(pagerDutyActions()).toEqual(['trigger', 'resolve']);
  });

  it('an OK resolves the incident of an ALARM paged unthreaded, by the time its previous state began', async () => {
    // The episode table is unreachable for the ALARM: it pages on an episode of its own start time.
    await bed.enricher({ episodeTableName: 'no-such-table' })(
      metricAlarmEvent({ id: 'a1', at: '2026-11-23T02:40:00.000Z' }),
    );
    // Its OK says the ALARM began then (previousState.timestamp), which names that episode.
    await bed.enricher()(
      metricAlarmEvent({ id: 'o1', state: 'OK', previous: 'ALARM', at: '2026-11-23T03:40:00.000Z' }),
    );
    const episode = 'vigil-dev-predictor-api-errors/2026-11-23T02:40:00.000Z';
    expect(topicAlerts(aws.sns).map(({ alert }) => [alert.notification, alert.episode.id])).toEqual([
      ['alarm', episode],
      ['resolved', episode],
    ]);
    expect(bed.pagerDutyEvents).toEqual([
      expect.objectContaining({ event_action: 'trigger', dedup_key: episode }),
      expect.objectContaining({ event_action: 'resolve', dedup_key: episode }),
    ]);
  });
});

describe('a composite whose actions CloudWatch suppressed (the documented sample)', () => {
  it('reaches the topic and chat saying so, and pages no one', async () => {
    const outcomes = await bed.enricher({ outsideAlarmSeverity: 'critical' })(
      stateChange('compositeAlarmWithSuppressor'),
    );
    expect(outcomes).toEqual([
      expect.objectContaining({
        result: 'delivered',
        delivery: expect.objectContaining({ delivered: ['topic', 'chat'], failed: [], skipped: [] }),
      }),
    ]);
    const [published] = topicAlerts(aws.sns);
    expect(published?.subject).toMatch(/^\[SUPPRESSED\] \[CRITICAL\] ALARM ServiceAggregatedAlarm: /);
    expect(published?.attributes.actionsSuppressedBy).toBe('WaitPeriod');
    expect(published?.alert.actionsSuppressed).toMatchObject({
      by: 'WaitPeriod',
      suppressor: 'ServiceMaintenanceAlarm',
    });
    expect(published?.message.email).toMatch(/^Actions suppressed by WaitPeriod: /);
    expect(chatCards()).toHaveLength(1);
    expect(bed.pagerDutyEvents).toEqual([]);
  });
});

describe('an alarm of another region or account', () => {
  const home = { region: 'eu-west-1', account: '123456789012' };

  it('is not queried with this region’s clients; its sources are named as not gathered, not stated as empty', async () => {
    // The documented sample's alarm is in us-east-1.
    await bed.enricher({ home })(stateChange('singleMetricAlarm'));
    expect(aws.cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    expect(aws.cloudWatch.commandCalls(GetMetricWidgetImageCommand)).toHaveLength(0);
    expect(aws.cloudWatch.commandCalls(DescribeAlarmHistoryCommand)).toHaveLength(0);
    expect(aws.cloudWatch.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
    expect(aws.cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
    expect(aws.logs.commandCalls(StartQueryCommand)).toHaveLength(0);
    expect(aws.xray.commandCalls(GetTraceSummariesCommand)).toHaveLength(0);
    expect(aws.cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(0);
    const [published] = topicAlerts(aws.sns);
    const reason = 'not gathered: alarm is in us-east-1/123456789012, Vigil runs in eu-west-1/123456789012';
    expect(published?.alert.missing).toEqual(
      expect.arrayContaining(
        (['datapoints', 'graph', 'history', 'tags'] as const).map((source) => ({ source, reason })),
      ),
    );
    expect(published?.alert.missing.every((missing) => missing.reason === reason)).toBe(true);
    const email = published?.message.email ?? '';
    expect(email).toContain(`Not included: history (${reason})`);
    expect(email).not.toMatch(/No failing traces|0 state changes|No changes/);
    // The console links still open the alarm where it is.
    expect(published?.alert.links[0]?.url).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\//);
  });

  it('an alarm of the home region and account gets its context as before', async () => {
    await bed.enricher({ home })(metricAlarmEvent());
    expect(aws.cloudWatch.commandCalls(GetMetricDataCommand).length).toBeGreaterThan(0);
    expect(topicAlerts(aws.sns)[0]?.alert.missing).toEqual([]);
  });
});

describe('a description that looks like Vigil’s but fails its schema', () => {
  it('is neither the subject nor the summary: the alarm is named, and the body says why', async () => {
    const description = JSON.stringify({ vigil: 1, service: 'predictor', severity: 'urgent' });
    await bed.enricher()(withDescription(stateChange('singleMetricAlarm'), description));
    const [published] = topicAlerts(aws.sns);
    expect(published?.subject).toBe('[HIGH] ALARM ServerCpuTooHigh: ServerCpuTooHigh changed to ALARM');
    expect(published?.alert.summary).toBe('ServerCpuTooHigh changed to ALARM');
    expect(published?.alert.missing[0]).toEqual({
      source: 'description',
      reason: expect.stringMatching(
        /^not readable: resource: is required; .*severity: must be one of critical, high, warning, info$/,
      ),
    });
    expect(published?.message.email).toContain('Not included: description (not readable: resource: ');
    expect(JSON.stringify(published?.alert.title)).not.toContain('{');
  });
});

describe('unreadable input', () => {
  /** The object the enricher stored, if any. */
  function stored(): PutObjectCommandInput | undefined {
    return aws.s3
      .commandCalls(PutObjectCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.Key?.startsWith('unreadable/'));
  }

  it('a 256 KB event is stored whole in the artifacts bucket and linked; the alert itself fits', async () => {
    const event = { 'detail-type': 'Something Else', detail: { blob: 'x'.repeat(256 * 1024) } };
    const raw = JSON.stringify(event);
    await bed.enricher()(event);
    const object = stored();
    expect(object?.Bucket).toBe(bed.config.artifactsBucketName);
    expect(object?.Key).toMatch(/^unreadable\/\d{4}-\d{2}-\d{2}\/[0-9a-f]{64}\.json$/);
    expect(object?.Body).toBe(raw);
    expect(Buffer.byteLength(object?.Body as string)).toBe(Buffer.byteLength(raw));
    expect(object?.ContentType).toBe('application/json');
    expect(object).not.toHaveProperty('ServerSideEncryption');

    const [published] = topicAlerts(aws.sns);
    const copy = published?.alert.rawEventCopy;
    expect(copy).toMatchObject({
      stored: true,
      bytes: Buffer.byteLength(raw),
      key: object?.Key,
      error: null,
    });
    expect(copy?.url).toContain(object?.Key);
    expect(copy?.url).toContain('X-Amz-Expires=3600');
    expect(published?.message.email).toContain(`): ${copy?.url}`);
    expect(published?.alert.rawEvent).toMatch(/the whole event is in the stored copy linked above\]$/);
    const publish = aws.sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(Buffer.byteLength(publish?.Message ?? '')).toBeLessThanOrEqual(SNS_MAX_BYTES);
  });

  it('says so when the copy cannot be stored, and still goes out', async () => {
    aws.s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const outcomes = await bed.enricher()({ hello: 'world' });
    expect(outcomes).toEqual([expect.objectContaining({ result: 'delivered' })]);
    const [published] = topicAlerts(aws.sns);
    expect(published?.alert.rawEventCopy).toMatchObject({
      stored: false,
      error: 'AccessDenied: Access Denied',
    });
    expect(published?.message.email).toContain(
      'Whole event (17 bytes) NOT stored: AccessDenied: Access Denied.',
    );
  });

  it('every unreadable input pages on one dedup key, so they group into one incident', async () => {
    const enrich = bed.enricher(everySeverityPages());
    await enrich({ hello: 'world' });
    await enrich({ something: 'else entirely' });
    expect(bed.pagerDutyEvents).toEqual([
      expect.objectContaining({ event_action: 'trigger', dedup_key: UNREADABLE_EPISODE_ID }),
      expect.objectContaining({ event_action: 'trigger', dedup_key: UNREADABLE_EPISODE_ID }),
    ]);
  });
});
