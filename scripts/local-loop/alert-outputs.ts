import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlertDelivery } from '../../lambda/alert-enricher/alert-delivery';
import type { EnrichedAlert } from '../../lambda/alert-enricher/enriched-alert';
import { toChatbotNotification } from '../../lambda/alert-enricher/formats/chatbot-notification';
import { toEmailText } from '../../lambda/alert-enricher/formats/email-text';
import { toPagerDutyEvent } from '../../lambda/alert-enricher/formats/pagerduty-event';
import { toStructuredAlert } from '../../lambda/alert-enricher/formats/structured-alert';

/**
 * Every alert the real enricher hands to its delivery, as it was handed over. The enricher builds its
 * delivery inside `buildAlertEnricher`, so the loop observes the one method all alerts go through
 * (and still calls it: delivery runs as deployed, against the SNS/SQS/Secrets stand-ins).
 */
export function captureDeliveredAlerts(onAlert: (alert: EnrichedAlert) => void): { restore(): void } {
  const original = AlertDelivery.prototype.deliver;
  AlertDelivery.prototype.deliver = function (this: AlertDelivery, alert, request) {
    onAlert(alert);
    return original.call(this, alert, request);
  };
  return {
    restore: () => {
      AlertDelivery.prototype.deliver = original;
    },
  };
}

/**
 * Writes an alert in the four formats a person or tool receives it in: email text, the chat
 * (AWS Chatbot) notification, the PagerDuty event, the structured JSON. Chat and PagerDuty are
 * rendered even when this environment routes the severity to neither, so every format can be read.
 */
export function writeAlertFormats(folder: string, index: number, alert: EnrichedAlert): string {
  const base = path.join(folder, `alert-${String(index).padStart(2, '0')}-${alert.state.toLowerCase()}`);
  const email = toEmailText(alert);
  fs.writeFileSync(`${base}.email.txt`, `Subject: ${email.subject}\n\n${email.body}\n`);
  fs.writeFileSync(`${base}.chat.json`, `${JSON.stringify(toChatbotNotification(alert), null, 2)}\n`);
  fs.writeFileSync(
    `${base}.pagerduty.json`,
    `${JSON.stringify(toPagerDutyEvent(alert, 'local-loop-routing-key') ?? null, null, 2)}\n`,
  );
  fs.writeFileSync(`${base}.structured.json`, `${JSON.stringify(toStructuredAlert(alert), null, 2)}\n`);
  return `${base}.email.txt`;
}
