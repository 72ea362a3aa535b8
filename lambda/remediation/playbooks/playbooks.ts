import type { PlaybookId } from '../../../constructs/contracts/remediation';
import type { AwsClients } from '../../shared/aws-clients';
import { DlqRedrive, type DlqRedriveOptions } from './dlq-redrive';
import { LambdaAliasRollback } from './lambda-alias-rollback';
import { LambdaConcurrency } from './lambda-concurrency';
import type { Playbook } from './playbook';

type PlaybookClients = Pick<AwsClients, 'lambda' | 'sqs'>;

/** Options set by the deployment, per playbook; the rest keep their defaults. */
export interface PlaybookSettings {
  readonly dlqRedrive?: DlqRedriveOptions;
}

// Each entry touches only its own client, so a playbook function creates no other.
const PLAYBOOKS: Record<PlaybookId, (clients: PlaybookClients, settings: PlaybookSettings) => Playbook> = {
  'lambda-alias-rollback': (clients) => new LambdaAliasRollback(clients.lambda),
  'lambda-concurrency': (clients) => new LambdaConcurrency(clients.lambda),
  'dlq-redrive': (clients, settings) => new DlqRedrive(clients.sqs, settings.dlqRedrive),
};

/** The playbook an alarm's `playbook` names, with the deployment's settings over its defaults. */
export function playbookFor(
  id: PlaybookId,
  clients: PlaybookClients,
  settings: PlaybookSettings = {},
): Playbook {
  return PLAYBOOKS[id](clients, settings);
}
