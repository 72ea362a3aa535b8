import { DEFAULT_EPISODE_POLICY } from '../../alert-enricher/episodes/episode-decision';
import { EpisodeStore } from '../../alert-enricher/episodes/episode-store';
import { createAwsClients } from '../../shared/aws-clients';
import { instrumentHandler } from '../../shared/instrument-handler';
import { createDispatcher } from './dispatch';
import { readDispatcherConfig } from './dispatcher-config';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const config = readDispatcherConfig();
const clients = createAwsClients();
const dispatch = createDispatcher({
  config,
  stepFunctions: clients.stepFunctions,
  // The enricher's own policy: both must decide a change's episode alike.
  episodes: new EpisodeStore(clients.dynamoDb, config.episodes.tableName, {
    ...DEFAULT_EPISODE_POLICY,
    flapTransitions: config.episodes.flapTransitions,
    flapWindowMinutes: config.episodes.flapWindowMinutes,
  }),
});

/** EventBridge `CloudWatch Alarm State Change` events, invoked asynchronously. */
export const handler = instrumentHandler(dispatch);
