import {
  PLAYBOOK_IDS,
  type PlaybookId,
  type PlaybookPolicy,
  REMEDIATION_MODES,
} from '../../../constructs/contracts/remediation';
import { jsonText, keyedRecord, readEnvironment, requiredText, wholeNumber } from '../../shared/environment';
import * as z from '../../shared/zod';

/** How one playbook runs in this deployment: its policy and its state machine. */
export interface PlaybookSettings extends PlaybookPolicy {
  /** The playbook's remediation state machine. */
  readonly stateMachineArn: string;
}

/** What the dispatcher is told by its environment. */
export interface DispatcherConfig {
  /** The playbooks deployed; an alarm naming any other is left alone. */
  readonly playbooks: Readonly<Partial<Record<PlaybookId, PlaybookSettings>>>;
  /** The alias `lambda-alias-rollback` points back (the alias traffic goes through). */
  readonly aliasName: string;
  /** The alert enricher's episode table and flapping policy, to find the thread of an alarm change. */
  readonly episodes: {
    readonly tableName: string;
    readonly flapTransitions: number;
    readonly flapWindowMinutes: number;
  };
}

const playbookSettings = z.strictObject({
  stateMachineArn: requiredText.check(
    z.regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:.+$/, {
      error: 'must be a Step Functions state machine ARN',
    }),
  ),
  mode: z.enum(REMEDIATION_MODES),
  approval: z.boolean(),
});

const playbooks = z.pipe(
  jsonText('mapping playbook ids to their settings'),
  keyedRecord('playbook', PLAYBOOK_IDS, playbookSettings),
);

const schema = z.pipe(
  z.object({
    PLAYBOOKS: playbooks,
    ALIAS_NAME: z._default(
      requiredText.check(z.regex(/^[A-Za-z0-9_-]+$/, { error: 'must be a Lambda alias name' })),
      'live',
    ),
    EPISODE_TABLE_NAME: requiredText,
    FLAP_TRANSITIONS: wholeNumber('transitions', { min: 2, max: 50 }),
    FLAP_WINDOW_MINUTES: wholeNumber('minutes', { min: 5, max: 1440 }),
  }),
  z.transform(
    (env): DispatcherConfig => ({
      playbooks: env.PLAYBOOKS,
      aliasName: env.ALIAS_NAME,
      episodes: {
        tableName: env.EPISODE_TABLE_NAME,
        flapTransitions: env.FLAP_TRANSITIONS,
        flapWindowMinutes: env.FLAP_WINDOW_MINUTES,
      },
    }),
  ),
);

/** Reads the dispatcher's settings; throws naming every missing or malformed variable. */
export function readDispatcherConfig(env: NodeJS.ProcessEnv = process.env): DispatcherConfig {
  return readEnvironment(schema, env);
}
