import { createAwsClients } from '../shared/aws-clients';
import { instrumentHandler } from '../shared/instrument-handler';
import { logger, metrics } from '../shared/observability';
import { createDashboardUpdater } from './dashboard-updater';
import { readUpdaterSettings } from './updater-settings';

// Read once at cold start: a bad setting fails the first run, naming the variable.
const settings = readUpdaterSettings();
const clients = createAwsClients();

/** EventBridge: the refresh schedule and `Tag Change on Resource` events, invoked asynchronously. */
export const handler = instrumentHandler(createDashboardUpdater({ clients, settings, logger, metrics }));
