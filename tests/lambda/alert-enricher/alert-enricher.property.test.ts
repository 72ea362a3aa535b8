import '../support/test-environment';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import {
  anomalyAlarmEvent,
  classicNotification,
  classicSnsEvent,
  compositeAlarmEvent,
  metricAlarmEvent,
  metricMathAlarmEvent,
} from './support/alarm-events';
import { CHAT_TOPIC, enricherTestbed } from './support/enricher-harness';

const bed = enricherTestbed({ freshTablePerTest: false, contextDeadlineMs: 500 });
const aws = bed.aws;

const state = fc.constantFrom('OK' as const, 'ALARM' as const, 'INSUFFICIENT_DATA' as const);
const builders = [metricAlarmEvent, metricMathAlarmEvent, anomalyAlarmEvent, compositeAlarmEvent];

/** Valid alarm changes of every kind and origin, each of a new alarm, and valid ones with a field broken. */
const alarmEvent = fc.oneof(
  fc
    .record({ build: fc.constantFrom(...builders), state, previous: state, id: fc.uuid() })
    .map(({ build, state, previous, id }) => build({ id, name: `vigil-dev-fuzz-${id}`, state, previous })),
  fc.record({ state, previous: state, id: fc.uuid() }).map(({ state, previous, id }) =>
    classicSnsEvent(
      classicNotification({
        AlarmName: `outside-${id}`,
        AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:outside-${id}`,
        NewStateValue: state,
        OldStateValue: previous,
      }),
    ),
  ),
  fc
    .record({
      id: fc.uuid(),
      path: fc.constantFrom('detail', 'detail.state', 'resources', 'detail.configuration'),
      value: fc.anything(),
    })
    .map(({ id, path, value }) => {
      const event = structuredClone(metricAlarmEvent({ id, name: `vigil-dev-fuzz-${id}` })) as Record<
        string,
        unknown
      >;
      const [head, tail] = path.split('.') as [string, string | undefined];
      if (tail) (event[head] as Record<string, unknown>)[tail] = value;
      else event[head] = value;
      return event;
    }),
  fc.anything(),
  fc.string().map((text) => classicSnsEvent(text)),
);

test('no input throws out of the handler; each one is published or dead-lettered exactly once, unless deliberately suppressed', async () => {
  await fc.assert(
    fc.asyncProperty(alarmEvent, fc.boolean(), async (event, topicFails) => {
      aws.healthy();
      if (topicFails) aws.sns.on(PublishCommand).rejects(new Error('SNS unavailable'));
      const outcomes = await bed.enricher()(event);
      const published = aws.sns
        .commandCalls(PublishCommand)
        .filter((call) => call.args[0].input.TopicArn !== CHAT_TOPIC && !topicFails);
      const deadLettered = aws.sqs.commandCalls(SendMessageCommand);
      const sent = outcomes.filter(
        (outcome) => outcome.result === 'delivered' || outcome.result === 'dead-lettered',
      );
      // Every input yields at least one item (an unreadable one becomes an alert itself).
      expect(outcomes.length).toBeGreaterThanOrEqual(1);
      expect(published.length + deadLettered.length).toBe(sent.length);
      for (const outcome of outcomes) {
        if (outcome.result === 'suppressed' || outcome.result === 'ignored')
          expect(outcome.reason.length).toBeGreaterThan(0);
        if (topicFails && outcome.result !== 'suppressed' && outcome.result !== 'ignored') {
          expect(outcome.result).toBe('dead-lettered');
        }
      }
    }),
    { numRuns: 80 },
  );
});
