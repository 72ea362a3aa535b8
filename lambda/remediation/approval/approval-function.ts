import { z } from 'zod';
import { createAwsClients } from '../../shared/aws-clients';
import { readEnvironment, requiredText } from '../../shared/environment';
import { instrumentHandler } from '../../shared/instrument-handler';
import { ApprovalLinks } from '../envelope/approval-links';
import { createApprovalCallback } from './approval-callback';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const config = readEnvironment(
  z.object({
    APPROVAL_SECRET_ARN: requiredText.regex(/^arn:aws[a-z-]*:secretsmanager:/, {
      error: 'must be a Secrets Manager secret ARN',
    }),
  }),
);
const { secretsManager, stepFunctions } = createAwsClients();

const handleLink = createApprovalCallback({
  links: new ApprovalLinks({ secretsManager, secretArn: config.APPROVAL_SECRET_ARN }),
  stepFunctions,
});

/** The function URL the approve and deny links point at (payload format 2.0). */
export const handler = instrumentHandler(handleLink);
