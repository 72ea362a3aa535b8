import { createAwsClients } from '../../shared/aws-clients';
import { instrumentHandler } from '../../shared/instrument-handler';
import { createDispatcher } from './dispatch';
import { readDispatcherConfig } from './dispatcher-config';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const dispatch = createDispatcher({
  config: readDispatcherConfig(),
  stepFunctions: createAwsClients().stepFunctions,
});

/** EventBridge `CloudWatch Alarm State Change` events, invoked asynchronously. */
export const handler = instrumentHandler(dispatch);
