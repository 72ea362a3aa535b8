import { PLAYBOOK_IDS } from '../../constructs/contracts/remediation';
import { createAwsClients } from '../shared/aws-clients';
import { readEnvironment, wholeNumber } from '../shared/environment';
import { instrumentHandler } from '../shared/instrument-handler';
import * as z from '../shared/zod';
import { createPlaybookHandler } from './playbook-handler';
import { SQS_MAX_MOVE_SECONDS } from './playbooks/dlq-redrive';
import { playbookFor } from './playbooks/playbooks';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const { PLAYBOOK, MAX_MOVE_SECONDS } = readEnvironment(
  z.object({
    PLAYBOOK: z.enum(PLAYBOOK_IDS, { error: `must be one of ${PLAYBOOK_IDS.join(', ')}` }),
    // dlq-redrive only: how long a move may take within the run (the stack derives it from the
    // workflow's timeout).
    MAX_MOVE_SECONDS: z.optional(wholeNumber('seconds', { min: 1, max: SQS_MAX_MOVE_SECONDS })),
  }),
);

/** One operation of a remediation run, invoked synchronously by the remediation state machine. */
export const handler = instrumentHandler(
  createPlaybookHandler(
    playbookFor(PLAYBOOK, createAwsClients(), {
      ...(MAX_MOVE_SECONDS !== undefined && { dlqRedrive: { maxMoveSeconds: MAX_MOVE_SECONDS } }),
    }),
  ),
);
