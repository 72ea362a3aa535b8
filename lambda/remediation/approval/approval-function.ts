import { z } from 'zod';
import { createAwsClients } from '../../shared/aws-clients';
import { readEnvironment, requiredText } from '../../shared/environment';
import { instrumentHandler } from '../../shared/instrument-handler';
import { ApprovalLinks } from '../envelope/approval-links';
import { RemediationLedger } from '../envelope/remediation-ledger';
import { createApprovalCallback } from './approval-callback';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const config = readEnvironment(
  z.object({
    APPROVAL_SECRET_ARN: requiredText.regex(/^arn:aws[a-z-]*:secretsmanager:/, {
      error: 'must be a Secrets Manager secret ARN',
    }),
    LEDGER_TABLE_NAME: requiredText,
  }),
);
const { secretsManager, stepFunctions, dynamoDb } = createAwsClients();

const handleLink = createApprovalCallback({
  links: new ApprovalLinks({ secretsManager, secretArn: config.APPROVAL_SECRET_ARN }),
  runs: new RemediationLedger(dynamoDb, config.LEDGER_TABLE_NAME),
  stepFunctions,
});

/** The function URL the approve and deny links point at (payload format 2.0). */
export const handler = instrumentHandler(handleLink);
