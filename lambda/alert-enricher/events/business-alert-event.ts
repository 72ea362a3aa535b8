import {
  BUSINESS_ALERT_DETAIL_TYPE,
  businessAlertSourceProblem,
  readBusinessAlert,
} from '../../../constructs/contracts/business-alert';
import { type EventAlert, isoTime } from './event-alert';

/**
 * A business alert as EventBridge delivers it from the platform bus: the envelope of a custom event
 * ("Amazon EventBridge events", EventBridge User Guide eb-events-structure.html: version, id,
 * detail-type, source, account, time, region, resources, detail) with the workload's
 * {@link readBusinessAlert} alert as `detail`. A malformed one is rejected with every problem named,
 * to be dead-lettered whole: it is the workload's mistake, and its owner fixes it from that message.
 */
export type BusinessAlertEventReading =
  | { readonly ok: true; readonly event: EventAlert }
  | { readonly ok: false; readonly reason: string };

export function readBusinessAlertEvent(input: Record<string, unknown>): BusinessAlertEventReading {
  const problems: string[] = [];
  const text = (field: string): string | undefined => {
    const value = input[field];
    if (typeof value === 'string' && value.length > 0) return value;
    problems.push(`${field}: ${value === undefined ? 'is required' : 'must be non-empty text'}`);
    return undefined;
  };
  const id = text('id');
  const account = text('account');
  const region = text('region');
  const time = text('time');
  const sourceProblem = businessAlertSourceProblem(input.source);
  if (sourceProblem) problems.push(`source: ${sourceProblem}`);
  if (input['detail-type'] !== BUSINESS_ALERT_DETAIL_TYPE) {
    problems.push(`detail-type: must be "${BUSINESS_ALERT_DETAIL_TYPE}"`);
  }
  const reading = readBusinessAlert(input.detail);
  if (!reading.ok) {
    problems.push(
      ...reading.problems.map((problem) => (problem.startsWith('detail') ? problem : `detail.${problem}`)),
    );
  }
  const source = input.source as string;
  if (problems.length > 0 || !reading.ok || !id || !account || !region || !time) {
    const from = typeof input.source === 'string' ? ` from ${input.source}` : '';
    return { ok: false, reason: `Business Alert${from} rejected: ${problems.join('; ')}` };
  }
  const alert = reading.alert;
  return {
    ok: true,
    event: {
      kind: 'business',
      eventId: id,
      // The dedupe key is the workload's: scoped by its source, two workloads' keys never collide.
      key: `business/${source}/${alert.dedupeKey}`,
      source,
      detailType: BUSINESS_ALERT_DETAIL_TYPE,
      account,
      region,
      occurredAt: isoTime(time) ?? time,
      ...(alert.severity ? { severity: alert.severity } : {}),
      resolves: alert.resolved === true,
      originalSeverity: alert.severity ? `business alert ${alert.severity}` : 'business alert (resolution)',
      title: alert.title,
      message: alert.message,
      service: alert.service,
      ...(alert.runbook ? { runbook: alert.runbook } : {}),
      resources: [],
      facts: [
        { label: 'Source', value: source },
        { label: 'Dedupe key', value: alert.dedupeKey },
      ],
      links: [],
    },
  };
}
