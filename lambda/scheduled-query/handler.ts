import { createAwsClients } from '../shared/aws-clients';
import { instrumentHandler } from '../shared/instrument-handler';
import { createScheduledQuery } from './scheduled-query';
import { readScheduledQueryConfig } from './scheduled-query-config';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const config = readScheduledQueryConfig();
const { logs, eventBridge } = createAwsClients();

/** One schedule's Logs Insights query (its target input), run and reported. */
export const handler = instrumentHandler(createScheduledQuery({ logs, eventBridge, config }));
