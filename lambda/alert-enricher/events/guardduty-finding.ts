import type { AlarmSeverity } from '../../../constructs/contracts/alarm-severity';
import * as z from '../../shared/zod';
import { describeIssues } from '../../shared/zod-issues';
import { type EventAlert, type EventResource, isoTime, listedResources } from './event-alert';

/**
 * GuardDuty's `GuardDuty Finding` event: the EventBridge envelope ("EventBridge event format for
 * GuardDuty", GuardDuty User Guide, guardduty_findings_eventbridge.html) whose `detail` is one
 * finding as GetFindings returns it ("Finding", GuardDuty API Reference, API_Finding.html). Only the
 * fields the alert uses are read; the API reference marks id, accountId, region, type, severity,
 * createdAt, updatedAt and resource as always present.
 */
const nameAndArn = z.object({ name: z.optional(z.string()), arn: z.optional(z.string()) });
const finding = z.object({
  id: z.string().check(z.minLength(1)),
  arn: z.optional(z.string()),
  accountId: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1)),
  type: z.string().check(z.minLength(1)),
  severity: z.number(),
  title: z.optional(z.string()),
  description: z.optional(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  resource: z.object({
    resourceType: z.optional(z.string()),
    instanceDetails: z.optional(z.object({ instanceId: z.optional(z.string()) })),
    accessKeyDetails: z.optional(
      z.object({ accessKeyId: z.optional(z.string()), userName: z.optional(z.string()) }),
    ),
    s3BucketDetails: z.optional(z.array(nameAndArn)),
    eksClusterDetails: z.optional(nameAndArn),
    ecsClusterDetails: z.optional(nameAndArn),
    lambdaDetails: z.optional(
      z.object({ functionName: z.optional(z.string()), functionArn: z.optional(z.string()) }),
    ),
    rdsDbInstanceDetails: z.optional(
      z.object({
        dbInstanceIdentifier: z.optional(z.string()),
        dbInstanceArn: z.optional(z.string()),
      }),
    ),
  }),
  service: z.optional(
    z.object({
      count: z.optional(z.number()),
      eventFirstSeen: z.optional(z.string()),
      eventLastSeen: z.optional(z.string()),
      resourceRole: z.optional(z.string()),
      action: z.optional(z.object({ actionType: z.optional(z.string()) })),
    }),
  ),
});
const envelope = z.object({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.literal('GuardDuty Finding'),
  source: z.literal('aws.guardduty'),
  time: z.string(),
  detail: finding,
});

/**
 * GuardDuty's severity bands ("Severity levels for GuardDuty findings", in "Understanding Amazon
 * GuardDuty findings", GuardDuty User Guide guardduty_findings.html): High 7.0–8.9, Medium 4.0–6.9,
 * Low 1.0–3.9. The 2023 page reserved 0 and 9.0–10.0 "for future use"; GuardDuty has since added a
 * Critical level (the API's SeverityBreakdown counts `critical` findings), so 9.0 and above is
 * Critical. High means "the resource in question … is compromised and is actively being used for
 * unauthorized purposes", to be remediated immediately: Vigil's critical (pages), as is Critical.
 * Medium is to be investigated "at your earliest convenience": warning. Low is "attempted suspicious
 * activity that did not compromise your network" with "no immediate recommended action": info. The
 * page documents nothing below 1.0; such a value is read as Low.
 */
export function guardDutySeverity(value: number): { severity: AlarmSeverity; band: string } {
  if (value >= 9) return { severity: 'critical', band: 'Critical' };
  if (value >= 7) return { severity: 'critical', band: 'High' };
  if (value >= 4) return { severity: 'warning', band: 'Medium' };
  return { severity: 'info', band: 'Low' };
}

export type GuardDutyReading =
  | { readonly ok: true; readonly event: EventAlert }
  | { readonly ok: false; readonly error: string };

export function readGuardDutyFinding(input: unknown): GuardDutyReading {
  const parsed = envelope.safeParse(input);
  if (!parsed.success) {
    return { ok: false, error: `GuardDuty Finding not readable: ${describeIssues(parsed.error, 'event')}` };
  }
  const { id: eventId, time, detail } = parsed.data;
  const { severity, band } = guardDutySeverity(detail.severity);
  const listed = listedResources(resourcesOf(detail.resource));
  const count = detail.service?.count;
  const facts = [
    { label: 'Finding type', value: detail.type },
    { label: 'GuardDuty severity', value: `${band} (${detail.severity})` },
    { label: 'Resource type', value: detail.resource.resourceType },
    { label: 'Resource role', value: detail.service?.resourceRole },
    { label: 'Action', value: detail.service?.action?.actionType },
    { label: 'Occurrences', value: count === undefined ? undefined : String(count) },
    { label: 'First seen', value: detail.service?.eventFirstSeen },
    { label: 'Last seen', value: detail.service?.eventLastSeen },
    { label: 'Finding id', value: detail.id },
  ].filter((fact): fact is { label: string; value: string } => fact.value !== undefined);
  const title = detail.title ?? detail.type;
  return {
    ok: true,
    event: {
      kind: 'guardduty',
      eventId,
      key: `guardduty/${detail.accountId}/${detail.region}/${detail.id}`,
      source: 'aws.guardduty',
      detailType: 'GuardDuty Finding',
      account: detail.accountId,
      region: detail.region,
      occurredAt: isoTime(detail.updatedAt) ?? isoTime(time) ?? time,
      severity,
      resolves: false,
      originalSeverity: `GuardDuty ${band} (${detail.severity})`,
      title,
      message: detail.description ?? title,
      service: 'guardduty',
      resource: listed.resources[0]?.id,
      signal: detail.type,
      ...(detail.arn ? { arn: detail.arn } : {}),
      resources: listed.resources,
      facts: [...facts, ...listed.facts],
      links: [{ label: 'GuardDuty finding', url: findingUrl(detail.region, detail.id) }],
    },
  };
}

/**
 * The finding in the GuardDuty console, in the form GuardDuty itself links its findings
 * (`SourceUrl` of a GuardDuty finding in Security Hub, "Typical finding from GuardDuty", GuardDuty
 * User Guide securityhub-integration.html).
 */
function findingUrl(region: string, id: string): string {
  return `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?macros=current&fId=${encodeURIComponent(id)}`;
}

/** The affected resources the finding names, by the Resource object's documented details. */
function resourcesOf(resource: z.infer<typeof finding>['resource']): EventResource[] {
  const type = resource.resourceType;
  const named = (id: string | undefined): EventResource[] =>
    id === undefined || id === '' ? [] : [{ ...(type ? { type } : {}), id }];
  return [
    ...named(resource.instanceDetails?.instanceId),
    ...named(resource.accessKeyDetails?.accessKeyId),
    ...named(resource.accessKeyDetails?.userName && `user ${resource.accessKeyDetails.userName}`),
    ...(resource.s3BucketDetails ?? []).flatMap((bucket) => named(bucket.arn ?? bucket.name)),
    ...named(resource.eksClusterDetails?.arn ?? resource.eksClusterDetails?.name),
    ...named(resource.ecsClusterDetails?.arn ?? resource.ecsClusterDetails?.name),
    ...named(resource.lambdaDetails?.functionArn ?? resource.lambdaDetails?.functionName),
    ...named(
      resource.rdsDbInstanceDetails?.dbInstanceArn ?? resource.rdsDbInstanceDetails?.dbInstanceIdentifier,
    ),
  ];
}
