import { createAwsClients } from '../shared/aws-clients';
import { instrumentHandler } from '../shared/instrument-handler';
import { buildAlertEnricher } from './build-enricher';
import { readEnricherConfig } from './enricher-config';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const enrich = buildAlertEnricher(readEnricherConfig(), createAwsClients());

/**
 * EventBridge alarm state changes, SNS classic alarm notifications, business alerts (platform bus),
 * GuardDuty and Security Hub findings and AWS Health events; invoked asynchronously.
 */
export const handler = instrumentHandler(enrich);
