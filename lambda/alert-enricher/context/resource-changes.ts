import { type CloudTrailClient, type Event, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { ResourceChange } from '../enriched-alert';
import { ContextUnavailableError } from './with-timeout';

const LOOKBACK_MS = 24 * 3600_000;
/**
 * One page only: LookupEvents allows two requests a second per account, shared with everything
 * else that reads CloudTrail, so an alert storm must not spend it on paging.
 */
const MAX_RESULTS = 50;
const MAX_CHANGES = 10;
const MUTATING_EVENT = /^(Update|Publish|Put|Create|Delete)/;

/** Who changed the watched resource in the last day, newest first: a deploy is the usual suspect. */
export async function findResourceChanges(
  cloudTrail: CloudTrailClient,
  resourceName: string,
  now: Date,
  signal: AbortSignal,
): Promise<ResourceChange[]> {
  let events: Event[];
  try {
    const response = await cloudTrail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: resourceName }],
        StartTime: new Date(now.getTime() - LOOKBACK_MS),
        EndTime: now,
        MaxResults: MAX_RESULTS,
      }),
      { abortSignal: signal },
    );
    events = response.Events ?? [];
  } catch (error) {
    // Expected under that limit, not a fault to investigate.
    if (error instanceof Error && error.name === 'ThrottlingException') {
      throw new ContextUnavailableError('throttled');
    }
    throw error;
  }
  return events
    .filter(isMutating)
    .flatMap((event) =>
      event.EventTime && event.EventName
        ? [{ at: event.EventTime, event: event.EventName, actor: event.Username, resource: resourceName }]
        : [],
    )
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, MAX_CHANGES)
    .map((change) => ({ ...change, at: change.at.toISOString() }));
}

/** Read-only as the event's record says, else as its name suggests. */
function isMutating(event: Event): boolean {
  const readOnly = recordedReadOnly(event);
  return readOnly === undefined ? MUTATING_EVENT.test(event.EventName ?? '') : !readOnly;
}

function recordedReadOnly(event: Event): boolean | undefined {
  try {
    const readOnly = JSON.parse(event.CloudTrailEvent ?? '')?.readOnly;
    if (typeof readOnly === 'boolean') return readOnly;
  } catch {
    // Not JSON: the event's own ReadOnly field or its name decides.
  }
  return event.ReadOnly === undefined ? undefined : event.ReadOnly === 'true';
}
