import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  BUSINESS_ALERT_DETAIL_TYPE,
  type BusinessAlert,
  businessAlertSourceProblem,
  readBusinessAlert,
} from '../../constructs/contracts/business-alert';

/**
 * Puts a business alert on the environment's platform bus, for workload code:
 *
 * ```ts
 * const clients = createAwsClients();
 * await publishBusinessAlert(clients.eventBridge, {
 *   eventBusName: process.env.PLATFORM_BUS_NAME, // vigil-<env>-platform
 *   source: 'orders.alerts',
 *   alert: { severity: 'high', title: 'Card payments failing at the provider', message: '…',
 *            service: 'orders', dedupeKey: 'payments/provider-down' },
 * });
 * ```
 *
 * The alert is checked first with the same reader the enricher uses, so a mistake fails here, in the
 * workload, naming every bad field, instead of in the dead-letter queue. The caller's role needs
 * `events:PutEvents` on the bus.
 */
export interface PublishBusinessAlertOptions {
  /** The platform bus's name or ARN, `vigil-<env>-platform`. */
  readonly eventBusName: string;
  /** The event source, e.g. `orders.alerts`; not `aws.…`. */
  readonly source: string;
  readonly alert: BusinessAlert;
  /**
   * Most the PutEvents call may take, retries included; then it is aborted and this throws. An alert
   * that cannot be sent in this time is better reported by the workload's own error handling than
   * waited for. @default 3000 ms
   */
  readonly timeoutMs?: number;
  /** When the problem was seen. @default the time of the PutEvents call */
  readonly time?: Date;
}

/** The alert (or its source) breaks the business alert schema; `problems` names each bad field. */
export class InvalidBusinessAlertError extends Error {
  override readonly name = 'InvalidBusinessAlertError';

  constructor(readonly problems: readonly string[]) {
    super(`business alert not sent: ${problems.join('; ')}`);
  }
}

/** EventBridge took the request but not the entry (it answers per entry, with an error code). */
export class BusinessAlertNotAcceptedError extends Error {
  override readonly name = 'BusinessAlertNotAcceptedError';
}

/** PutEvents did not answer within the timeout. */
export class BusinessAlertTimeoutError extends Error {
  override readonly name = 'BusinessAlertTimeoutError';
}

const DEFAULT_TIMEOUT_MS = 3000;
/** "The maximum size for a PutEvents event entry is 256 KB" (PutEvents, EventBridge API Reference). */
const MAX_ENTRY_BYTES = 256 * 1024;

/** Sends one business alert; resolves with EventBridge's event id. */
export async function publishBusinessAlert(
  eventBridge: Pick<EventBridgeClient, 'send'>,
  options: PublishBusinessAlertOptions,
): Promise<string> {
  const problems: string[] = [];
  const sourceProblem = businessAlertSourceProblem(options.source);
  if (sourceProblem) problems.push(`source: ${sourceProblem}`);
  if (options.eventBusName.trim() === '') problems.push('eventBusName: is required');
  const reading = readBusinessAlert(options.alert);
  if (!reading.ok) problems.push(...reading.problems);
  if (problems.length > 0 || !reading.ok) throw new InvalidBusinessAlertError(problems);
  const detail = JSON.stringify(reading.alert);
  // PutEvents counts Source, DetailType, Detail and the rest of the entry; the fields' limits keep an
  // alert far below it, so this only guards against a change of those limits.
  const size =
    Buffer.byteLength(detail) + Buffer.byteLength(options.source) + BUSINESS_ALERT_DETAIL_TYPE.length;
  if (size > MAX_ENTRY_BYTES) {
    throw new InvalidBusinessAlertError([
      `detail: ${size} bytes, PutEvents takes at most ${MAX_ENTRY_BYTES}`,
    ]);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // Raced, not only aborted: a call that hangs may never look at its signal.
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new BusinessAlertTimeoutError(`PutEvents did not answer within ${timeoutMs} ms`));
      controller.abort();
    }, timeoutMs);
  });
  try {
    const output = await Promise.race([
      eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: options.eventBusName,
              Source: options.source,
              DetailType: BUSINESS_ALERT_DETAIL_TYPE,
              Detail: detail,
              ...(options.time ? { Time: options.time } : {}),
            },
          ],
        }),
        { abortSignal: controller.signal },
      ),
      timedOut,
    ]);
    const entry = output.Entries?.[0];
    if (entry?.EventId && !entry.ErrorCode) return entry.EventId;
    throw new BusinessAlertNotAcceptedError(
      `EventBridge did not accept the business alert: ${entry?.ErrorCode ?? 'no entry in the answer'}${
        entry?.ErrorMessage ? ` (${entry.ErrorMessage})` : ''
      }`,
    );
  } finally {
    clearTimeout(timer);
  }
}
