import { oneLine, snsSubject } from '../../shared/message-text';
import type { EnrichedAlert } from '../enriched-alert';
import { toEmailText } from './email-text';
import { fitToSize } from './fit-to-size';
import { toStructuredAlert } from './structured-alert';

/** SNS refuses a publish whose message, subject and attributes together exceed this. */
export const SNS_MAX_BYTES = 262_144;

interface StringAttribute {
  readonly DataType: 'String';
  readonly StringValue: string;
}

/** The parameters of one Publish to the severity's topic, the topic ARN aside. */
export interface SnsMessage {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageStructure: 'json';
  readonly MessageAttributes: Readonly<Record<string, StringAttribute>>;
}

/**
 * One publish serving every kind of subscriber: email gets the plain text, everything else
 * (email-json, HTTPS, SQS, Lambda) the structured JSON. The attributes let a subscription filter
 * by severity, service, state, notification kind or alarm without parsing the body. The alert is
 * trimmed to the publish limit, measured on the whole publish as rendered.
 */
export function toSnsMessage(alert: EnrichedAlert): SnsMessage {
  const render = (candidate: EnrichedAlert) => countedText(snsMessage(candidate));
  return snsMessage(fitToSize(alert, render, SNS_MAX_BYTES));
}

function snsMessage(alert: EnrichedAlert): SnsMessage {
  const email = toEmailText(alert);
  const structured = JSON.stringify(toStructuredAlert(alert));
  return {
    Subject: snsSubject(email.subject),
    Message: JSON.stringify({
      default: structured,
      email: email.body,
      'email-json': structured,
      https: structured,
      sqs: structured,
      lambda: structured,
    }),
    MessageStructure: 'json',
    MessageAttributes: attributes(alert),
  };
}

/** What SNS counts against its limit: the message, the subject, and each attribute's name, type and value. */
function countedText(message: SnsMessage): string {
  const attributes = Object.entries(message.MessageAttributes).flatMap(([name, attribute]) => [
    name,
    attribute.DataType,
    attribute.StringValue,
  ]);
  return [message.Message, message.Subject, ...attributes].join('');
}

function attributes(alert: EnrichedAlert): Record<string, StringAttribute> {
  const values: Record<string, string> = {
    severity: alert.severity,
    service: alert.service,
    state: alert.state,
    notification: alert.notification,
    alarm: alert.alarm.name,
    // Only on a change whose actions CloudWatch suppressed, so a subscription that should stay quiet
    // for it (an SMS one) can filter on `{"actionsSuppressedBy": [{"exists": false}]}`.
    actionsSuppressedBy: alert.actionsSuppressed?.by ?? '',
  };
  // SNS refuses an attribute with an empty value (an unparseable event has no alarm name); an empty one
  // is left out.
  return Object.fromEntries(
    Object.entries(values)
      .map(([name, value]) => [name, oneLine(value)] as const)
      .filter(([, value]) => value !== '')
      .map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
}
