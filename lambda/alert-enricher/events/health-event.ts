import type { AlarmSeverity } from '../../../constructs/contracts/alarm-severity';
import { BUSINESS_ALERT_MESSAGE_MAX_LENGTH } from '../../../constructs/contracts/business-alert';
import { truncateText } from '../../shared/message-text';
import * as z from '../../shared/zod';
import { describeIssues } from '../../shared/zod-issues';
import { type EventAlert, type EventFact, isoTime, listedResources } from './event-alert';

/**
 * AWS Health's `AWS Health Event` ("Reference: AWS Health events Amazon EventBridge schema", AWS
 * Health User Guide aws-health-events-eventbridge-schema.html). The schema marks eventArn, service,
 * eventTypeCode, eventTypeCategory, statusCode and eventDescription as required, but its own samples
 * leave out `lastUpdatedTime` (required too) in two of three, so nothing beyond what the alert
 * cannot do without is required here. Times are written `Fri, 27 Jan 2023 09:01:22 GMT`.
 */
const detail = z.object({
  eventArn: z.string().check(z.minLength(1)),
  service: z.string(),
  eventTypeCode: z.string(),
  eventTypeCategory: z.string(),
  eventScopeCode: z.optional(z.string()),
  communicationId: z.optional(z.string()),
  startTime: z.optional(z.string()),
  endTime: z.optional(z.string()),
  lastUpdatedTime: z.optional(z.string()),
  statusCode: z.string(),
  eventRegion: z.optional(z.string()),
  eventDescription: z.optional(
    z.array(z.object({ language: z.optional(z.string()), latestDescription: z.optional(z.string()) })),
  ),
  affectedEntities: z.optional(
    z.array(z.object({ entityValue: z.optional(z.string()), status: z.optional(z.string()) })),
  ),
  affectedAccount: z.optional(z.string()),
  page: z.optional(z.string()),
  totalPages: z.optional(z.string()),
});
const envelope = z.object({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.literal('AWS Health Event'),
  source: z.literal('aws.health'),
  account: z.string(),
  region: z.string(),
  time: z.string(),
  resources: z._default(z.array(z.string()), []),
  detail,
});

/**
 * Vigil's severity of a Health event, by `eventTypeCategory` (the schema's values: `issue`,
 * `accountNotification`, `investigation`, `scheduledChange`): an issue affecting this account's
 * resources is high (it degrades what runs here until AWS fixes it or someone moves off it); an
 * investigation (AWS is looking, impact unconfirmed) and a scheduled change (maintenance ahead, with
 * a date to act by) are warnings; an account notification is info. A category the schema does not
 * list is high, and the alert says which it was. `statusCode` does not change the severity: `open`
 * and `upcoming` alert, `closed` resolves the episode.
 */
export function healthSeverity(category: string): AlarmSeverity {
  switch (category) {
    case 'issue':
      return 'high';
    case 'investigation':
    case 'scheduledChange':
      return 'warning';
    case 'accountNotification':
      return 'info';
    default:
      return 'high';
  }
}

export type HealthReading =
  | { readonly ok: true; readonly event: EventAlert }
  | { readonly ok: false; readonly error: string };

export function readHealthEvent(input: unknown): HealthReading {
  const parsed = envelope.safeParse(input);
  if (!parsed.success) {
    return { ok: false, error: `AWS Health Event not readable: ${describeIssues(parsed.error, 'event')}` };
  }
  const event = parsed.data;
  const health = event.detail;
  // "An event ARN isn't unique to a specific AWS account or Region": the affected account is part of the key.
  const account = health.affectedAccount ?? event.account;
  const region = health.eventRegion ?? event.region;
  const entities = (health.affectedEntities ?? []).flatMap((entity) =>
    entity.entityValue
      ? [{ id: entity.entityValue, ...(entity.status ? { status: entity.status } : {}) }]
      : [],
  );
  // The envelope's `resources` repeat the entities in the documented sample; each is listed once.
  const known = new Set(entities.map((entity) => entity.id));
  const listed = listedResources([
    ...entities,
    ...event.resources.filter((id) => !known.has(id)).map((id) => ({ id })),
  ]);
  const description =
    health.eventDescription?.find((text) => text.language === 'en_US')?.latestDescription ??
    health.eventDescription?.[0]?.latestDescription ??
    '';
  const title = `${health.service} ${health.eventTypeCategory} in ${region}`;
  const pages = Number(health.totalPages ?? '1');
  const facts: EventFact[] = [
    { label: 'Event type', value: `${health.eventTypeCode} (${health.eventTypeCategory})` },
    { label: 'Status', value: health.statusCode },
    { label: 'Scope', value: health.eventScopeCode },
    { label: 'Start', value: health.startTime },
    { label: 'End', value: health.endTime },
    { label: 'Last updated', value: health.lastUpdatedTime },
    { label: 'Affected account', value: account },
    {
      // AWS Health splits a long list of entities into pages, one event each; the episode's later
      // pages are counted, not re-sent, so the alert says the list is partial.
      label: 'Entities page',
      value:
        pages > 1 ? `${health.page ?? '?'} of ${pages}; the rest are in the AWS Health Dashboard` : undefined,
    },
    { label: 'Event ARN', value: health.eventArn },
  ].filter((fact): fact is EventFact => fact.value !== undefined && fact.value !== '');
  return {
    ok: true,
    event: {
      kind: 'health',
      eventId: event.id,
      key: `health/${account}/${health.eventArn}`,
      source: 'aws.health',
      detailType: 'AWS Health Event',
      account,
      region,
      occurredAt: isoTime(health.lastUpdatedTime) ?? isoTime(event.time) ?? event.time,
      severity: healthSeverity(health.eventTypeCategory),
      resolves: health.statusCode === 'closed',
      originalSeverity: `AWS Health ${health.eventTypeCategory}, ${health.statusCode}`,
      title,
      message: truncateText(description || title, BUSINESS_ALERT_MESSAGE_MAX_LENGTH),
      service: 'aws-health',
      resource: listed.resources[0]?.id,
      signal: health.eventTypeCode,
      arn: health.eventArn,
      resources: listed.resources,
      facts: [...facts, ...listed.facts],
      // The dashboard's link to one event is not documented; the event ARN is in the facts.
      links: [{ label: 'AWS Health Dashboard', url: 'https://health.aws.amazon.com/health/home' }],
    },
  };
}
