import { createAwsClients } from '../shared/aws-clients';
import { instrumentHandler } from '../shared/instrument-handler';
import { publishMonthlyReport } from './monthly-report';
import { readReportSettings } from './report-settings';

// Read once at cold start: a bad setting fails the deployment's first run, naming the variable.
const settings = readReportSettings(process.env);
const clients = createAwsClients();

/** EventBridge schedule, monthly; the event itself carries nothing the report needs. */
export const handler = instrumentHandler(async () => publishMonthlyReport(clients, settings));
