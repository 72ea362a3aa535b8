import '../support/test-environment';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { parseIncoming } from '../../../lambda/alert-enricher/events/parse-incoming';
import {
  BusinessAlertNotAcceptedError,
  BusinessAlertTimeoutError,
  InvalidBusinessAlertError,
  publishBusinessAlert,
} from '../../../lambda/shared/business-alert';

const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'eu-west-1' });
beforeEach(() => eventBridge.reset());

const ALERT = {
  severity: 'high',
  title: 'Card payments failing at the provider',
  message: '38 of the last 50 card payments were declined.',
  service: 'orders',
  dedupeKey: 'payments/provider-down',
} as const;

const options = { eventBusName: 'vigil-dev-platform', source: 'orders.alerts', alert: ALERT };

describe('publishBusinessAlert', () => {
  it('puts one Business Alert entry on the platform bus and returns its event id', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
    const time = new Date('2026-12-07T03:00:00Z');
    await expect(publishBusinessAlert(client, { ...options, time })).resolves.toBe('evt-1');
    const [call, ...more] = eventBridge.commandCalls(PutEventsCommand);
    expect(more).toEqual([]);
    expect(call?.args[0].input.Entries).toEqual([
      {
        EventBusName: 'vigil-dev-platform',
        Source: 'orders.alerts',
        DetailType: 'Business Alert',
        Detail: JSON.stringify(ALERT),
        Time: time,
      },
    ]);
  });

  it('sends what the enricher reads as a business alert, once EventBridge has wrapped it', async () => {
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'evt-2' }] });
    await publishBusinessAlert(client, options);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input
      .Entries?.[0] as PutEventsRequestEntry;
    // The envelope EventBridge puts around an entry ("AWS service event metadata", EventBridge User Guide).
    const delivered = {
      version: '0',
      id: 'evt-2',
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '111122223333',
      time: '2026-12-07T03:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: JSON.parse(entry.Detail ?? 'null'),
    };
    expect(parseIncoming(delivered)).toEqual([
      expect.objectContaining({
        type: 'event',
        event: expect.objectContaining({
          kind: 'business',
          key: 'business/orders.alerts/payments/provider-down',
          severity: 'high',
        }),
      }),
    ]);
  });

  it('refuses an invalid alert before calling EventBridge, naming every bad field', async () => {
    const bad = { ...ALERT, severity: 'urgent', dedupeKey: 'has space' } as unknown as typeof ALERT;
    const attempt = publishBusinessAlert(client, { ...options, source: 'aws.orders', alert: bad });
    await expect(attempt).rejects.toThrow(InvalidBusinessAlertError);
    await expect(attempt).rejects.toThrow(
      'business alert not sent: source: must not start with "aws." (reserved for AWS services); ' +
        'severity: must be one of critical, high, warning, info; dedupeKey: must be printable ASCII without spaces',
    );
    expect(eventBridge.commandCalls(PutEventsCommand)).toEqual([]);
  });

  it('says so when EventBridge refuses the entry', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'not authorized' }],
    });
    await expect(publishBusinessAlert(client, options)).rejects.toThrow(
      new BusinessAlertNotAcceptedError(
        'EventBridge did not accept the business alert: NotAuthorizedForSourceException (not authorized)',
      ),
    );
  });

  it('gives up when PutEvents does not answer within the timeout', async () => {
    eventBridge.on(PutEventsCommand).callsFake(() => new Promise(() => {}));
    const started = Date.now();
    await expect(publishBusinessAlert(client, { ...options, timeoutMs: 50 })).rejects.toThrow(
      new BusinessAlertTimeoutError('PutEvents did not answer within 50 ms'),
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
