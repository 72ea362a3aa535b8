import { createAwsClients } from '../../shared/aws-clients';
import { instrumentHandler } from '../../shared/instrument-handler';
import { readEnvelopeConfig } from './envelope-config';
import { createEnvelopeHandler } from './envelope-handler';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const handleOperation = createEnvelopeHandler({ config: readEnvelopeConfig(), clients: createAwsClients() });

/** The remediation state machine's envelope steps (`admit`, `requestApproval`, `verify`, `finish`). */
export const handler = instrumentHandler(handleOperation);
