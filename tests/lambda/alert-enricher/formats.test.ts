import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { AlarmSeverity } from '../../../constructs/contracts/alarm-severity';
import {
  type EnrichedAlert,
  type RawEventCopy,
  UNREADABLE_EPISODE_ID,
} from '../../../lambda/alert-enricher/enriched-alert';
import { toChatbotNotification } from '../../../lambda/alert-enricher/formats/chatbot-notification';
import { measurement, toEmailText } from '../../../lambda/alert-enricher/formats/email-text';
import { fitToSize } from '../../../lambda/alert-enricher/formats/fit-to-size';
import {
  PAGERDUTY_MAX_BYTES,
  type PagerDutyTrigger,
  pagerDutyAction,
  toPagerDutyEvent,
} from '../../../lambda/alert-enricher/formats/pagerduty-event';
import {
  SNS_MAX_BYTES,
  type SnsMessage,
  toSnsMessage,
} from '../../../lambda/alert-enricher/formats/sns-message';
import { toStructuredAlert } from '../../../lambda/alert-enricher/formats/structured-alert';
import type { ActionsSuppression } from '../../../lambda/shared/alarm-change';
import { parseAlarmEvent } from '../../../lambda/shared/alarm-event';
import { truncateText } from '../../../lambda/shared/message-text';
import { stateChange } from '../../fixtures/aws/alarm-events';
import {
  ALARM_ARN,
  compositeAlert,
  criticalErrorsAlert,
  EPISODE_ID,
  flappingAlert,
  outsideAlert,
  resolvedAlert,
  unparseableAlert,
} from './support/alerts';

const ROUTING_KEY = 'R0UT1NGKEY0000000000000000000000';

/** What SNS counts against its 256 KiB: message, subject, attribute names, types and values. */
function publishBytes(message: SnsMessage): number {
  const attributes = Object.entries(message.MessageAttributes).map(
    ([name, attribute]) => name + attribute.DataType + attribute.StringValue,
  );
  return Buffer.byteLength(message.Message + message.Subject + attributes.join(''));
}

function trigger(alert: EnrichedAlert): PagerDutyTrigger {
  const event = toPagerDutyEvent(alert, ROUTING_KEY);
  if (event?.event_action !== 'trigger') throw new Error('expected a trigger event');
  return event;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The representative alert rendered in every format, compared with the files in `golden/`. After an
 * intended change, rewrite them and format the JSON the way the repository does:
 *   UPDATE_GOLDEN=1 npx jest tests/lambda/alert-enricher/formats.test.ts
 *   npx biome format --write tests/lambda/alert-enricher/golden
 * then read the diff as the on-call engineer would before committing it. JSON files are compared
 * by value, so their formatting is free; the email is compared character for character.
 */
describe('golden files for the representative alert', () => {
  const golden = path.join(__dirname, 'golden');
  const update = process.env.UPDATE_GOLDEN === '1';
  const write = (file: string, text: string) => {
    mkdirSync(golden, { recursive: true });
    writeFileSync(path.join(golden, file), text);
  };
  const read = (file: string) => readFileSync(path.join(golden, file), 'utf8');
  const expectGoldenJson = (file: string, actual: unknown) => {
    if (update) write(file, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(read(file)));
  };

  it('email.txt: subject, blank line, body', () => {
    const email = toEmailText(criticalErrorsAlert());
    const text = `${email.subject}\n\n${email.body}`;
    if (update) write('email.txt', text);
    expect(text).toBe(read('email.txt'));
  });

  it('chatbot.json', () => {
    expectGoldenJson('chatbot.json', toChatbotNotification(criticalErrorsAlert()));
  });

  it('pagerduty.json', () => {
    expectGoldenJson('pagerduty.json', toPagerDutyEvent(criticalErrorsAlert(), ROUTING_KEY));
  });

  it('structured.json', () => {
    expectGoldenJson('structured.json', toStructuredAlert(criticalErrorsAlert()));
  });
});

describe('toEmailText', () => {
  it('says what broke, how badly and since when in the first three lines', () => {
    const [what, howBadly, since] = toEmailText(criticalErrorsAlert()).body.split('\n');
    expect(what).toBe(
      'What broke: Prediction requests are failing: the API function throws errors and callers get 5XX answers.',
    );
    expect(howBadly).toContain('37 vs threshold 5 (7.4x)');
    expect(since).toContain('03:12 UTC on 2026-11-23');
  });

  it.each([
    ['resolved', resolvedAlert(), '[RESOLVED] OK predictor/api errors: '],
    ['flapping', flappingAlert(), '[FLAPPING] CRITICAL predictor/api errors: '],
    ['alarm', criticalErrorsAlert(), '[CRITICAL] ALARM predictor/api errors: '],
    ['reopened', { ...criticalErrorsAlert(), notification: 'reopened' as const }, '[CRITICAL] ALARM AGAIN '],
    [
      'no-data',
      { ...criticalErrorsAlert(), notification: 'no-data' as const, severity: 'info' as const },
      '[INFO] NO DATA predictor/api errors: ',
    ],
  ])('starts the subject of a %s alert with its kind', (_kind, alert, start) => {
    expect(toEmailText(alert).subject.startsWith(start)).toBe(true);
  });

  it.each([
    [
      'dry-run',
      { playbook: 'lambda-alias-rollback', policy: { mode: 'dry-run', approval: true } },
      'Playbook lambda-alias-rollback runs in dry-run: it records what it would do and changes nothing.',
      'dry-run',
    ],
    [
      'enforced',
      { playbook: 'lambda-alias-rollback', policy: { mode: 'enforce', approval: false } },
      'Playbook lambda-alias-rollback runs enforced: it acts on this alarm by itself.',
      'enforce',
    ],
    [
      'enforced after approval',
      { playbook: 'lambda-alias-rollback', policy: { mode: 'enforce', approval: true } },
      'Playbook lambda-alias-rollback asks for approval in this thread before it acts: nothing changes until someone approves.',
      'approval',
    ],
    [
      'not deployed here',
      { playbook: 'lambda-concurrency' },
      'Playbook lambda-concurrency is not deployed in this environment: nothing fixes this automatically.',
      'not-deployed',
    ],
  ] as const)('says what the %s playbook will do, in every format', (_case, remediation, line, chatMode) => {
    const alert: EnrichedAlert = { ...criticalErrorsAlert(), remediation };
    expect(toEmailText(alert).body).toContain(line);
    expect(JSON.stringify(toPagerDutyEvent(alert, 'routing-key'))).toContain(line);
    expect(toChatbotNotification(alert).metadata?.additionalContext).toMatchObject({
      remediationMode: chatMode,
    });
    expect(toStructuredAlert(alert).remediation).toEqual({
      playbook: remediation.playbook,
      mode: 'policy' in remediation ? remediation.policy.mode : null,
      approval: 'policy' in remediation ? remediation.policy.approval : false,
    });
  });

  it('names a composite alarm’s children in ALARM as the measure of how bad it is', () => {
    const body = toEmailText(compositeAlert()).body;
    expect(body).toContain(
      'How badly: 2 child alarms in ALARM: vigil-predictor-api-errors, vigil-predictor-api-p99-duration.',
    );
    expect(body).toContain(
      'CHILD ALARMS\n- vigil-predictor-api-errors (ALARM): Prediction requests are failing.',
    );
    expect(body).toContain('No playbook: nothing fixes this automatically.');
  });

  it('forwards an unreadable event as received and says it could not be read', () => {
    const alert = unparseableAlert();
    const { subject, body } = toEmailText(alert);
    expect(subject).toMatch(/^\[HIGH\] UNREADABLE EVENT: /);
    expect(body).toMatch(/^What broke: Vigil received an alarm event it could not read/);
    expect(body).toContain(`RAW EVENT\n${alert.rawEvent}\n`);
  });

  it('reads an outside alarm from what CloudWatch said, with no runbook and the missing tags named', () => {
    const body = toEmailText(outsideAlert()).body;
    expect(body).toContain('How badly: Threshold Crossed: 1 out of the last 1 datapoints [93.2');
    expect(body.split('\n')[3]).toBe(
      'Runbook: none linked to this alarm; start from the console links below.',
    );
    expect(body).toContain('Not included: tags (AccessDenied: not allowed to read tags in this account)');
  });

  it('keeps the subject within 100 characters for a long name and summary, cutting with an ellipsis', () => {
    const alert = {
      ...criticalErrorsAlert(),
      resource: 'résumé-ingest-😀'.repeat(10),
      summary: 'é'.repeat(300),
    };
    const { subject } = toEmailText(alert);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject.endsWith('…')).toBe(true);
    expect(subject).not.toMatch(LONE_SURROGATE);
  });

  it('keeps any subject within 100 characters on one line, never splitting a surrogate pair', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        (name, summary) => {
          const alert = {
            ...criticalErrorsAlert(),
            resource: undefined,
            alarm: { ...criticalErrorsAlert().alarm, name },
            summary,
          };
          const { subject } = toEmailText(alert);
          expect(subject.length).toBeLessThanOrEqual(100);
          expect(subject).not.toMatch(LONE_SURROGATE);
          expect(subject).not.toMatch(/[\r\n]/);
        },
      ),
    );
  });
});

describe('how badly: the values CloudWatch evaluated are the headline', () => {
  /** The p99 alarm seconds after its change: CloudWatch evaluated 7210, 8433, 9874; 03:10 is still running. */
  const p99Alert = (): EnrichedAlert => ({
    ...criticalErrorsAlert(),
    signal: 'p99-duration',
    reason:
      'Threshold Crossed: 2 out of the last 3 datapoints [9874.0 (23/11/26 03:05:00), 8433.0 (23/11/26 03:00:00)] ' +
      'were greater than or equal to the threshold (8000.0) (minimum 2 datapoints for OK -> ALARM transition).',
    evaluation: { datapoints: [7210, 8433, 9874], threshold: 8000, breaches: 'at-or-above' },
    context: {
      ...criticalErrorsAlert().context,
      breach: {
        label: 'Duration (p99, 5 min)',
        period: 300,
        threshold: 8000,
        datapoints: [
          { timestamp: '2026-11-23T02:55:00.000Z', value: 7210 },
          { timestamp: '2026-11-23T03:00:00.000Z', value: 8433 },
          { timestamp: '2026-11-23T03:05:00.000Z', value: 9874 },
          { timestamp: '2026-11-23T03:10:00.000Z', value: 6205 },
        ],
      },
    },
  });

  it('reads the worst evaluated value, not the newest GetMetricData point, in every format', () => {
    const alert = p99Alert();
    const [, howBadly, , , trend] = toEmailText(alert).body.split('\n');
    expect(howBadly).toBe(
      'How badly: 9874 vs threshold 8000 (1.2x) in Duration (p99, 5 min); evaluated: 8433, 9874 (2 of 3 periods).',
    );
    expect(trend).toBe(
      'Trend, 02:55 to 03:10 UTC, oldest first: 7210, 8433, 9874, 6205 (the last period had not ended at the change)',
    );
    expect(toChatbotNotification(alert).metadata.summary).toBe(
      '[CRITICAL] ALARM predictor/api p99-duration: 9874 vs threshold 8000 (1.2x); evaluated: 8433, 9874 (2 of 3 periods)',
    );
    expect(trigger(alert).payload.summary).toMatch(
      /^\[CRITICAL\] ALARM predictor\/api p99-duration: 9874 vs threshold 8000 \(1\.2x\); evaluated: 8433, 9874 \(2 of 3 periods\)\. /,
    );
    for (const headline of [howBadly, toEmailText(alert).subject, trigger(alert).payload.summary]) {
      expect(headline).not.toContain('6205');
    }
  });

  it('after the alarm, says the latest evaluated value', () => {
    const alert: EnrichedAlert = {
      ...p99Alert(),
      notification: 'resolved',
      state: 'OK',
      previousState: 'ALARM',
      evaluation: { datapoints: [8433, 7100, 5200], threshold: 8000, breaches: 'at-or-above' },
    };
    expect(toEmailText(alert).body.split('\n')[1]).toBe(
      'Now: 5200 vs threshold 8000 in Duration (p99, 5 min); evaluated: 8433, 7100, 5200 (3 periods, newest last).',
    );
  });

  it('a lower-threshold alarm reads its lowest breaching value', () => {
    const alert: EnrichedAlert = {
      ...criticalErrorsAlert(),
      evaluation: { datapoints: [3, 0, 1], threshold: 5, breaches: 'below' },
    };
    expect(measurement(alert)).toBe('0 vs threshold 5; evaluated: 3, 0, 1 (3 of 3 periods)');
  });

  it('an anomaly alarm reads the value farthest outside its own band', () => {
    const alert: EnrichedAlert = {
      ...criticalErrorsAlert(),
      evaluation: {
        datapoints: [0.3, 0.61, 0.4],
        lowerThresholds: [0.18, 0.19, 0.2],
        upperThresholds: [0.34, 0.35, 0.36],
        breaches: 'outside-band',
      },
    };
    expect(measurement(alert)).toBe(
      '0.61, outside the expected band 0.19 to 0.35; evaluated: 0.61, 0.4 (2 of 3 periods)',
    );
  });

  it('without the comparison, lists every evaluated value and reads the latest', () => {
    const alert: EnrichedAlert = {
      ...p99Alert(),
      evaluation: { datapoints: [7210, 8433, 9874], threshold: 8000 },
    };
    expect(measurement(alert)).toBe(
      '9874 vs threshold 8000 (1.2x); evaluated: 7210, 8433, 9874 (3 periods, newest last)',
    );
  });

  it('shows a ratio of one as a percentage, values and threshold alike', () => {
    const alert: EnrichedAlert = {
      ...criticalErrorsAlert(),
      signal: 'error-ratio',
      valueUnit: 'fraction',
      evaluation: { datapoints: [0.0092, 0.071, 0.083], threshold: 0.05, breaches: 'above' },
      context: {
        ...criticalErrorsAlert().context,
        breach: {
          label: 'Error ratio',
          period: 300,
          threshold: 0.05,
          datapoints: [
            { timestamp: '2026-11-23T03:00:00.000Z', value: 0.071 },
            { timestamp: '2026-11-23T03:05:00.000Z', value: 0.083 },
          ],
        },
      },
    };
    const [, howBadly, , , trend] = toEmailText(alert).body.split('\n');
    expect(howBadly).toBe(
      'How badly: 8.3% vs threshold 5% (1.7x) in Error ratio; evaluated: 7.1%, 8.3% (2 of 3 periods).',
    );
    expect(trend).toBe('Trend, 03:00 to 03:05 UTC, oldest first: 7.1%, 8.3%');
    const resolved: EnrichedAlert = {
      ...alert,
      notification: 'resolved',
      state: 'OK',
      evaluation: { datapoints: [0.071, 0.0092], threshold: 0.05, breaches: 'above' },
    };
    expect(measurement(resolved)).toBe(
      '0.92% vs threshold 5%; evaluated: 7.1%, 0.92% (2 periods, newest last)',
    );
    expect(measurement({ ...resolved, valueUnit: 'percent' })).toBe(
      '0.0092% vs threshold 0.05%; evaluated: 0.071%, 0.0092% (2 periods, newest last)',
    );
    expect(measurement({ ...resolved, valueUnit: undefined })).toBe(
      '0.0092 vs threshold 0.05; evaluated: 0.071, 0.0092 (2 periods, newest last)',
    );
  });

  it('without evaluated values, stands in the newest complete period and says it is not the evaluated one', () => {
    const alert: EnrichedAlert = { ...p99Alert(), evaluation: undefined };
    expect(toEmailText(alert).body.split('\n')[1]).toBe(
      "How badly: 9874 vs threshold 8000 (1.2x) in Duration (p99, 5 min); GetMetricData's newest complete period " +
        '(from 03:05 UTC), not necessarily what CloudWatch evaluated: the event carried no evaluated datapoints.',
    );
    expect(measurement(alert)).toBe(
      '9874 vs threshold 8000 (1.2x); newest complete period from GetMetricData, not the evaluated values',
    );
  });

  it('lists only the newest evaluated values of a long evaluation range', () => {
    const alert: EnrichedAlert = {
      ...criticalErrorsAlert(),
      evaluation: {
        datapoints: Array.from({ length: 20 }, (_, i) => 10 + i),
        threshold: 5,
        breaches: 'above',
      },
    };
    expect(measurement(alert)).toBe(
      '29 vs threshold 5 (5.8x); evaluated: …, 24, 25, 26, 27, 28, 29 (20 of 20 periods)',
    );
  });
});

describe('toSnsMessage', () => {
  it('sends the email body to email and the structured alert to every other protocol', () => {
    const alert = criticalErrorsAlert();
    const message = toSnsMessage(alert);
    const bodies = JSON.parse(message.Message) as Record<string, string>;
    expect(message.MessageStructure).toBe('json');
    expect(bodies.email).toBe(toEmailText(alert).body);
    for (const protocol of ['default', 'email-json', 'https', 'sqs', 'lambda']) {
      expect(JSON.parse(bodies[protocol] ?? '')).toEqual(toStructuredAlert(alert));
    }
    expect(message.Subject).toBe(
      '[CRITICAL] ALARM predictor/api errors: Prediction requests are failing: the API function throws...',
    );
  });

  it('sets the attributes subscribers filter on', () => {
    expect(toSnsMessage(criticalErrorsAlert()).MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'critical' },
      service: { DataType: 'String', StringValue: 'predictor' },
      state: { DataType: 'String', StringValue: 'ALARM' },
      notification: { DataType: 'String', StringValue: 'alarm' },
      alarm: { DataType: 'String', StringValue: 'vigil-predictor-api-errors' },
    });
  });

  it('leaves out an attribute SNS would refuse for being empty', () => {
    expect(toSnsMessage(unparseableAlert()).MessageAttributes.alarm?.StringValue).toBe('unparseable-event');
    const nameless = { ...unparseableAlert(), alarm: { ...unparseableAlert().alarm, name: '' } };
    expect(Object.keys(toSnsMessage(nameless).MessageAttributes)).not.toContain('alarm');
  });

  it('drops accents and replaces other non-ASCII in the subject, which SNS requires to be printable ASCII', () => {
    const alert = { ...criticalErrorsAlert(), summary: 'Prédictions échouent 😀 — 予測' };
    expect(toSnsMessage(alert).Subject).toBe(
      '[CRITICAL] ALARM predictor/api errors: Predictions echouent ? ? ??',
    );
  });

  it('keeps any subject printable ASCII, on one line and under 100 characters', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        (name, summary) => {
          const alert = {
            ...criticalErrorsAlert(),
            resource: undefined,
            alarm: { ...criticalErrorsAlert().alarm, name },
            summary,
          };
          expect(toSnsMessage(alert).Subject).toMatch(/^[\x21-\x7E][\x20-\x7E]{0,98}$/);
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** The suppression of AWS's documented composite sample, as the parser reads it. */
function documentedSuppression(): ActionsSuppression {
  const [item] = parseAlarmEvent(stateChange('compositeAlarmWithSuppressor'));
  if (!item?.ok || item.change.actionsSuppressed === undefined) throw new Error('sample has a suppression');
  return item.change.actionsSuppressed;
}

/** Every human format's text of an alert, and the structured one. */
function everyFormat(alert: EnrichedAlert) {
  const email = toEmailText(alert);
  const chat = toChatbotNotification(alert);
  return {
    email,
    chat,
    structured: toStructuredAlert(alert),
    sns: toSnsMessage(alert),
    pagerDuty: toPagerDutyEvent(alert, ROUTING_KEY),
  };
}

describe('ALARM → INSUFFICIENT_DATA: no data on the open episode’s thread', () => {
  const stopped = (): EnrichedAlert => ({
    ...criticalErrorsAlert(),
    notification: 'no-data',
    state: 'INSUFFICIENT_DATA',
    previousState: 'ALARM',
    changedAt: '2026-11-23T03:30:00.000Z',
    reason:
      'Insufficient Data: 2 datapoints were unknown. (minimum 2 datapoints for ALARM -> INSUFFICIENT_DATA transition).',
    evaluation: undefined,
    episode: { ...criticalErrorsAlert().episode, transitions: 2 },
  });

  it('is said as the alarm going blind while alarming, never as a recovery, in every format', () => {
    const { email, chat, structured, sns } = everyFormat(stopped());
    expect(email.subject).toBe(
      '[NO DATA] predictor/api errors: stopped reporting in ALARM; the page stays open until OK',
    );
    const [what, why, since] = email.body.split('\n');
    expect(what).toMatch(/^Stopped reporting: predictor\/api errors has no data to evaluate while in ALARM/);
    expect(why).toMatch(/^Why: Insufficient Data: 2 datapoints were unknown/);
    expect(since).toBe(
      'Since: 03:30 UTC on 2026-11-23; the episode opened 03:12 UTC stays open, and its page with it, until the alarm reports OK.',
    );
    for (const text of [
      email.subject,
      email.body,
      chat.content.title,
      chat.content.description,
      structured.title,
    ]) {
      expect(text).not.toMatch(/RESOLVED|Recovered|NO DATA again/);
    }
    expect(chat.metadata.threadId).toBe(EPISODE_ID);
    expect(chat.metadata.eventType).toBe('no-data');
    expect(sns.MessageAttributes.notification?.StringValue).toBe('no-data');
  });

  it('does nothing in PagerDuty: the incident stays open, and a trigger could open a new one', () => {
    expect(pagerDutyAction(stopped())).toEqual({
      action: 'none',
      reason: 'no data while in ALARM: the open incident stays as it is',
    });
    expect(toPagerDutyEvent(stopped(), ROUTING_KEY)).toBeUndefined();
  });

  it('no data outside an episode is still the plain notice, and pages as before', () => {
    const notice: EnrichedAlert = { ...stopped(), previousState: 'OK', severity: 'info' };
    expect(toEmailText(notice).subject).toMatch(
      /^\[INFO\] NO DATA predictor\/api errors: Prediction requests/,
    );
    expect(pagerDutyAction(notice)).toEqual({ action: 'trigger' });
  });

  it('resolved by a no-data policy says it was closed, not recovered, and resolves the incident', () => {
    const closed: EnrichedAlert = { ...stopped(), notification: 'resolved' };
    const { email } = everyFormat(closed);
    expect(email.subject).toBe(
      '[RESOLVED] NO DATA predictor/api errors: stopped reporting; closed by policy, not recovered',
    );
    expect(email.body).toMatch(/^Closed, not recovered: predictor\/api errors has no data to evaluate/);
    expect(email.body).not.toMatch(/Recovered:/);
    expect(toPagerDutyEvent(closed, ROUTING_KEY)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: EPISODE_ID,
    });
  });
});

describe('a composite whose actions CloudWatch suppressed (documented sample)', () => {
  const suppressed = (): EnrichedAlert => ({
    ...compositeAlert(),
    actionsSuppressed: documentedSuppression(),
  });
  const line =
    "Actions suppressed by WaitPeriod: CloudWatch holds this alarm's actions up to 120 s while it waits for " +
    'suppressor alarm ServiceMaintenanceAlarm to go into ALARM, and acts after that unless it did.';

  it('says so first, in every format', () => {
    const { email, chat, structured, sns } = everyFormat(suppressed());
    expect(email.subject).toMatch(/^\[SUPPRESSED\] \[CRITICAL\] ALARM predictor\/api degraded: /);
    expect(email.body.startsWith(line)).toBe(true);
    expect(email.body.split('\n')[0]).toContain(
      'Vigil gets no event when the wait ends: if the suppressor is still OK by then, this is a live ALARM. ' +
        'Vigil pages no one for this change; the topic and chat get it.',
    );
    expect(email.body.split('\n')[1]).toMatch(/^What broke: /);
    expect(chat.content.title).toMatch(/^\[SUPPRESSED\] /);
    expect(chat.content.description.startsWith(`*${line.replace(':', ':*')}`)).toBe(true);
    expect(chat.metadata.additionalContext.actionsSuppressedBy).toBe('WaitPeriod');
    expect(structured.actionsSuppressed).toEqual({
      by: 'WaitPeriod',
      reason: 'Actions suppressed by WaitPeriod',
      suppressor: 'ServiceMaintenanceAlarm',
      waitPeriodSeconds: 120,
      extensionPeriodSeconds: 180,
    });
    expect(sns.MessageAttributes.actionsSuppressedBy?.StringValue).toBe('WaitPeriod');
    expect(toSnsMessage(compositeAlert()).MessageAttributes).not.toHaveProperty('actionsSuppressedBy');
  });

  it('keeps a reason that says more than the value, and explains each documented value', () => {
    const by = (suppression: Partial<ActionsSuppression>) =>
      toEmailText({
        ...suppressed(),
        actionsSuppressed: { ...documentedSuppression(), ...suppression },
      }).body.split('\n')[0];
    expect(by({ by: 'Alarm', reason: 'Maintenance window' })).toMatch(
      /^Actions suppressed by Alarm: Maintenance window\. CloudWatch takes none of this alarm's actions while suppressor alarm ServiceMaintenanceAlarm is in ALARM\./,
    );
    expect(by({ by: 'ExtensionPeriod', reason: 'Actions suppressed by ExtensionPeriod' })).toMatch(
      /^Actions suppressed by ExtensionPeriod: CloudWatch holds this alarm's actions up to 180 s after suppressor alarm ServiceMaintenanceAlarm left ALARM/,
    );
  });

  it('pages no one, but a resolve still closes an incident paged before the suppression', () => {
    expect(pagerDutyAction(suppressed())).toEqual({
      action: 'none',
      reason: 'actions suppressed by WaitPeriod',
    });
    expect(toPagerDutyEvent(suppressed(), ROUTING_KEY)).toBeUndefined();
    const resolved: EnrichedAlert = {
      ...suppressed(),
      notification: 'resolved',
      state: 'OK',
      previousState: 'ALARM',
    };
    expect(toPagerDutyEvent(resolved, ROUTING_KEY)?.event_action).toBe('resolve');
  });
});

describe('an unreadable event', () => {
  const stored: RawEventCopy = {
    stored: true,
    bytes: 262_157,
    bucket: 'vigil-dev-alert-artifacts',
    key: 'unreadable/2026-11-23/5d41402abc4b2a76b9719d911017c592.json',
    url: 'https://vigil-dev-alert-artifacts.s3.eu-west-1.amazonaws.com/unreadable/2026-11-23/5d41.json?X-Amz-Signature=ab',
    expiresAt: '2026-11-23T04:12:04.512Z',
  };
  const withCopy = (copy: RawEventCopy): EnrichedAlert => ({
    ...unparseableAlert(),
    rawEventCopy: copy,
    links: copy.stored ? [{ label: 'Whole event', url: copy.url }] : [],
  });

  it('links its stored copy in every format', () => {
    const alert = withCopy(stored);
    const { email, chat, structured } = everyFormat(alert);
    expect(email.body.split('\n')[3]).toBe(
      `Whole event (262157 bytes, s3://vigil-dev-alert-artifacts/${stored.key}; link works until 04:12 UTC): ${stored.url}`,
    );
    expect(chat.content.nextSteps).toEqual([`Whole event (link works until 04:12 UTC): ${stored.url}`]);
    expect(trigger(alert).links).toEqual([{ href: stored.url, text: 'Whole event' }]);
    expect(trigger(alert).payload.custom_details.raw_event_copy).toContain(stored.url);
    expect(structured.rawEventCopy).toEqual({ ...stored, error: null });
  });

  it('says when no copy could be stored', () => {
    const alert = withCopy({ stored: false, bytes: 262_157, error: 'AccessDenied: Access Denied' });
    expect(toEmailText(alert).body.split('\n')[3]).toBe(
      'Whole event (262157 bytes) NOT stored: AccessDenied: Access Denied. What this alert carries is all there is, and a channel that cut it says so.',
    );
    expect(toStructuredAlert(alert).rawEventCopy).toEqual({
      stored: false,
      bytes: 262_157,
      bucket: null,
      key: null,
      url: null,
      expiresAt: null,
      error: 'AccessDenied: Access Denied',
    });
  });

  it('cut to fit a channel, points to the stored copy', () => {
    const alert = { ...withCopy(stored), rawEvent: JSON.stringify({ detail: 'r'.repeat(256 * 1024) }) };
    const structured = JSON.parse(JSON.parse(toSnsMessage(alert).Message).default);
    expect(structured.rawEvent).toMatch(/; the whole event is in the stored copy linked above\]$/);
  });

  it('every unreadable event pages on one dedup key, so they group into one incident', () => {
    expect(trigger(unparseableAlert()).dedup_key).toBe(UNREADABLE_EPISODE_ID);
    expect(trigger({ ...unparseableAlert(), rawEvent: 'something else' }).dedup_key).toBe(
      UNREADABLE_EPISODE_ID,
    );
  });
});

describe('the runbook comes right after what, how badly and since', () => {
  it('is the fourth line of the email, and the second detail of the incident', () => {
    expect(toEmailText(criticalErrorsAlert()).body.split('\n')[3]).toBe(
      'Runbook: https://runbooks.example.com/vigil/lambda-errors',
    );
    expect(Object.keys(trigger(criticalErrorsAlert()).payload.custom_details).slice(0, 2)).toEqual([
      'what_happened',
      'runbook',
    ]);
    expect(toEmailText(criticalErrorsAlert()).body).not.toContain('\nRUNBOOK\n');
  });
});

describe('toPagerDutyEvent', () => {
  it.each<[AlarmSeverity, string]>([
    ['critical', 'critical'],
    ['high', 'error'],
    ['warning', 'warning'],
    ['info', 'info'],
  ])('maps severity %s to PagerDuty %s', (severity, expected) => {
    expect(trigger({ ...criticalErrorsAlert(), severity }).payload.severity).toBe(expected);
  });

  it('resolves the incident of the episode with only routing key, action and dedup key', () => {
    expect(toPagerDutyEvent(resolvedAlert(), ROUTING_KEY)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: EPISODE_ID,
    });
  });

  it('triggers flapping and alarm alerts of one episode on the same dedup key', () => {
    expect(trigger(flappingAlert()).dedup_key).toBe(EPISODE_ID);
    expect(trigger(criticalErrorsAlert()).dedup_key).toBe(EPISODE_ID);
  });

  it('shortens an episode id over 255 characters to a stable key', () => {
    const long = {
      ...criticalErrorsAlert(),
      episode: { ...criticalErrorsAlert().episode, id: 'x'.repeat(400) },
    };
    const key = trigger(long).dedup_key;
    expect(key.length).toBeLessThanOrEqual(255);
    expect(trigger(long).dedup_key).toBe(key);
  });

  it('puts the numbers first in a summary of at most 1024 characters', () => {
    expect(trigger(criticalErrorsAlert()).payload.summary).toMatch(
      /^\[CRITICAL\] ALARM predictor\/api errors: 37 vs threshold 5 \(7\.4x\); evaluated: 9, 37 \(2 of 2 periods\)\. Prediction requests/,
    );
    expect(trigger({ ...criticalErrorsAlert(), summary: 'x'.repeat(5000) }).payload.summary.length).toBe(
      1024,
    );
  });

  it('attaches the graph only when there is one, and links the alarm console', () => {
    expect(trigger(criticalErrorsAlert()).images).toHaveLength(1);
    expect(trigger(outsideAlert())).not.toHaveProperty('images');
    expect(trigger(outsideAlert()).client_url).toBe(outsideAlert().links[0]?.url);
  });

  it('falls back to service and alarm name as source when the alarm has no ARN', () => {
    expect(trigger(unparseableAlert()).payload.source).toBe('alerting/unparseable-event');
    expect(trigger(criticalErrorsAlert()).payload.source).toBe(ALARM_ARN);
  });
});

describe('toChatbotNotification', () => {
  it('threads every update of an episode on the episode id, with a distinct id per update', () => {
    const alarm = toChatbotNotification(criticalErrorsAlert());
    const resolved = toChatbotNotification(resolvedAlert());
    expect(alarm.metadata.threadId).toBe(EPISODE_ID);
    expect(resolved.metadata.threadId).toBe(EPISODE_ID);
    expect(resolved.id).not.toBe(alarm.id);
    expect(resolved.metadata.eventType).toBe('resolved');
  });

  it('respects the chat limits for a huge alert and says what it left out', () => {
    const base = criticalErrorsAlert();
    const huge: EnrichedAlert = {
      ...base,
      summary: `Everything is failing ${'and more '.repeat(3000)}`,
      children: Array.from({ length: 200 }, (_, index) => ({
        name: `child-${index}`,
        state: 'ALARM' as const,
        summary: 'y'.repeat(500),
      })),
      context: {
        ...base.context,
        logs: {
          logGroup: '/aws/lambda/predictor-api',
          queryUrl: 'https://example.com/query',
          top: Array.from({ length: 500 }, (_, index) => ({
            message: `Error ${index} ${'z'.repeat(2000)}`,
            count: 1,
          })),
        },
      },
      missing: Array.from({ length: 100 }, () => ({
        source: 'traces' as const,
        reason: 'timed out '.repeat(20),
      })),
    };
    const { content } = toChatbotNotification(huge);
    expect(content.title.length).toBeLessThanOrEqual(250);
    expect(content.description.length).toBeLessThanOrEqual(8000);
    expect(content.nextSteps.length).toBeLessThanOrEqual(5);
    expect(content.keywords.length).toBeLessThanOrEqual(5);
    expect(content.description).toMatch(/_Left out to stay within chat limits: .+\._$/);
  });

  it('shows an unreadable event as a code block, with no next steps to offer', () => {
    const { content, metadata } = toChatbotNotification(unparseableAlert());
    expect(content.description).toContain('*Raw event*\n```\n{"detail-type":"CloudWatch Alarm State Change"');
    expect(content.nextSteps).toEqual([]);
    expect(metadata.relatedResources).toEqual([]);
  });

  it('keeps the description free of emoji', () => {
    expect(toChatbotNotification(criticalErrorsAlert()).content.description).not.toMatch(
      /\p{Extended_Pictographic}/u,
    );
  });
});

describe('toStructuredAlert', () => {
  it('has the same keys for every alert, null where a part is unknown', () => {
    const keys = (alert: EnrichedAlert) => {
      const structured = toStructuredAlert(alert);
      return [Object.keys(structured), Object.keys(structured.context)];
    };
    const expected = keys(criticalErrorsAlert());
    for (const alert of [outsideAlert(), unparseableAlert(), compositeAlert(), resolvedAlert()]) {
      expect(keys(alert)).toEqual(expected);
    }
    expect(toStructuredAlert(outsideAlert())).toMatchObject({
      schema: 'vigil.alert/1',
      resource: null,
      runbook: null,
      context: { breach: null, logs: null, traces: null },
    });
  });
});

describe('fitToSize', () => {
  const structuredJson = (alert: EnrichedAlert) => JSON.stringify(toStructuredAlert(alert));

  it('returns the alert itself when it fits', () => {
    const alert = criticalErrorsAlert();
    expect(fitToSize(alert, structuredJson, SNS_MAX_BYTES)).toBe(alert);
    expect(toSnsMessage(alert).Message).toContain('Task timed out after 29.98 seconds');
  });

  it('trims least important context first and stops as soon as it fits', () => {
    const base = criticalErrorsAlert();
    const trace = base.context.traces?.[0];
    if (trace === undefined) throw new Error('fixture has traces');
    const manyTraces = Array.from({ length: 40 }, (_, index) => ({
      ...trace,
      id: `1-${index}`,
      url: `${trace.url}${'x'.repeat(2000)}`,
    }));
    const alert = { ...base, context: { ...base.context, traces: manyTraces } };
    const threeTraces = { ...alert, context: { ...alert.context, traces: manyTraces.slice(0, 3) } };
    const maxBytes = Buffer.byteLength(structuredJson(threeTraces)) + 200;

    const fitted = fitToSize(alert, structuredJson, maxBytes);

    expect(fitted.context.traces).toEqual(manyTraces.slice(0, 3));
    expect(fitted.context).toEqual({ ...base.context, traces: manyTraces.slice(0, 3) });
    expect(fitted.missing).toEqual([
      ...base.missing,
      { source: 'traces', reason: `trimmed to fit ${maxBytes} bytes: first 3 of 40 failing traces kept` },
    ]);
  });

  it('fits an alert with 5,000 errors of 1 KB and a 300 KB raw event into one SNS publish, naming what was cut', () => {
    const RAW_EVENT = JSON.stringify({ detail: 'r'.repeat(300 * 1024) });
    const base = criticalErrorsAlert();
    const huge: EnrichedAlert = {
      ...base,
      context: {
        ...base.context,
        logs: {
          logGroup: '/aws/lambda/predictor-api',
          queryUrl: 'https://example.com/query',
          top: Array.from({ length: 5000 }, (_, index) => ({
            message: `Error ${index}: ${'stack frame "quoted" \n'.repeat(46)}`,
            count: 5000 - index,
          })),
        },
      },
      rawEvent: RAW_EVENT,
    };

    const message = toSnsMessage(huge);

    expect(publishBytes(message)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const structured = JSON.parse(JSON.parse(message.Message).default);
    expect(structured.context.logs.top).toHaveLength(3);
    expect(structured.rawEvent).toMatch(
      new RegExp(`\\[raw event cut to \\d+ of ${RAW_EVENT.length} characters to fit 256 KiB\\]$`),
    );
    expect(structured.missing).toEqual(
      expect.arrayContaining([
        {
          source: 'logs',
          reason:
            'trimmed to fit 256 KiB: error messages cut to 300 characters; top 3 of 5000 error messages kept',
        },
        { source: 'traces', reason: 'trimmed to fit 256 KiB: all failing traces left out' },
        { source: 'changes', reason: 'trimmed to fit 256 KiB: all resource changes left out' },
      ]),
    );
    for (const kept of ['alarm', 'severity', 'state', 'summary', 'episode', 'links'] as const) {
      expect(structured[kept]).toEqual(toStructuredAlert(base)[kept]);
    }
    const email = JSON.parse(message.Message).email as string;
    expect(email).toContain('Not included: logs (trimmed to fit 256 KiB');
  });

  it('fits the same alert into a PagerDuty event', () => {
    const base = criticalErrorsAlert();
    const huge = {
      ...base,
      context: {
        ...base.context,
        logs: {
          logGroup: 'g',
          queryUrl: 'https://example.com/query',
          top: Array.from({ length: 5000 }, () => ({ message: 'e'.repeat(1024), count: 1 })),
        },
      },
    };
    const render = (alert: EnrichedAlert) => JSON.stringify(toPagerDutyEvent(alert, ROUTING_KEY));
    const fitted = fitToSize(huge, render, PAGERDUTY_MAX_BYTES);
    expect(Buffer.byteLength(render(fitted))).toBeLessThanOrEqual(PAGERDUTY_MAX_BYTES);
    expect(fitted.missing.map((missing) => missing.source)).toContain('logs');
  });

  it('terminates with the smallest alert it can make when nothing fits, keeping what must not be dropped', () => {
    const alert = { ...criticalErrorsAlert(), summary: 's'.repeat(10_000), reason: 'r'.repeat(10_000) };
    const fitted = fitToSize(alert, structuredJson, 100);
    expect(fitted.summary).toHaveLength(100);
    expect(fitted.reason).toHaveLength(100);
    expect(fitted.links).toEqual(alert.links);
    expect(fitted.episode).toEqual(alert.episode);
  });
});

describe('truncateText', () => {
  it('stays within the length, keeps a prefix of the text and never leaves half a surrogate pair', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.integer({ min: 1, max: 120 }),
        (text, max) => {
          const cut = truncateText(text, max);
          expect(cut.length).toBeLessThanOrEqual(max);
          expect(cut).not.toMatch(LONE_SURROGATE);
          if (cut !== text) expect(text.startsWith(cut.slice(0, -1).trimEnd())).toBe(true);
        },
      ),
    );
  });
});
