import { readEnvironment, requiredText } from '../../shared/environment';
import * as z from '../../shared/zod';

/** What the approval function is told by its environment. */
export interface ApprovalConfig {
  /** Secret holding the key that signs the links (the envelope signs with the same one). */
  readonly approvalSecretArn: string;
  /** The remediation ledger, where the envelope stored the plan a link's page shows. */
  readonly ledgerTableName: string;
}

const schema = z.pipe(
  z.object({
    APPROVAL_SECRET_ARN: requiredText.check(
      z.regex(/^arn:aws[a-z-]*:secretsmanager:/, {
        error: 'must be a Secrets Manager secret ARN',
      }),
    ),
    LEDGER_TABLE_NAME: requiredText,
  }),
  z.transform(
    (env): ApprovalConfig => ({
      approvalSecretArn: env.APPROVAL_SECRET_ARN,
      ledgerTableName: env.LEDGER_TABLE_NAME,
    }),
  ),
);

/** Reads the approval function's settings; throws naming every missing or malformed variable. */
export function readApprovalConfig(env: NodeJS.ProcessEnv = process.env): ApprovalConfig {
  return readEnvironment(schema, env);
}
