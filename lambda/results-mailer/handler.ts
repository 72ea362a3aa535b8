import { createAwsClients } from '../shared/aws-clients';
import { instrumentHandler } from '../shared/instrument-handler';
import { createResultsMailer } from './results-mailer';
import { readResultsMailerConfig } from './results-mailer-config';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const config = readResultsMailerConfig();
const { ses } = createAwsClients();

/**
 * Results-table stream records of uploads that reached a final status and carry an uploader address
 * (the event source mapping's filter); answers with the first record that failed.
 */
export const handler = instrumentHandler(createResultsMailer({ ses, config }));
