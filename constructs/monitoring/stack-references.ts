import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Constructs of `type` in the stack of `owner` whose `reference` resolves to the same value as
 * `target`: the subscriptions of a topic, the routes of an API, the event source mappings of a
 * function. Monitors read them to derive thresholds; resources in other stacks are not seen.
 */
export function resourcesReferencing<T extends IConstruct>(
  owner: IConstruct,
  type: abstract new (...args: never[]) => T,
  reference: (candidate: T) => unknown,
  target: unknown,
): T[] {
  const stack = Stack.of(owner);
  const wanted = JSON.stringify(stack.resolve(target));
  return stack.node
    .findAll()
    .filter((child): child is T => child instanceof type)
    .filter((candidate) => JSON.stringify(stack.resolve(reference(candidate))) === wanted);
}
