import { countBy, type EvidenceItem, type Statement, statusOf } from '../review-model';
import type { ReviewedApp } from '../reviewed-app';
import { property, resourceName, resourcesOf } from '../template-values';

/** The review id under which a function is acknowledged as needing x86_64. */
export const ARCHITECTURE_RULE = 'VigilReview-Architecture';

/** PERF: functions run on arm64 (Graviton) unless a recorded reason needs x86_64; memory sizes as set. */
export function functionArchitecture(app: ReviewedApp): Statement {
  const functions = resourcesOf(app, 'AWS::Lambda::Function');
  const items: EvidenceItem[] = functions.map((fn) => {
    // Lambda's default architecture is x86_64 when Architectures is absent (AWS::Lambda::Function, Architectures;
    // not in the stored documentation).
    const architecture = ((property(fn, 'Architectures') as string[] | undefined) ?? ['x86_64'])[0] as string;
    const memory = property(fn, 'MemorySize');
    const [reason] = architecture === 'arm64' ? [] : app.reasonsFor(fn, ARCHITECTURE_RULE);
    return {
      resource: resourceName(fn),
      kind: 'Lambda function',
      detail: `${architecture}, ${typeof memory === 'number' ? `${memory} MB` : 'default memory (128 MB)'}`,
      status: architecture === 'arm64' || reason !== undefined ? 'met' : 'gap',
      ...(reason !== undefined ? { reason } : {}),
    };
  });
  return {
    id: 'function-architecture',
    pillar: 'Performance efficiency',
    claim: 'Functions run on arm64 (Graviton) with memory set for their work.',
    status: statusOf(items),
    numbers: [
      { key: 'functions', label: 'Lambda functions', value: items.length },
      ...countBy(
        'architecture',
        items,
        (item) => item.detail.split(',')[0] as string,
        (value) => `on ${value}`,
      ),
      ...countBy(
        'memory',
        items,
        (item) => (item.detail.split(', ')[1] as string).split(' ')[0] as string,
        (v) => `with ${v} MB`,
      ),
    ],
    items,
    fix: `Set architecture: lambda.Architecture.ARM_64; where a native dependency needs x86_64, acknowledge '${ARCHITECTURE_RULE}' with it.`,
  };
}

/** PERF: functions and state machines send traces, so latency can be broken down per call. */
export function tracing(app: ReviewedApp): Statement {
  const items: EvidenceItem[] = [
    ...resourcesOf(app, 'AWS::Lambda::Function').map((fn) => {
      const active = property(fn, 'TracingConfig', 'Mode') === 'Active';
      return {
        resource: resourceName(fn),
        kind: 'Lambda function',
        detail: active ? 'active tracing' : 'no active tracing',
        status: active ? ('met' as const) : ('gap' as const),
      };
    }),
    ...resourcesOf(app, 'AWS::StepFunctions::StateMachine').map((machine) => {
      const enabled = property(machine, 'TracingConfiguration', 'Enabled') === true;
      return {
        resource: resourceName(machine),
        kind: 'state machine',
        detail: enabled ? 'X-Ray tracing' : 'no X-Ray tracing',
        status: enabled ? ('met' as const) : ('gap' as const),
      };
    }),
  ];
  return {
    id: 'tracing',
    pillar: 'Performance efficiency',
    claim: 'Functions and state machines send X-Ray traces.',
    status: statusOf(items),
    numbers: [
      { key: 'traced', label: 'traced', value: items.filter((i) => i.status === 'met').length },
      { key: 'untraced', label: 'not traced', value: items.filter((i) => i.status === 'gap').length },
    ],
    items,
    fix: 'Set tracing: lambda.Tracing.ACTIVE on the function (PlatformFunction does) or tracingEnabled on the state machine.',
  };
}
