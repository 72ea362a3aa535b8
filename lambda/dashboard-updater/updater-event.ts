import * as z from '../shared/zod';
import { describeIssues } from '../shared/zod-issues';

/** Why the updater runs: its schedule, or a tag changed on some resource. */
export type UpdaterTrigger =
  | { readonly kind: 'schedule'; readonly time: string }
  | {
      readonly kind: 'tag-change';
      readonly time: string;
      readonly resources: readonly string[];
      readonly changedTagKeys: readonly string[];
    };

/** The invocation is neither event the updater is wired to; nothing was changed. */
export class UpdaterEventError extends Error {
  override readonly name = 'UpdaterEventError';
}

// "EventBridge events detail reference", Scheduled Event: source aws.events, an empty detail.
const scheduled = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.string().check(z.minLength(1)),
  detail: z.object({}),
});

// "Monitor tag changes with serverless workflows and Amazon EventBridge" (Tagging AWS Resources user
// guide): the changed resource in `resources`, the keys added, changed or deleted in
// `detail.changed-tag-keys`, the tags it has now in `detail.tags`.
const tagChange = z.object({
  source: z.literal('aws.tag'),
  'detail-type': z.literal('Tag Change on Resource'),
  time: z.string().check(z.minLength(1)),
  resources: z.array(z.string()),
  detail: z.object({
    'changed-tag-keys': z.array(z.string()),
    tags: z.record(z.string(), z.string()),
  }),
});

/**
 * Reads the invocation. Anything else is refused with every problem named, so a rule wired to the
 * wrong events shows up as failed invocations saying why, not as runs that silently did nothing.
 */
export function parseUpdaterEvent(event: unknown): UpdaterTrigger {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new UpdaterEventError(
      `Not an EventBridge event: got ${event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event}`,
    );
  }
  const source = (event as { source?: unknown }).source;
  if (source === 'aws.events') {
    const parsed = scheduled.safeParse(event);
    if (!parsed.success)
      throw new UpdaterEventError(`Not a Scheduled Event: ${describeIssues(parsed.error, 'event')}`);
    return { kind: 'schedule', time: parsed.data.time };
  }
  if (source === 'aws.tag') {
    const parsed = tagChange.safeParse(event);
    if (!parsed.success) {
      throw new UpdaterEventError(
        `Not a Tag Change on Resource event: ${describeIssues(parsed.error, 'event')}`,
      );
    }
    return {
      kind: 'tag-change',
      time: parsed.data.time,
      resources: parsed.data.resources,
      changedTagKeys: parsed.data.detail['changed-tag-keys'],
    };
  }
  throw new UpdaterEventError(
    `Not an event the dashboard updater handles: source ${JSON.stringify(source)}, expected aws.events (Scheduled Event) or aws.tag (Tag Change on Resource)`,
  );
}
