import { z } from 'zod';
import { createAwsClients } from '../shared/aws-clients';
import { readEnvironment } from '../shared/environment';
import { instrumentHandler } from '../shared/instrument-handler';
import { createPlaybookHandler } from './playbook-handler';
import { playbookFor } from './playbooks/playbooks';
import { PLAYBOOK_IDS } from './remediation-types';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const { PLAYBOOK } = readEnvironment(
  z.object({
    PLAYBOOK: z.enum(PLAYBOOK_IDS, { error: `must be one of ${PLAYBOOK_IDS.join(', ')}` }),
  }),
);

/** One operation of a remediation run, invoked synchronously by the remediation state machine. */
export const handler = instrumentHandler(createPlaybookHandler(playbookFor(PLAYBOOK, createAwsClients())));
