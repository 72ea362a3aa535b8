import '../support/test-environment';
import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { isScheduledEvent } from '../../../lambda/alert-enricher/flapping-check';
import { metricAlarmEvent } from './support/alarm-events';
import { enricherTestbed, topicAlerts } from './support/enricher-harness';

const bed = enricherTestbed({ freshTablePerTest: true });

const ALARM_NAME = 'vigil-dev-predictor-api-errors';
const ALARM_ARN = `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${ALARM_NAME}`;

/**
 * EventBridge's scheduled event as the Lambda developer guide's sample shows it ("Using Lambda with
 * scheduled events"); a rule with a schedule sends exactly this shape.
 */
const scheduledEvent = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2015-10-08T16:53:06Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule'],
  detail: {},
};

/**
 * The alarm as DescribeAlarms returns it now (CloudWatch API Reference, `MetricAlarm`): back in OK,
 * its reason data carrying the values it evaluated.
 */
function describedAlarm(state: 'OK' | 'ALARM', description: string): MetricAlarm {
  return {
    AlarmName: ALARM_NAME,
    AlarmArn: ALARM_ARN,
    AlarmDescription: description,
    StateValue: state,
    StateReason:
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (23/11/26 03:40:00)] was not greater than or equal to the threshold (5.0).',
    StateReasonData: JSON.stringify({ version: '1.0', recentDatapoints: [0], threshold: 5 }),
    MetricName: 'Errors',
    Namespace: 'AWS/Lambda',
    Statistic: 'Sum',
    Dimensions: [{ Name: 'FunctionName', Value: 'vigil-dev-predictor-api' }],
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 5,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  };
}

/** Six changes two minutes apart ending 30 to 40 minutes ago: the fifth is the flapping alert. */
async function flapUntil(last: 'OK' | 'ALARM'): Promise<{ description: string; firstAt: string }> {
  const enrich = bed.enricher();
  const start = Date.now() - 45 * 60_000;
  const states = ['ALARM', 'OK', 'ALARM', 'OK', 'ALARM', 'OK'] as const;
  const changes = last === 'OK' ? states : states.slice(0, 5);
  let description = '';
  for (const [index, state] of changes.entries()) {
    const at = new Date(start + index * 2 * 60_000).toISOString();
    const event = metricAlarmEvent({ id: `flap-${index}`, state, at });
    description = event.detail.configuration.description as string;
    await enrich(event);
  }
  return { description, firstAt: new Date(start).toISOString() };
}

test('the documented scheduled event is recognised, and an alarm change is not', () => {
  expect(isScheduledEvent(scheduledEvent)).toBe(true);
  expect(isScheduledEvent(metricAlarmEvent())).toBe(false);
  expect(isScheduledEvent(null)).toBe(false);
});

test('a flapping episode that settled in OK is resolved once by the scheduled check, its page closed', async () => {
  const { description, firstAt } = await flapUntil('OK');
  const episodeId = `${ALARM_NAME}/${firstAt}`;
  const before = topicAlerts(bed.aws.sns).map(({ alert }) => alert.notification);
  expect(before).toEqual(['alarm', 'resolved', 'reopened', 'resolved', 'flapping']);
  const pagesBefore = bed.pagerDutyEvents.length;
  bed.aws.cloudWatch
    .on(DescribeAlarmsCommand)
    .resolves({ MetricAlarms: [describedAlarm('OK', description)] });

  const outcomes = await bed.enricher()(scheduledEvent);

  expect(outcomes).toEqual([expect.objectContaining({ alarm: ALARM_NAME, result: 'delivered' })]);
  const resolved = topicAlerts(bed.aws.sns).at(-1)?.alert;
  expect(resolved).toMatchObject({ notification: 'resolved', state: 'OK', episode: { id: episodeId } });
  // The flapping alert opened the page with the episode's dedup key; the check closes that page.
  expect(bed.pagerDutyEvents.slice(pagesBefore)).toEqual([
    expect.objectContaining({ event_action: 'resolve', dedup_key: episodeId }),
  ]);

  // The next schedule finds nothing due: nobody is told twice.
  const published = topicAlerts(bed.aws.sns).length;
  expect(await bed.enricher()(scheduledEvent)).toEqual([]);
  expect(topicAlerts(bed.aws.sns)).toHaveLength(published);
});

test('a flapping episode that settled in ALARM keeps its page open and tells nobody again', async () => {
  const { description } = await flapUntil('ALARM');
  const published = topicAlerts(bed.aws.sns).length;
  bed.aws.cloudWatch
    .on(DescribeAlarmsCommand)
    .resolves({ MetricAlarms: [describedAlarm('ALARM', description)] });
  expect(await bed.enricher()(scheduledEvent)).toEqual([]);
  expect(topicAlerts(bed.aws.sns)).toHaveLength(published);
});

test('an episode still inside its quiet window is not checked', async () => {
  const enrich = bed.enricher();
  const start = Date.now() - 10 * 60_000;
  for (const [index, state] of (['ALARM', 'OK', 'ALARM', 'OK', 'ALARM', 'OK'] as const).entries()) {
    await enrich(
      metricAlarmEvent({ id: `recent-${index}`, state, at: new Date(start + index * 60_000).toISOString() }),
    );
  }
  expect(await bed.enricher()(scheduledEvent)).toEqual([]);
  expect(bed.aws.cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
});
