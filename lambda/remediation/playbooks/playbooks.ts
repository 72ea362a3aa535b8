import type { AwsClients } from '../../shared/aws-clients';
import type { PlaybookId } from '../remediation-types';
import { DlqRedrive } from './dlq-redrive';
import { LambdaAliasRollback } from './lambda-alias-rollback';
import { LambdaConcurrency } from './lambda-concurrency';
import type { Playbook } from './playbook';

type PlaybookClients = Pick<AwsClients, 'lambda' | 'sqs'>;

// Each entry touches only its own client, so a playbook function creates no other.
const PLAYBOOKS: Record<PlaybookId, (clients: PlaybookClients) => Playbook> = {
  'lambda-alias-rollback': (clients) => new LambdaAliasRollback(clients.lambda),
  'lambda-concurrency': (clients) => new LambdaConcurrency(clients.lambda),
  'dlq-redrive': (clients) => new DlqRedrive(clients.sqs),
};

/** The playbook an alarm's `playbook` names, with its default options. */
export function playbookFor(id: PlaybookId, clients: PlaybookClients): Playbook {
  return PLAYBOOKS[id](clients);
}
