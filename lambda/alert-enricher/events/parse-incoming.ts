import { BUSINESS_ALERT_DETAIL_TYPE } from '../../../constructs/contracts/business-alert';
import type { AlarmChange } from '../../shared/alarm-change';
import { parseAlarmEvent } from '../../shared/alarm-event';
import { readBusinessAlertEvent } from './business-alert-event';
import type { EventAlert } from './event-alert';
import { readGuardDutyFinding } from './guardduty-finding';
import { readHealthEvent } from './health-event';
import { readSecurityHubFindings } from './security-hub-finding';

/**
 * One item of an invocation, as the enricher handles it:
 * - `alarm`: an alarm state change (EventBridge or a classic SNS notification);
 * - `event`: a business alert, GuardDuty finding, Security Hub finding or AWS Health event;
 * - `rejected`: a business alert that breaks its schema: dead-lettered whole with the reason, since
 *   only the workload's owner can fix it;
 * - `unreadable`: anything else, an AWS event whose documented shape did not hold included: forwarded
 *   raw to a human, so nothing is lost.
 */
export type IncomingItem =
  | { readonly type: 'alarm'; readonly change: AlarmChange }
  | { readonly type: 'event'; readonly event: EventAlert }
  | { readonly type: 'rejected'; readonly reason: string; readonly raw: string }
  | { readonly type: 'unreadable'; readonly error: string; readonly raw: string };

/**
 * Reads an invocation by its `source` and `detail-type`, the two fields every EventBridge event has
 * and the rules match on. A business alert is any `Business Alert` whose source is not an AWS
 * service's (EventBridge refuses custom events with an `aws.` source, so such an event is not a
 * workload's). Everything else goes to the alarm parser, which reads alarm changes and SNS
 * notifications and turns the rest into unreadable items.
 */
export function parseIncoming(input: unknown): IncomingItem[] {
  if (isRecord(input) && !('Records' in input)) {
    const detailType = input['detail-type'];
    const source = input.source;
    const raw = () => rawText(input);
    if (source === 'aws.guardduty' && detailType === 'GuardDuty Finding') {
      const reading = readGuardDutyFinding(input);
      return [reading.ok ? { type: 'event', event: reading.event } : unreadable(reading.error, raw())];
    }
    if (source === 'aws.securityhub' && detailType === 'Security Hub Findings - Imported') {
      return readSecurityHubFindings(input).map((reading) =>
        reading.ok ? { type: 'event', event: reading.event } : unreadable(reading.error, raw()),
      );
    }
    if (source === 'aws.health' && detailType === 'AWS Health Event') {
      const reading = readHealthEvent(input);
      return [reading.ok ? { type: 'event', event: reading.event } : unreadable(reading.error, raw())];
    }
    if (
      detailType === BUSINESS_ALERT_DETAIL_TYPE &&
      !(typeof source === 'string' && source.startsWith('aws.'))
    ) {
      const reading = readBusinessAlertEvent(input);
      return [
        reading.ok
          ? { type: 'event', event: reading.event }
          : { type: 'rejected', reason: reading.reason, raw: raw() },
      ];
    }
  }
  return parseAlarmEvent(input).map((item) =>
    item.ok ? { type: 'alarm', change: item.change } : unreadable(item.error, item.raw),
  );
}

function unreadable(error: string, raw: string): IncomingItem {
  return { type: 'unreadable', error, raw };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The payload as received, for the dead letter or the unreadable alert. */
function rawText(input: unknown): string {
  try {
    return JSON.stringify(input) ?? String(input);
  } catch {
    return String(input);
  }
}
