import { createHash } from 'node:crypto';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PLAYBOOK_IDS, type PlaybookId } from '../../../constructs/contracts/remediation';
import { withTimeout } from '../../alert-enricher/context/with-timeout';
import { transitionOf } from '../../alert-enricher/episodes/episode-decision';
import type { EpisodeStore } from '../../alert-enricher/episodes/episode-store';
import type { AlarmChange } from '../../shared/alarm-change';
import { parseAlarmEvent } from '../../shared/alarm-event';
import { logger } from '../../shared/observability';
import type { RemediationRequest, RemediationTarget } from '../remediation-types';
import type { DispatcherConfig } from './dispatcher-config';

/** What happened to one alarm change of the invocation. */
export type DispatchOutcome =
  | {
      readonly outcome: 'started';
      readonly alarm: string;
      readonly playbook: PlaybookId;
      readonly runId: string;
      readonly executionArn: string;
    }
  | {
      readonly outcome: 'already-started';
      readonly alarm: string;
      readonly playbook: PlaybookId;
      readonly runId: string;
      readonly executionName: string;
    }
  | { readonly outcome: 'ignored'; readonly alarm?: string; readonly reason: string };

export interface DispatcherDependencies {
  readonly stepFunctions: SFNClient;
  readonly config: DispatcherConfig;
  /** The alert enricher's episodes, read to report in the thread the alert went to. */
  readonly episodes: Pick<EpisodeStore, 'episodeOf'>;
  /** @default the system clock */
  readonly now?: () => Date;
}

/** Two small DynamoDB reads at most; past this the run starts anyway. */
const EPISODE_TIMEOUT_MS = 1000;

/** Which metric dimension names each playbook's target. */
const TARGET_DIMENSION: Record<PlaybookId, string> = {
  'lambda-alias-rollback': 'FunctionName',
  'lambda-concurrency': 'FunctionName',
  'dlq-redrive': 'QueueName',
};

/**
 * Starts a playbook's remediation workflow for each Vigil alarm that goes into ALARM and names a
 * deployed playbook. Everything else is ignored and says why.
 *
 * One alarm change never starts two runs: the execution is named after the change, and Step Functions
 * refuses a second execution of that name (for 90 days after the first ends). So a redelivered event
 * is harmless, and a failed start is thrown for EventBridge or Lambda to retry.
 */
export function createDispatcher(deps: DispatcherDependencies) {
  const now = deps.now ?? (() => new Date());

  /**
   * The thread the alert of this change is in: a re-opened episode keeps the id it opened with, so
   * the alarm's name and change time alone would start a thread nobody reads. Not knowing the thread
   * must not stop the fix, so a slow or failing read falls back to the id a new episode gets.
   */
  const episodeIdOf = async (change: AlarmChange): Promise<string> => {
    const fresh = `${change.alarmName}/${change.changedAt}`;
    try {
      const episode = await withTimeout(EPISODE_TIMEOUT_MS, () =>
        deps.episodes.episodeOf({ arn: change.alarmArn, name: change.alarmName }, transitionOf(change)),
      );
      return episode?.id ?? fresh;
    } catch (error) {
      logger.warn('Episode not read; the report starts a thread of its own', {
        alarm: change.alarmName,
        error,
      });
      return fresh;
    }
  };

  const dispatchOne = async (change: AlarmChange): Promise<DispatchOutcome> => {
    const alarm = change.alarmName;
    if (change.state !== 'ALARM') return ignored(`state is ${change.state}, not ALARM`, alarm);
    const vigil = change.vigil;
    const named = vigil?.playbook;
    if (vigil === undefined || named === undefined) return ignored('the alarm names no playbook', alarm);
    if (!isPlaybookId(named)) return ignored(`playbook ${named} is not one Vigil knows`, alarm);
    const settings = deps.config.playbooks[named];
    if (settings === undefined) return ignored(`playbook ${named} is not deployed here`, alarm);
    // The monitor names the alias it watches; alarms made without one get the configured default.
    const target = remediationTarget(named, change, vigil.alias ?? deps.config.aliasName);
    if ('reason' in target) return ignored(target.reason, alarm);

    const runId = runIdOf(change.alarmArn, change.changedAt);
    const request: RemediationRequest = {
      runId,
      playbook: named,
      mode: settings.mode,
      approval: settings.approval,
      alarm: { name: change.alarmName, arn: change.alarmArn },
      episodeId: await episodeIdOf(change),
      severity: vigil.severity,
      account: change.account,
      region: change.region,
      target: target.target,
      requestedAt: now().toISOString(),
    };
    const executionName = `${named}-${runId}`;
    try {
      const { executionArn } = await deps.stepFunctions.send(
        new StartExecutionCommand({
          stateMachineArn: settings.stateMachineArn,
          name: executionName,
          input: JSON.stringify(request),
        }),
      );
      return { outcome: 'started', alarm, playbook: named, runId, executionArn: executionArn ?? '' };
    } catch (error) {
      if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
      return { outcome: 'already-started', alarm, playbook: named, runId, executionName };
    }
  };

  return async (event: unknown): Promise<DispatchOutcome[]> => {
    const outcomes: DispatchOutcome[] = [];
    const errors: unknown[] = [];
    for (const item of parseAlarmEvent(event)) {
      if (!item.ok) {
        // Not an alarm change, so not ours; throwing would only make EventBridge deliver it again.
        logger.error('Event is not an alarm change', { error: item.error, raw: item.raw.slice(0, 2000) });
        outcomes.push(ignored(item.error));
        continue;
      }
      try {
        const outcome = await dispatchOne(item.change);
        logger.info('Alarm change dispatched', { ...outcome });
        outcomes.push(outcome);
      } catch (error) {
        logger.error('Remediation not started; the event will be retried', {
          alarm: item.change.alarmName,
          error,
        });
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} remediation runs not started`);
    return outcomes;
  };
}

/** The resource the playbook acts on, from the dimensions of the alarm's metrics. */
export function remediationTarget(
  playbook: PlaybookId,
  change: Pick<AlarmChange, 'metrics'>,
  aliasName: string,
): { readonly target: RemediationTarget } | { readonly reason: string } {
  const dimension = TARGET_DIMENSION[playbook];
  const values = [
    ...new Set(
      change.metrics.flatMap((metric) => {
        const value = metric.metricStat?.dimensions[dimension];
        return value === undefined ? [] : [value];
      }),
    ),
  ];
  if (values.length === 0) {
    return {
      reason: `playbook ${playbook} needs a ${dimension} dimension and the alarm's metrics have none`,
    };
  }
  if (values.length > 1) {
    return {
      reason: `the alarm's metrics name ${values.length} ${dimension}s (${values.join(', ')}): no single target`,
    };
  }
  const name = values[0] as string;
  switch (playbook) {
    case 'lambda-alias-rollback':
      return { target: { kind: 'lambda-alias', functionName: name, aliasName } };
    case 'lambda-concurrency':
      return { target: { kind: 'lambda-function', functionName: name } };
    case 'dlq-redrive':
      return { target: { kind: 'sqs-queue', queueName: name } };
  }
}

/** The same alarm change always gets the same id (it names the execution, which makes starting idempotent). */
export function runIdOf(alarmArn: string, changedAt: string): string {
  return createHash('sha256').update(`${alarmArn}${changedAt}`).digest('hex').slice(0, 32);
}

function isPlaybookId(value: string): value is PlaybookId {
  return (PLAYBOOK_IDS as readonly string[]).includes(value);
}

function ignored(reason: string, alarm?: string): DispatchOutcome {
  return alarm === undefined ? { outcome: 'ignored', reason } : { outcome: 'ignored', alarm, reason };
}
