import { createAwsClients } from '../../shared/aws-clients';
import { instrumentHandler } from '../../shared/instrument-handler';
import { ApprovalLinks } from '../envelope/approval-links';
import { RemediationLedger } from '../envelope/remediation-ledger';
import { createApprovalCallback } from './approval-callback';
import { readApprovalConfig } from './approval-config';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const config = readApprovalConfig();
const { secretsManager, stepFunctions, dynamoDb } = createAwsClients();

const handleLink = createApprovalCallback({
  links: new ApprovalLinks({ secretsManager, secretArn: config.approvalSecretArn }),
  runs: new RemediationLedger(dynamoDb, config.ledgerTableName),
  stepFunctions,
});

/** The function URL the approve and deny links point at (payload format 2.0). */
export const handler = instrumentHandler(handleLink);
