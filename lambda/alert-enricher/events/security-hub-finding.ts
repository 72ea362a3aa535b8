import type { AlarmSeverity } from '../../../constructs/contracts/alarm-severity';
import * as z from '../../shared/zod';
import { describeIssues } from '../../shared/zod-issues';
import { type EventAlert, type EventFact, isoTime, listedResources } from './event-alert';

/**
 * Security Hub's `Security Hub Findings - Imported` event ("EventBridge event formats for Security
 * Hub", Security Hub User Guide securityhub-cwe-event-formats.html): `detail.findings` holds the
 * finding in the AWS Security Finding Format (ASFF), and "each event sends a single finding"; every
 * element is read all the same. Only the attributes the alert uses are read; ASFF requires Id,
 * ProductArn, AwsAccountId, Title, Description, UpdatedAt, Severity and Resources ("Required
 * top-level attributes in ASFF").
 */
const asffFinding = z.object({
  Id: z.string().check(z.minLength(1)),
  ProductArn: z.string(),
  ProductName: z.optional(z.string()),
  GeneratorId: z.optional(z.string()),
  AwsAccountId: z.string().check(z.minLength(1)),
  Region: z.optional(z.string()),
  UpdatedAt: z.string(),
  FirstObservedAt: z.optional(z.string()),
  LastObservedAt: z.optional(z.string()),
  Severity: z.object({ Label: z.optional(z.string()), Normalized: z.optional(z.number()) }),
  Title: z.string(),
  Description: z.string(),
  SourceUrl: z.optional(z.string()),
  Remediation: z.optional(
    z.object({
      Recommendation: z.optional(z.object({ Text: z.optional(z.string()), Url: z.optional(z.string()) })),
    }),
  ),
  ProductFields: z.optional(z.record(z.string(), z.string())),
  Resources: z.array(
    z.object({ Type: z.optional(z.string()), Id: z.string(), Region: z.optional(z.string()) }),
  ),
  Compliance: z.optional(
    z.object({ Status: z.optional(z.string()), SecurityControlId: z.optional(z.string()) }),
  ),
  Workflow: z.optional(z.object({ Status: z.optional(z.string()) })),
});
const envelope = z.object({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.literal('Security Hub Findings - Imported'),
  source: z.literal('aws.securityhub'),
  region: z.string(),
  time: z.string(),
  detail: z.object({ findings: z.array(z.unknown()).check(z.minLength(1)) }),
});

const LABELS: Readonly<Record<string, AlarmSeverity>> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MEDIUM: 'warning',
  LOW: 'info',
  INFORMATIONAL: 'info',
};

/**
 * `Severity.Label` to Vigil's severity, by the label's meaning in "Severity", AWS Security Hub API
 * Reference (API_Severity.html): CRITICAL "must be remediated immediately to avoid it escalating" →
 * critical; HIGH "must be addressed as a priority" → high; MEDIUM "must be addressed but not
 * urgently" → warning; LOW "does not require action on its own" → info; INFORMATIONAL "No issue was
 * found" → info (the rule does not route it). A finding with only `Normalized` is labelled as that
 * page says Security Hub labels it (0 INFORMATIONAL, 1–39 LOW, 40–69 MEDIUM, 70–89 HIGH, 90–100
 * CRITICAL). A label the page does not list is taken as high, and the alert shows it as it came,
 * since it cannot be told to be harmless.
 */
export function securityHubSeverity(severity: { Label?: string; Normalized?: number }): {
  severity: AlarmSeverity;
  label: string;
} {
  const label = severity.Label ?? labelOfNormalized(severity.Normalized);
  if (label === undefined) return { severity: 'high', label: 'no label or normalized value' };
  const known = Object.hasOwn(LABELS, label) ? LABELS[label] : undefined;
  return known
    ? { severity: known, label }
    : { severity: 'high', label: `${label} (not a documented label)` };
}

function labelOfNormalized(normalized: number | undefined): string | undefined {
  if (normalized === undefined) return undefined;
  if (normalized >= 90) return 'CRITICAL';
  if (normalized >= 70) return 'HIGH';
  if (normalized >= 40) return 'MEDIUM';
  if (normalized >= 1) return 'LOW';
  return 'INFORMATIONAL';
}

export type SecurityHubReading =
  | { readonly ok: true; readonly event: EventAlert }
  | { readonly ok: false; readonly error: string };

/** One reading per finding in the event; a finding that cannot be read is an error of its own. */
export function readSecurityHubFindings(input: unknown): SecurityHubReading[] {
  const parsed = envelope.safeParse(input);
  if (!parsed.success) {
    return [
      {
        ok: false,
        error: `Security Hub Findings - Imported not readable: ${describeIssues(parsed.error, 'event')}`,
      },
    ];
  }
  const { id: eventId, time, region: eventRegion, detail } = parsed.data;
  return detail.findings.map((raw, index): SecurityHubReading => {
    const read = asffFinding.safeParse(raw);
    if (!read.success) {
      return {
        ok: false,
        error: `Security Hub finding ${index} not readable: ${describeIssues(read.error, `detail.findings.${index}`)}`,
      };
    }
    const finding = read.data;
    const region = finding.Region ?? finding.Resources[0]?.Region ?? eventRegion;
    const { severity, label } = securityHubSeverity(finding.Severity);
    const product =
      finding.ProductName ?? finding.ProductFields?.['aws/securityhub/ProductName'] ?? finding.ProductArn;
    const control =
      finding.Compliance?.SecurityControlId ?? finding.ProductFields?.ControlId ?? finding.GeneratorId;
    const listed = listedResources(
      finding.Resources.map((resource) => ({
        ...(resource.Type ? { type: resource.Type } : {}),
        id: resource.Id,
        ...(resource.Region ? { region: resource.Region } : {}),
      })),
    );
    const facts: EventFact[] = [
      { label: 'Product', value: product },
      { label: 'Security Hub severity', value: label },
      { label: 'Control', value: control },
      { label: 'Compliance', value: finding.Compliance?.Status },
      { label: 'Workflow', value: finding.Workflow?.Status },
      { label: 'First observed', value: finding.FirstObservedAt },
      { label: 'Last observed', value: finding.LastObservedAt },
      { label: 'Recommendation', value: finding.Remediation?.Recommendation?.Text },
      { label: 'Finding id', value: finding.Id },
    ].filter((fact): fact is EventFact => fact.value !== undefined && fact.value !== '');
    const runbook = httpsOrUndefined(finding.Remediation?.Recommendation?.Url);
    const source = httpsOrUndefined(finding.SourceUrl);
    return {
      ok: true,
      event: {
        kind: 'security-hub',
        // One event carries one finding, but if it carried more, each would need its own delivery id.
        eventId: detail.findings.length === 1 ? eventId : `${eventId}#${index}`,
        key: `security-hub/${finding.Id}`,
        source: 'aws.securityhub',
        detailType: 'Security Hub Findings - Imported',
        account: finding.AwsAccountId,
        region,
        occurredAt: isoTime(finding.UpdatedAt) ?? isoTime(time) ?? time,
        severity,
        resolves: false,
        originalSeverity: `Security Hub ${label}`,
        title: finding.Title,
        message: finding.Description,
        service: 'security-hub',
        resource: listed.resources[0]?.id,
        ...(control ? { signal: control } : {}),
        ...(runbook ? { runbook } : {}),
        resources: listed.resources,
        facts: [...facts, ...listed.facts],
        links: [
          ...(source ? [{ label: `Finding in ${product}`, url: source }] : []),
          // The console's filter fragment for one finding is not documented, so the link opens the
          // region's findings and the alert names the finding's Id to search for.
          {
            label: 'Security Hub findings',
            url: `https://${region}.console.aws.amazon.com/securityhub/home?region=${region}#/findings`,
          },
        ],
      },
    };
  });
}

/** Only https links are shown as links: a finding's fields come from any integrated product. */
function httpsOrUndefined(url: string | undefined): string | undefined {
  return url !== undefined && /^https:\/\/\S+$/.test(url) ? url : undefined;
}
