import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmChange } from '../shared/alarm-change';
import { describedAlarmChange } from '../shared/described-alarm';
import { logger } from '../shared/observability';
import { withTimeout } from './context/with-timeout';
import type { EpisodeDecision } from './episodes/episode-decision';
import type { EpisodeStore } from './episodes/episode-store';

export interface FlappingCheckDeps {
  readonly episodes: Pick<EpisodeStore, 'flappingDue' | 'settle'>;
  readonly cloudWatch: CloudWatchClient;
  /** @default the system clock */
  readonly now?: () => Date;
}

/** A flapping episode's check that has something to tell: the alarm's state now and the decision. */
export interface SettledEpisode {
  readonly change: AlarmChange;
  readonly decision: Extract<EpisodeDecision, { action: 'notify' }>;
}

// DescribeAlarms takes at most 100 alarm names per call (CloudWatch API Reference, DescribeAlarms).
const NAMES_PER_CALL = 100;
const DESCRIBE_TIMEOUT_MS = 3000;

/**
 * Whether an invocation is EventBridge's scheduled event (`detail-type: Scheduled Event`, `source:
 * aws.events`, as the EventBridge user guide's schedule-rule sample shows) rather than an alarm change.
 */
export function isScheduledEvent(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const { source, 'detail-type': detailType } = event as Record<string, unknown>;
  return source === 'aws.events' && detailType === 'Scheduled Event';
}

/**
 * Checks every flapping episode whose quiet window has passed, against the alarm's state now, and
 * returns those with a notification to send (a resolution, or no data). The change that ended the
 * flapping came inside the window and was suppressed, so no event will ever close the page: this
 * scheduled check does. An alarm that no longer exists is left to its episode's expiry, and said so.
 */
export async function settleFlappingEpisodes(deps: FlappingCheckDeps): Promise<SettledEpisode[]> {
  const now = (deps.now ?? (() => new Date()))();
  const due = await deps.episodes.flappingDue(now);
  const settled: SettledEpisode[] = [];
  for (let start = 0; start < due.length; start += NAMES_PER_CALL) {
    const batch = due.slice(start, start + NAMES_PER_CALL);
    const { MetricAlarms = [], CompositeAlarms = [] } = await withTimeout(
      DESCRIBE_TIMEOUT_MS,
      (abortSignal) =>
        deps.cloudWatch.send(
          new DescribeAlarmsCommand({
            AlarmNames: batch.map((alarm) => alarm.name),
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            MaxRecords: NAMES_PER_CALL,
          }),
          { abortSignal },
        ),
    );
    const described = new Map([...MetricAlarms, ...CompositeAlarms].map((alarm) => [alarm.AlarmArn, alarm]));
    for (const alarm of batch) {
      const found = described.get(alarm.arn);
      const state = found?.StateValue;
      if (found === undefined || (state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA')) {
        logger.warn('Flapping alarm not found; its episode is left to expire', { alarm: alarm.arn });
        continue;
      }
      const decision = await deps.episodes.settle(alarm, state, now);
      if (decision.action !== 'notify') continue;
      const change = describedAlarmChange(found, {
        // One alert per settled episode: a retried check finds the same delivery.
        eventId: `settle#${decision.episode.id}`,
        previousState: 'ALARM',
        at: now.toISOString(),
      });
      if (change !== undefined) settled.push({ change, decision });
    }
  }
  return settled;
}
