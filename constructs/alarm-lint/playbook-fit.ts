import type { PlaybookId } from '../contracts/remediation';
import type { AlarmMetric } from './alarm-metrics';
import type { AppResources, FunctionFacts, QueueFacts } from './app-resources';

/** What one remediation playbook can clear, and how the dispatcher finds its target. */
export interface PlaybookScope {
  /** The metric dimension the dispatcher (`lambda/remediation/dispatcher/dispatch.ts`) reads the target from. */
  readonly targetDimension: 'FunctionName' | 'QueueName';
  readonly namespace: string;
  /** Metrics whose breach the playbook's action can end. */
  readonly clears: readonly string[];
  /** Metrics that may accompany them in metric math (an error rate divides by invocations). */
  readonly companions: readonly string[];
  /** What the target must be in the app, for the message: "has an alias to move back". */
  readonly targetNeeds: string;
  readonly fitsFunction?: (fn: FunctionFacts) => boolean | undefined;
  readonly fitsQueue?: (queue: QueueFacts) => boolean | undefined;
}

/**
 * Playbook → the signals its action can clear. Rolling the alias back ends errors and slowness a
 * release brought; raising reserved concurrency ends throttles but not a concurrency alarm whose
 * threshold is fixed at synth from the old reservation; StartMessageMoveTask redrives only "queues
 * that are configured as dead-letter queues (DLQs) of other Amazon SQS queues"
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html).
 */
export const PLAYBOOK_SCOPES: Readonly<Record<PlaybookId, PlaybookScope>> = {
  'lambda-alias-rollback': {
    targetDimension: 'FunctionName',
    namespace: 'AWS/Lambda',
    clears: ['Errors', 'Duration'],
    companions: ['Invocations'],
    targetNeeds: 'has an alias to move back',
    fitsFunction: (fn) => fn.alias,
  },
  'lambda-concurrency': {
    targetDimension: 'FunctionName',
    namespace: 'AWS/Lambda',
    clears: ['Throttles'],
    companions: ['Invocations'],
    targetNeeds: 'has reserved concurrency to raise',
    fitsFunction: (fn) => fn.reservedConcurrency,
  },
  'dlq-redrive': {
    targetDimension: 'QueueName',
    namespace: 'AWS/SQS',
    clears: ['ApproximateNumberOfMessagesVisible'],
    companions: [],
    targetNeeds: 'is the dead-letter queue of another SQS queue',
    fitsQueue: (queue) => queue.deadLetterQueueOfAQueue,
  },
};

/** Why `playbook` cannot clear an alarm on `metrics`, or undefined when it can. `metrics` is empty for a composite. */
export function playbookMisfitReason(
  playbook: string,
  metrics: readonly AlarmMetric[],
  resources: AppResources,
): string | undefined {
  const scope = (PLAYBOOK_SCOPES as Readonly<Record<string, PlaybookScope | undefined>>)[playbook];
  if (scope === undefined) {
    return `playbook ${playbook} is not one Vigil knows (${Object.keys(PLAYBOOK_SCOPES).join(', ')})`;
  }
  // The dispatcher reads the target from the dimensions of the alarm's metrics, exactly one value.
  const targets = [...new Set(metrics.flatMap((metric) => metric.dimensions[scope.targetDimension] ?? []))];
  if (targets.length !== 1) {
    return (
      `playbook ${playbook} needs exactly one ${scope.targetDimension} in the alarm's metric dimensions ` +
      `for the dispatcher to find its target, and the alarm has ${targets.length}`
    );
  }
  const names = metrics.map((metric) => `${metric.namespace}/${metric.metricName}`);
  const allowed = [...scope.clears, ...scope.companions].map((name) => `${scope.namespace}/${name}`);
  const cleared = scope.clears.map((name) => `${scope.namespace}/${name}`);
  if (!names.some((name) => cleared.includes(name)) || names.some((name) => !allowed.includes(name))) {
    return (
      `playbook ${playbook} can only clear ${cleared.join(' or ')}, and the alarm reads ` +
      `${[...new Set(names)].join(', ')}`
    );
  }
  const target = targets[0] as string;
  const fn = scope.fitsFunction ? resources.functionNamed(target) : undefined;
  const queue = scope.fitsQueue ? resources.queueNamed(target) : undefined;
  const fits = fn ? scope.fitsFunction?.(fn) : queue ? scope.fitsQueue?.(queue) : undefined;
  if (fits === false) {
    return `playbook ${playbook} needs a target that ${scope.targetNeeds}, and ${(fn ?? queue)?.path} is not one`;
  }
  return undefined;
}
