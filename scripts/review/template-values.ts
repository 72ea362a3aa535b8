import type { ReviewedApp, ReviewedResource } from './reviewed-app';

/** Logical ids a template value refers to by `Ref` or `Fn::GetAtt`, at any depth. */
export function referencedIds(value: unknown): Set<string> {
  const ids = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (typeof record.Ref === 'string' && !record.Ref.startsWith('AWS::')) ids.add(record.Ref);
    const attribute = record['Fn::GetAtt'];
    if (Array.isArray(attribute) && typeof attribute[0] === 'string') ids.add(attribute[0]);
    if (typeof attribute === 'string') ids.add(attribute.split('.')[0] as string);
    Object.values(record).forEach(walk);
  };
  walk(value);
  return ids;
}

/**
 * The resource a value stands for: a `Ref`/`Fn::GetAtt` in the same stack, or another stack's output
 * reached through `Fn::GetStackOutput` or `Fn::ImportValue` (how CDK passes values between stacks).
 */
export function resolveResource(
  app: ReviewedApp,
  stack: string,
  value: unknown,
): ReviewedResource | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const crossStack = record['Fn::GetStackOutput'] as
    | { StackName?: unknown; OutputName?: unknown }
    | undefined;
  if (crossStack && typeof crossStack.StackName === 'string' && typeof crossStack.OutputName === 'string') {
    const output = app.stack(crossStack.StackName)?.outputs[crossStack.OutputName];
    return output ? resolveResource(app, crossStack.StackName, output.Value) : undefined;
  }
  const imported = record['Fn::ImportValue'];
  if (typeof imported === 'string') {
    for (const candidate of app.stacks) {
      const output = Object.values(candidate.outputs).find((entry) => entry.Export?.Name === imported);
      if (output) return resolveResource(app, candidate.name, output.Value);
    }
    return undefined;
  }
  const [id] = [...referencedIds(value)];
  return id === undefined ? undefined : app.resource(stack, id);
}

/** `Stack/LogicalId`, how the report names a resource. */
export function resourceName(resource: Pick<ReviewedResource, 'stack' | 'logicalId'>): string {
  return `${resource.stack}/${resource.logicalId}`;
}

/** A property path read from a resource's properties, or undefined when any step is missing. */
export function property(resource: ReviewedResource, ...path: string[]): unknown {
  let node: unknown = resource.properties;
  for (const step of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[step];
  }
  return node;
}

/** Resources of the given CloudFormation types across the app. */
export function resourcesOf(app: ReviewedApp, ...types: string[]): ReviewedResource[] {
  return app.stacks.flatMap((stack) => stack.resources.filter((resource) => types.includes(resource.type)));
}
