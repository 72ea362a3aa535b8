import type { AwsClients } from '../shared/aws-clients';
import { AlertDelivery } from './alert-delivery';
import { createAlertEnricher } from './alert-enricher';
import { gatherContext } from './context/gather-context';
import { DeliveryRecords } from './delivery-record';
import type { EnricherConfig } from './enricher-config';
import { EpisodeStore } from './episodes/episode-store';
import { PagerDutySender } from './pagerduty-sender';

/** The enricher wired to real clients: what the handler runs, and what the benchmark runs with slowed clients. */
export function buildAlertEnricher(config: EnricherConfig, clients: AwsClients) {
  return createAlertEnricher({
    episodes: new EpisodeStore(clients.dynamoDb, config.episodeTableName, {
      flapTransitions: config.flapTransitions,
      flapWindowMinutes: config.flapWindowMinutes,
      ttlDays: config.episodeRetentionDays,
    }),
    gatherContext: (change, deadlineMs) =>
      gatherContext(
        change,
        {
          clients,
          artifactsBucket: config.artifactsBucketName,
          graphUrlTtlSeconds: config.graphUrlTtlSeconds,
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
  });
}
