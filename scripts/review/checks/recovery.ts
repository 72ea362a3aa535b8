import type { EnvironmentConfig } from '../../../config/environment-config';
import { type EvidenceItem, type Statement, statusOf } from '../review-model';
import type { ReviewedApp, ReviewedResource } from '../reviewed-app';
import { property, referencedIds, resolveResource, resourceName, resourcesOf } from '../template-values';

/** cdk-nag's Serverless pack ids whose acknowledgements explain a queue or function without a failure path. */
const QUEUE_RULE = 'Serverless-SQSRedrivePolicy';
const FUNCTION_RULE = 'Serverless-LambdaDLQ';
/** The review id under which a store is acknowledged as needing no versioning or point-in-time recovery. */
export const BACKUP_RULE = 'VigilReview-Backup';

/** Queues other resources dead-letter into: redrive targets, Lambda DLQs and destinations, SNS and rule DLQs. */
function deadLetterTargets(app: ReviewedApp): Set<ReviewedResource> {
  const targets = new Set<ReviewedResource>();
  const add = (stack: string, value: unknown) => {
    const target = resolveResource(app, stack, value);
    if (target?.type === 'AWS::SQS::Queue') targets.add(target);
  };
  for (const queue of resourcesOf(app, 'AWS::SQS::Queue'))
    add(queue.stack, property(queue, 'RedrivePolicy', 'deadLetterTargetArn'));
  for (const fn of resourcesOf(app, 'AWS::Lambda::Function'))
    add(fn.stack, property(fn, 'DeadLetterConfig', 'TargetArn'));
  for (const config of resourcesOf(app, 'AWS::Lambda::EventInvokeConfig'))
    add(config.stack, property(config, 'DestinationConfig', 'OnFailure', 'Destination'));
  for (const subscription of resourcesOf(app, 'AWS::SNS::Subscription'))
    add(subscription.stack, property(subscription, 'RedrivePolicy', 'deadLetterTargetArn'));
  for (const rule of resourcesOf(app, 'AWS::Events::Rule')) {
    for (const target of (property(rule, 'Targets') as
      | { DeadLetterConfig?: { Arn?: unknown } }[]
      | undefined) ?? [])
      add(rule.stack, target.DeadLetterConfig?.Arn);
  }
  return targets;
}

/** REL: a message that keeps failing ends in a dead-letter queue, or the queue is one, or the reason is recorded. */
export function queueRedrive(app: ReviewedApp): Statement {
  const deadLetterQueues = deadLetterTargets(app);
  const items: EvidenceItem[] = resourcesOf(app, 'AWS::SQS::Queue').map((queue) => {
    const target = resolveResource(app, queue.stack, property(queue, 'RedrivePolicy', 'deadLetterTargetArn'));
    const receives = property(queue, 'RedrivePolicy', 'maxReceiveCount');
    const [reason] = app.reasonsFor(queue, QUEUE_RULE);
    if (target) {
      return {
        resource: resourceName(queue),
        kind: 'SQS queue',
        detail: `redrive to ${resourceName(target)} after ${String(receives)} receives`,
        status: 'met',
      };
    }
    return {
      resource: resourceName(queue),
      kind: deadLetterQueues.has(queue) ? 'dead-letter queue' : 'SQS queue',
      detail: deadLetterQueues.has(queue)
        ? 'is a dead-letter queue (no redrive of its own)'
        : 'no redrive policy',
      status: reason !== undefined ? 'met' : 'gap',
      ...(reason !== undefined ? { reason } : {}),
    };
  });
  return {
    id: 'queue-redrive',
    pillar: 'Reliability',
    claim:
      'Every queue moves messages that keep failing to a dead-letter queue, or records why it needs none.',
    status: statusOf(items),
    numbers: [
      { key: 'queues', label: 'SQS queues', value: items.length },
      {
        key: 'withRedrive',
        label: 'with a redrive policy',
        value: items.filter((item) => item.detail.startsWith('redrive')).length,
      },
      { key: 'deadLetterQueues', label: 'dead-letter queues', value: deadLetterQueues.size },
      {
        key: 'unexplained',
        label: 'without either or a reason',
        value: items.filter((i) => i.status === 'gap').length,
      },
    ],
    items,
    fix: `Give the queue a deadLetterQueue (RedrivePolicy), or acknowledge '${QUEUE_RULE}' on it with the reason.`,
  };
}

/** REL: each function's failed asynchronous or stream work lands somewhere, or the reason it cannot is recorded. */
export function functionFailures(app: ReviewedApp): Statement {
  const functionsReferencedBy = (stack: string, value: unknown): string[] =>
    [...referencedIds(value)].flatMap((id) => {
      const resource = app.resource(stack, id);
      // An alias or version names its function in FunctionName.
      return resource && resource.type !== 'AWS::Lambda::Function'
        ? [...referencedIds(resource.properties.FunctionName)]
        : [id];
    });
  const onFailure = new Map<string, string[]>();
  const note = (stack: string, fnValue: unknown, what: string) => {
    for (const id of functionsReferencedBy(stack, fnValue)) {
      onFailure.set(`${stack}/${id}`, [...(onFailure.get(`${stack}/${id}`) ?? []), what]);
    }
  };
  for (const config of resourcesOf(app, 'AWS::Lambda::EventInvokeConfig')) {
    const destination = resolveResource(
      app,
      config.stack,
      property(config, 'DestinationConfig', 'OnFailure', 'Destination'),
    );
    if (destination)
      note(
        config.stack,
        config.properties.FunctionName,
        `on-failure destination ${resourceName(destination)}`,
      );
  }
  for (const mapping of resourcesOf(app, 'AWS::Lambda::EventSourceMapping')) {
    const destination = resolveResource(
      app,
      mapping.stack,
      property(mapping, 'DestinationConfig', 'OnFailure', 'Destination'),
    );
    const source = resolveResource(app, mapping.stack, mapping.properties.EventSourceArn);
    const sourceDlq = source
      ? resolveResource(app, source.stack, property(source, 'RedrivePolicy', 'deadLetterTargetArn'))
      : undefined;
    if (destination)
      note(
        mapping.stack,
        mapping.properties.FunctionName,
        `event source on-failure ${resourceName(destination)}`,
      );
    // An SQS source keeps failed batches in the queue, whose redrive policy is then the failure path.
    if (source && sourceDlq)
      note(
        mapping.stack,
        mapping.properties.FunctionName,
        `source ${resourceName(source)} redrives to ${resourceName(sourceDlq)}`,
      );
  }
  const items: EvidenceItem[] = resourcesOf(app, 'AWS::Lambda::Function').map((fn) => {
    const dlq = resolveResource(app, fn.stack, property(fn, 'DeadLetterConfig', 'TargetArn'));
    const paths = [
      ...(dlq ? [`dead-letter queue ${resourceName(dlq)}`] : []),
      ...(onFailure.get(resourceName(fn)) ?? []),
    ];
    const [reason] = paths.length === 0 ? app.reasonsFor(fn, FUNCTION_RULE) : [];
    return {
      resource: resourceName(fn),
      kind: 'Lambda function',
      detail: paths.length > 0 ? paths.join('; ') : 'no dead-letter queue or on-failure destination',
      status: paths.length > 0 || reason !== undefined ? 'met' : 'gap',
      ...(reason !== undefined ? { reason } : {}),
    };
  });
  return {
    id: 'function-failures',
    pillar: 'Reliability',
    claim:
      'Every function keeps what it failed to process (dead-letter queue, on-failure destination, or its source queue’s redrive), or records why it needs none.',
    status: statusOf(items),
    numbers: [
      { key: 'functions', label: 'Lambda functions', value: items.length },
      {
        key: 'withFailurePath',
        label: 'with a failure path',
        value: items.filter((item) => item.reason === undefined && item.status === 'met').length,
      },
      {
        key: 'acknowledged',
        label: 'none needed (acknowledged)',
        value: items.filter((i) => i.reason).length,
      },
      { key: 'gaps', label: 'neither', value: items.filter((i) => i.status === 'gap').length },
    ],
    items,
    fix:
      'Give asynchronously invoked functions an on-failure destination (EventInvokeConfig) or a deadLetterQueue, stream ' +
      `sources an onFailure destination, SQS sources a redrive policy; a synchronous-only function: acknowledge '${FUNCTION_RULE}' with the reason.`,
  };
}

/** REL: the self-healing playbooks, as synthesized state machines, and the mode config gives them. */
export function rollbackPlaybooks(app: ReviewedApp, config: EnvironmentConfig): Statement {
  const machines = resourcesOf(app, 'AWS::StepFunctions::StateMachine');
  const items: EvidenceItem[] = machines.map((machine) => {
    const definition = JSON.stringify(
      machine.properties.DefinitionString ?? machine.properties.Definition ?? '',
    );
    const rollsBack = /Roll ?back/i.test(definition);
    return {
      resource: resourceName(machine),
      kind: 'state machine',
      detail: `${typeof machine.properties.StateMachineName === 'string' ? `${machine.properties.StateMachineName}: ` : ''}${
        rollsBack ? 'has a rollback step' : 'no rollback step'
      }`,
      status: 'met',
    };
  });
  const playbooks = Object.entries(config.remediation.playbooks ?? {});
  return {
    id: 'rollback-playbooks',
    pillar: 'Reliability',
    claim: `Remediation runs as state machines with a rollback step; the environment's mode is ${config.remediation.mode}.`,
    status: items.length === 0 ? 'gap' : 'met',
    numbers: [
      { key: 'stateMachines', label: 'state machines', value: machines.length },
      {
        key: 'withRollback',
        label: 'with a rollback step',
        value: items.filter((item) => item.detail.endsWith('has a rollback step')).length,
      },
      { key: 'playbookOverrides', label: 'playbooks with their own mode in config', value: playbooks.length },
    ],
    items,
    fix: 'Deploy the remediation stack (addVigilStacks) so alarms with a playbook can be acted on.',
    note:
      config.remediation.mode === 'dry-run'
        ? 'dry-run: a run records what it would do and changes nothing; set remediation.mode to enforce to act.'
        : 'enforce: runs act within the safety envelope.',
  };
}

/** REL: stores that keep earlier states: bucket versioning and table point-in-time recovery. */
export function backups(app: ReviewedApp): Statement {
  const stores = resourcesOf(app, 'AWS::S3::Bucket', 'AWS::DynamoDB::Table');
  const items: EvidenceItem[] = stores.map((store) => {
    const bucket = store.type === 'AWS::S3::Bucket';
    const kept = bucket
      ? property(store, 'VersioningConfiguration', 'Status') === 'Enabled'
      : property(store, 'PointInTimeRecoverySpecification', 'PointInTimeRecoveryEnabled') === true;
    const [reason] = kept ? [] : app.reasonsFor(store, BACKUP_RULE);
    return {
      resource: resourceName(store),
      kind: bucket ? 'S3 bucket' : 'DynamoDB table',
      detail: bucket
        ? kept
          ? 'versioned'
          : 'not versioned'
        : kept
          ? 'point-in-time recovery'
          : 'no point-in-time recovery',
      status: kept || reason !== undefined ? 'met' : 'gap',
      ...(reason !== undefined ? { reason } : {}),
    };
  });
  return {
    id: 'backups',
    pillar: 'Reliability',
    claim:
      'Buckets are versioned and tables have point-in-time recovery, unless a recorded reason says the data can be rebuilt.',
    status: statusOf(items),
    numbers: [
      { key: 'buckets', label: 'S3 buckets', value: items.filter((i) => i.kind === 'S3 bucket').length },
      {
        key: 'versioned',
        label: 'versioned buckets',
        value: items.filter((i) => i.detail === 'versioned').length,
      },
      {
        key: 'tables',
        label: 'DynamoDB tables',
        value: items.filter((i) => i.kind === 'DynamoDB table').length,
      },
      {
        key: 'pitr',
        label: 'tables with PITR',
        value: items.filter((i) => i.detail === 'point-in-time recovery').length,
      },
    ],
    items,
    fix: `Turn on versioning (S3) or pointInTimeRecoverySpecification (DynamoDB), or acknowledge '${BACKUP_RULE}' with why the data can be rebuilt.`,
  };
}
