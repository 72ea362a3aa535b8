import type { AwsClients } from '../shared/aws-clients';
import { AlertDelivery } from './alert-delivery';
import { createAlertEnricher } from './alert-enricher';
import { gatherContext } from './context/gather-context';
import { DeliveryRecords } from './delivery-record';
import type { EnricherConfig } from './enricher-config';
import { EpisodeStore } from './episodes/episode-store';
import { EventEpisodeStore } from './episodes/event-episode-store';
import { settleFlappingEpisodes } from './flapping-check';
import { PagerDutySender } from './pagerduty-sender';
import { storeRawEvent } from './unreadable-events';

/**
 * The enricher wired to real clients: what the handler runs, what the benchmark runs with slowed
 * clients, and what the local loop runs on its simulated clock (`now`, for episodes and the flapping
 * check; the system clock by default).
 */
export function buildAlertEnricher(config: EnricherConfig, clients: AwsClients, now?: () => Date) {
  const episodes = new EpisodeStore(
    clients.dynamoDb,
    config.episodeTableName,
    {
      flapTransitions: config.flapTransitions,
      flapWindowMinutes: config.flapWindowMinutes,
      ttlDays: config.episodeRetentionDays,
    },
    now,
  );
  return createAlertEnricher({
    episodes,
    // A repeat of a finding or business alert is told again after the alarms' flap window, not before.
    eventEpisodes: new EventEpisodeStore(
      clients.dynamoDb,
      config.episodeTableName,
      { quietMinutes: config.flapWindowMinutes, ttlDays: config.episodeRetentionDays },
      now,
    ),
    settleFlapping: () =>
      settleFlappingEpisodes({ episodes, cloudWatch: clients.cloudWatch, ...(now && { now }) }),
    gatherContext: (change, deadlineMs) =>
      gatherContext(
        change,
        {
          clients,
          artifactsBucket: config.artifactsBucketName,
          graphUrlTtlSeconds: config.graphUrlTtlSeconds,
          home: config.home,
        },
        { deadlineMs },
      ),
    contextDeadlineMs: config.contextDeadlineMs,
    delivery: new AlertDelivery({
      sns: clients.sns,
      sqs: clients.sqs,
      pagerDuty: new PagerDutySender({
        secretsManager: clients.secretsManager,
        eventsUrl: config.pagerDutyEventsUrl,
      }),
      destinations: config.destinations,
      deadLetterQueueUrl: config.deadLetterQueueUrl,
      records: new DeliveryRecords(clients.dynamoDb, config.episodeTableName),
    }),
    outsideAlarmSeverity: config.outsideAlarmSeverity,
    remediationPlaybooks: config.remediationPlaybooks,
    // Beside the graphs, with the same link lifetime.
    keepRawEvent: (raw) =>
      storeRawEvent(
        {
          s3: clients.s3,
          presigningS3: clients.presigningS3,
          bucket: config.artifactsBucketName,
          urlTtlSeconds: config.graphUrlTtlSeconds,
        },
        raw,
      ),
  });
}
