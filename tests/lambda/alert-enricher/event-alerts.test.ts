import '../support/test-environment';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { parseIncoming } from '../../../lambda/alert-enricher/events/parse-incoming';
import {
  BUSINESS_ALERT,
  copyOf,
  GUARDDUTY_FINDING,
  HEALTH_EVENTS,
  SECURITY_HUB_FINDINGS,
  withBusinessDetail,
  withEventId,
  withGuardDutySeverity,
  withGuardDutyUpdate,
  withHealthStatus,
  withSecurityHubFields,
  withSecurityHubUpdate,
} from '../../fixtures/aws/event-alert-samples';
import {
  chatPublishes,
  DEAD_LETTERS,
  enricherTestbed,
  topicAlerts,
  topicArn,
} from './support/enricher-harness';

// Business alerts, GuardDuty and Security Hub findings and AWS Health events through the real
// enricher (local DynamoDB episodes, mocked SNS/SQS, a local PagerDuty), each starting from AWS's
// documented sample (tests/fixtures/aws/event-alert-samples.ts). The testbed routes critical to a
// chat topic and PagerDuty, the other severities to their topic only; episodes are quiet for 30 min.

const bed = enricherTestbed({ freshTablePerTest: true });
const aws = bed.aws;

const published = () => topicAlerts(aws.sns);
const pages = () => bed.pagerDutyEvents as { event_action: string; dedup_key: string }[];

const FINDING = 'guardduty/193043430472/us-east-1/46ba0ac2845071e23ccdeb2ae03bfdea';
const FINDING_UPDATED_AT = '2020-09-30T12:14:00.206Z';
const later = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

describe('GuardDuty findings', () => {
  it('the documented finding (severity 2, Low) is an info alert with the resource, counts and console link', async () => {
    expect(await bed.enricher()(copyOf(GUARDDUTY_FINDING))).toEqual([
      expect.objectContaining({ result: 'delivered' }),
    ]);
    const [only, ...others] = published();
    expect(others).toEqual([]);
    expect(only?.topic).toBe(topicArn('info'));
    expect(only?.attributes).toMatchObject({
      severity: 'info',
      service: 'guardduty',
      state: 'ALARM',
      notification: 'alarm',
      alarm: 'UnauthorizedAccess:EC2/SSHBruteForce',
    });
    expect(only?.alert).toMatchObject({
      severity: 'info',
      alarm: { kind: 'event', account: '193043430472', region: 'us-east-1' },
      summary: '199.241.229.197 is performing SSH brute force attacks against i-0c10c2c7863d1a356.',
      resource: 'i-0c10c2c7863d1a356',
      signal: 'UnauthorizedAccess:EC2/SSHBruteForce',
      episode: { id: `${FINDING}/${FINDING_UPDATED_AT}`, transitions: 1 },
      event: {
        kind: 'guardduty',
        source: 'aws.guardduty',
        originalSeverity: 'GuardDuty Low (2)',
        key: FINDING,
        resources: [{ type: 'Instance', id: 'i-0c10c2c7863d1a356', region: null, status: null }],
      },
      links: [
        {
          label: 'GuardDuty finding',
          url: 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=46ba0ac2845071e23ccdeb2ae03bfdea',
        },
      ],
    });
    expect(only?.alert.event?.facts).toEqual(
      expect.arrayContaining([
        { label: 'Occurrences', value: '74' },
        { label: 'First seen', value: '2020-08-22T09:15:57Z' },
        { label: 'Resource role', value: 'TARGET' },
      ]),
    );
    // The event carries what on-call needs; no alarm context source is asked about a finding.
    expect(aws.cloudWatch.commandCalls(GetMetricDataCommand)).toEqual([]);
    expect(aws.logs.commandCalls(StartQueryCommand)).toEqual([]);
  });

  it.each([
    [1, 'info', 'Low'],
    [3.9, 'info', 'Low'],
    [4, 'warning', 'Medium'],
    [6.9, 'warning', 'Medium'],
    [7, 'critical', 'High'],
    [8.9, 'critical', 'High'],
    [9, 'critical', 'Critical'],
  ])('severity %s goes to the %s topic (GuardDuty %s)', async (value, severity, band) => {
    await bed.enricher()(withGuardDutySeverity(copyOf(GUARDDUTY_FINDING), value));
    expect(published().map((alert) => [alert.topic, alert.alert.event?.originalSeverity])).toEqual([
      [topicArn(severity), `GuardDuty ${band} (${value})`],
    ]);
  });

  it('a High finding pages, and its email says what, how badly and since when first', async () => {
    await bed.enricher()(withGuardDutySeverity(copyOf(GUARDDUTY_FINDING), 8));
    const [alert] = published();
    expect(alert?.subject).toBe(
      '[CRITICAL] GUARDDUTY FINDING UnauthorizedAccess:EC2/SSHBruteForce: 199.241.229.197 is performing...',
    );
    expect(alert?.message.email?.split('\n').slice(0, 4)).toEqual([
      'What happened: 199.241.229.197 is performing SSH brute force attacks against i-0c10c2c7863d1a356.',
      'How badly: GuardDuty High (8); Vigil severity CRITICAL.',
      'Since: 12:14 UTC on 2020-09-30. First alert of this episode; updates follow in its thread.',
      'Runbook: none linked to this event; start from the console links below.',
    ]);
    expect(pages()).toEqual([
      expect.objectContaining({ event_action: 'trigger', dedup_key: `${FINDING}/${FINDING_UPDATED_AT}` }),
    ]);
  });

  it('renders in all four formats: email text, chat card, PagerDuty event, structured JSON', async () => {
    await bed.enricher()(withGuardDutySeverity(copyOf(GUARDDUTY_FINDING), 8));
    const [alert] = published();
    const email = alert?.message.email ?? '';
    expect(email).toContain(
      '\nWHAT IT SAYS\n199.241.229.197 is performing SSH brute force attacks against i-0c10c2c7863d1a356. Brute force',
    );
    expect(email).toContain(
      '\nDETAILS\nFinding type: UnauthorizedAccess:EC2/SSHBruteForce\nGuardDuty severity: High (8)\n',
    );
    expect(email).toContain('\nRESOURCES\n- Instance i-0c10c2c7863d1a356\n');
    expect(email).toContain('Account 193043430472, us-east-1.');
    expect(email).toContain(
      '\nCONSOLE\n- GuardDuty finding: https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=46ba0ac2845071e23ccdeb2ae03bfdea\n',
    );
    const [chat] = chatPublishes(aws.sns).map((input) => JSON.parse(input.Message ?? '{}'));
    expect(chat).toMatchObject({
      content: {
        title: expect.stringMatching(
          /^\[CRITICAL\] GUARDDUTY FINDING UnauthorizedAccess:EC2\/SSHBruteForce: /,
        ),
        description: expect.stringContaining(
          '*Details*\n- Finding type: UnauthorizedAccess:EC2/SSHBruteForce',
        ),
      },
      metadata: {
        threadId: `${FINDING}/${FINDING_UPDATED_AT}`,
        eventType: 'alarm',
        relatedResources: [
          'arn:aws::guardduty:us-east-1:193043430472:detector/d4b040365221be2b54a6264dc9a4bc64/finding/46ba0ac2845071e23ccdeb2ae03bfdea',
        ],
      },
    });
    expect(pages()[0]).toMatchObject({
      payload: {
        severity: 'critical',
        source:
          'arn:aws::guardduty:us-east-1:193043430472:detector/d4b040365221be2b54a6264dc9a4bc64/finding/46ba0ac2845071e23ccdeb2ae03bfdea',
        group: 'guardduty',
        class: 'UnauthorizedAccess:EC2/SSHBruteForce',
        custom_details: {
          event: {
            kind: 'guardduty',
            severity: 'GuardDuty High (8)',
            key: FINDING,
            resources: ['Instance i-0c10c2c7863d1a356'],
          },
        },
      },
      links: [expect.objectContaining({ text: 'GuardDuty finding' })],
    });
    expect(alert?.message.default && JSON.parse(alert.message.default)).toMatchObject({
      schema: 'vigil.alert/1',
      event: { kind: 'guardduty', detailType: 'GuardDuty Finding' },
    });
  });

  it('an update of the same finding threads into its alert: counted within the quiet window, told after it', async () => {
    const enrich = bed.enricher();
    const finding = withGuardDutySeverity(copyOf(GUARDDUTY_FINDING), 8);
    await enrich(finding);
    const soon = withGuardDutyUpdate(finding, {
      eventId: 'update-1',
      updatedAt: later(FINDING_UPDATED_AT, 15),
      count: 80,
    });
    expect(await enrich(soon)).toEqual([
      expect.objectContaining({
        result: 'suppressed',
        reason: expect.stringMatching(/^repeat within 30 min/),
      }),
    ]);
    const sixHoursOn = withGuardDutyUpdate(finding, {
      eventId: 'update-2',
      updatedAt: later(FINDING_UPDATED_AT, 360),
      count: 112,
    });
    await enrich(sixHoursOn);
    const alerts = published().map((alert) => alert.alert);
    expect(alerts.map((alert) => [alert.notification, alert.episode.id, alert.episode.transitions])).toEqual([
      ['alarm', `${FINDING}/${FINDING_UPDATED_AT}`, 1],
      ['updated', `${FINDING}/${FINDING_UPDATED_AT}`, 3],
    ]);
    expect(alerts[1]?.event?.facts).toContainEqual({ label: 'Occurrences', value: '112' });
    expect(published()[1]?.subject).toMatch(/^\[CRITICAL\] GUARDDUTY FINDING UPDATED /);
    // Same dedup key: PagerDuty adds the update to the open incident instead of paging again.
    expect(pages().map((page) => [page.event_action, page.dedup_key])).toEqual([
      ['trigger', `${FINDING}/${FINDING_UPDATED_AT}`],
      ['trigger', `${FINDING}/${FINDING_UPDATED_AT}`],
    ]);
    const chatThreads = chatPublishes(aws.sns).map(
      (input) => JSON.parse(input.Message ?? '{}').metadata.threadId,
    );
    expect(chatThreads).toEqual([`${FINDING}/${FINDING_UPDATED_AT}`, `${FINDING}/${FINDING_UPDATED_AT}`]);
  });

  it('an update whose severity rises is told at once, on the same episode, at the new severity', async () => {
    const enrich = bed.enricher();
    await enrich(copyOf(GUARDDUTY_FINDING));
    const worse = withGuardDutySeverity(
      withGuardDutyUpdate(copyOf(GUARDDUTY_FINDING), {
        eventId: 'worse',
        updatedAt: later(FINDING_UPDATED_AT, 5),
        count: 75,
      }),
      7.5,
    );
    await enrich(worse);
    expect(
      published().map((alert) => [alert.topic, alert.alert.notification, alert.alert.episode.id]),
    ).toEqual([
      [topicArn('info'), 'alarm', `${FINDING}/${FINDING_UPDATED_AT}`],
      [topicArn('critical'), 'updated', `${FINDING}/${FINDING_UPDATED_AT}`],
    ]);
  });

  it('a redelivered event gets its decision again and sends nothing twice; a late older update changes nothing', async () => {
    const enrich = bed.enricher();
    const finding = copyOf(GUARDDUTY_FINDING);
    await enrich(finding);
    expect(await enrich(finding)).toEqual([expect.objectContaining({ result: 'duplicate' })]);
    const older = withGuardDutyUpdate(finding, {
      eventId: 'older',
      updatedAt: later(FINDING_UPDATED_AT, -60),
      count: 70,
    });
    expect(await enrich(older)).toEqual([
      expect.objectContaining({
        result: 'suppressed',
        reason: expect.stringMatching(/^older than the last report/),
      }),
    ]);
    expect(published()).toHaveLength(1);
  });

  it('a finding AWS’s documented shape does not hold for is forwarded raw, with the field named', async () => {
    const broken = copyOf(GUARDDUTY_FINDING) as unknown as { detail: Record<string, unknown> };
    delete broken.detail.severity;
    await bed.enricher()(broken);
    const [alert] = published();
    expect(alert?.topic).toBe(topicArn('high'));
    expect(alert?.alert).toMatchObject({
      notification: 'unparseable',
      reason: expect.stringMatching(/^GuardDuty Finding not readable: detail\.severity: /),
    });
  });
});

describe('Security Hub findings', () => {
  const ID =
    'arn:aws:securityhub:us-east-2:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0/CloudTrail.2/finding/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
  const UPDATED_AT = '2021-09-28T16:10:00.093Z';

  it('the documented FSBP finding (MEDIUM) is a warning with its control, resource, runbook and region', async () => {
    await bed.enricher()(copyOf(SECURITY_HUB_FINDINGS.fsbpControl));
    const [alert] = published();
    expect(alert?.topic).toBe(topicArn('warning'));
    expect(alert?.alert).toMatchObject({
      severity: 'warning',
      summary: 'CloudTrail.2 CloudTrail should have encryption at-rest enabled',
      service: 'security-hub',
      signal: 'CloudTrail.2',
      resource: 'arn:aws:cloudtrail:us-east-2:123456789012:trail/AWSMacieTrail-DO-NOT-EDIT',
      runbook: 'https://docs.aws.amazon.com/console/securityhub/CloudTrail.2/remediation',
      alarm: { account: '123456789012', region: 'us-east-2', kind: 'event' },
      episode: { id: `security-hub/${ID}/${UPDATED_AT}` },
      event: {
        kind: 'security-hub',
        originalSeverity: 'Security Hub MEDIUM',
        resources: [
          {
            type: 'AwsCloudTrailTrail',
            id: 'arn:aws:cloudtrail:us-east-2:123456789012:trail/AWSMacieTrail-DO-NOT-EDIT',
            region: 'us-east-2',
            status: null,
          },
        ],
      },
    });
    expect(alert?.alert.links.map((link) => link.label)).toEqual(['Security Hub findings', 'Runbook']);
    expect(alert?.alert.event?.facts).toEqual(
      expect.arrayContaining([
        { label: 'Compliance', value: 'FAILED' },
        { label: 'Workflow', value: 'NEW' },
        { label: 'Finding id', value: ID },
      ]),
    );
  });

  it.each([
    ['CRITICAL', 'critical'],
    ['HIGH', 'high'],
    ['MEDIUM', 'warning'],
    ['LOW', 'info'],
    ['INFORMATIONAL', 'info'],
  ])('Severity.Label %s goes to the %s topic', async (label, severity) => {
    await bed.enricher()(withSecurityHubFields(copyOf(SECURITY_HUB_FINDINGS.fsbpControl), { label }));
    expect(published().map((alert) => alert.topic)).toEqual([topicArn(severity)]);
  });

  it('a re-imported finding (same Id, new UpdatedAt) threads into the same episode', async () => {
    const enrich = bed.enricher();
    const finding = copyOf(SECURITY_HUB_FINDINGS.fsbpControl);
    await enrich(finding);
    await enrich(
      withSecurityHubUpdate(finding, { eventId: 'next-day', updatedAt: later(UPDATED_AT, 24 * 60) }),
    );
    expect(published().map((alert) => [alert.alert.notification, alert.alert.episode.id])).toEqual([
      ['alarm', `security-hub/${ID}/${UPDATED_AT}`],
      ['updated', `security-hub/${ID}/${UPDATED_AT}`],
    ]);
  });
});

describe('AWS Health events', () => {
  const ELB =
    'health/123456789012/arn:aws:health:ap-southeast-2::event/AWS_ELASTICLOADBALANCING_API_ISSUE_90353408594353980';

  it('an account-specific issue is high; closed resolves the same episode', async () => {
    const enrich = bed.enricher();
    const open = copyOf(HEALTH_EVENTS.accountElbApiIssue);
    await enrich(open);
    await enrich(
      withHealthStatus(open, {
        eventId: 'closed-1',
        statusCode: 'closed',
        lastUpdatedTime: 'Fri, 10 Jun 2022 07:00:00 GMT',
      }),
    );
    const alerts = published();
    expect(
      alerts.map((alert) => [
        alert.topic,
        alert.alert.notification,
        alert.alert.state,
        alert.alert.episode.id,
      ]),
    ).toEqual([
      [topicArn('high'), 'alarm', 'ALARM', `${ELB}/2022-06-10T06:27:57.000Z`],
      [topicArn('high'), 'resolved', 'OK', `${ELB}/2022-06-10T06:27:57.000Z`],
    ]);
    expect(alerts[0]?.alert).toMatchObject({
      summary: 'ELASTICLOADBALANCING issue in ap-southeast-2',
      reason: 'A description of the event will be provided here',
      signal: 'AWS_ELASTICLOADBALANCING_API_ISSUE',
      event: { kind: 'health', originalSeverity: 'AWS Health issue, open' },
    });
    expect(alerts[1]?.subject).toMatch(/^\[RESOLVED\] AWS HEALTH EVENT /);
    expect(alerts[1]?.message.email?.split('\n')[0]).toBe(
      'Resolved: ELASTICLOADBALANCING issue in ap-southeast-2',
    );
  });

  it('lists the affected entity once, with the instance as the resource', async () => {
    await bed.enricher()(copyOf(HEALTH_EVENTS.accountEc2DriveDegraded));
    const [alert] = published();
    expect(alert?.alert).toMatchObject({
      resource: 'i-abcd1111',
      alarm: { region: 'us-west-2', account: '123456789012' },
      event: { resources: [{ id: 'i-abcd1111', type: null, region: null, status: null }] },
    });
  });

  it('closed with no open episode resolves nothing and sends nothing', async () => {
    const closed = withHealthStatus(copyOf(HEALTH_EVENTS.accountElbApiIssue), {
      eventId: 'closed-only',
      statusCode: 'closed',
      lastUpdatedTime: 'Fri, 10 Jun 2022 07:00:00 GMT',
    });
    expect(await bed.enricher()(closed)).toEqual([
      expect.objectContaining({ result: 'suppressed', reason: 'nothing to resolve: no open episode' }),
    ]);
    expect(published()).toEqual([]);
  });
});

describe('business alerts', () => {
  const KEY = 'business/myapp.alerts/payments/provider-down';
  const OPENED = '2017-12-22T18:43:48.000Z';

  it('the documented business alert goes to its severity’s topic with its service, runbook and dedupe key', async () => {
    await bed.enricher()(copyOf(BUSINESS_ALERT));
    const [alert] = published();
    expect(alert?.topic).toBe(topicArn('high'));
    expect(alert?.subject).toBe('[HIGH] BUSINESS ALERT orders: Card payments failing at the provider');
    expect(alert?.attributes).toMatchObject({ service: 'orders', severity: 'high', notification: 'alarm' });
    expect(alert?.alert).toMatchObject({
      service: 'orders',
      runbook: 'https://runbooks.example.com/orders/payment-provider-down',
      reason:
        '38 of the last 50 card payments were declined with provider_unavailable. Orders are kept as pending and retried for 2 hours.',
      episode: { id: `${KEY}/${OPENED}` },
      event: {
        kind: 'business',
        source: 'myapp.alerts',
        detailType: 'Business Alert',
        key: KEY,
        facts: [
          { label: 'Source', value: 'myapp.alerts' },
          { label: 'Dedupe key', value: 'payments/provider-down' },
        ],
      },
    });
  });

  it('a repeat of the dedupe key is one episode; resolved: true closes it, paging then resolving one incident', async () => {
    const enrich = bed.enricher();
    const critical = withBusinessDetail(copyOf(BUSINESS_ALERT), { severity: 'critical' });
    await enrich(critical);
    expect(
      await enrich(withBusinessDetail(critical, {}, { eventId: 'again', time: later(OPENED, 2) })),
    ).toEqual([expect.objectContaining({ result: 'suppressed' })]);
    await enrich(
      withBusinessDetail(
        critical,
        { resolved: true, severity: undefined, title: 'Card payments back', message: 'Provider recovered.' },
        { eventId: 'resolved', time: later(OPENED, 20) },
      ),
    );
    await enrich(withBusinessDetail(critical, {}, { eventId: 'next-day', time: later(OPENED, 24 * 60) }));
    expect(
      published().map((alert) => [alert.topic, alert.alert.notification, alert.alert.episode.id]),
    ).toEqual([
      [topicArn('critical'), 'alarm', `${KEY}/${OPENED}`],
      // A resolution goes where its episode went, though it names no severity.
      [topicArn('critical'), 'resolved', `${KEY}/${OPENED}`],
      [topicArn('critical'), 'alarm', `${KEY}/${later(OPENED, 24 * 60)}`],
    ]);
    expect(pages().map((page) => [page.event_action, page.dedup_key])).toEqual([
      ['trigger', `${KEY}/${OPENED}`],
      ['resolve', `${KEY}/${OPENED}`],
      ['trigger', `${KEY}/${later(OPENED, 24 * 60)}`],
    ]);
  });

  it('a malformed one is dead-lettered whole, with every problem named, and alerts no one directly', async () => {
    const malformed = withBusinessDetail(copyOf(BUSINESS_ALERT), {
      severity: 'urgent',
      dedupeKey: undefined,
      runBook: 'https://runbooks.example.com/x',
    });
    expect(await bed.enricher()(malformed)).toEqual([
      {
        alarm: 'rejected-event',
        result: 'rejected',
        reason:
          'Business Alert from myapp.alerts rejected: detail.runBook: is not a business alert field (known: severity, title, message, service, runbook, dedupeKey, resolved); detail.severity: must be one of critical, high, warning, info; detail.dedupeKey: is required',
      },
    ]);
    expect(published()).toEqual([]);
    const [call, ...more] = aws.sqs.commandCalls(SendMessageCommand);
    expect(more).toEqual([]);
    expect(call?.args[0].input.QueueUrl).toBe(DEAD_LETTERS);
    const letter = JSON.parse(call?.args[0].input.MessageBody ?? '{}');
    expect(letter.rejected.reason).toMatch(/^Business Alert from myapp\.alerts rejected: /);
    expect(JSON.parse(letter.event)).toEqual(malformed);
  });

  it('a rejected alert the dead-letter queue refuses too throws, so Lambda retries and keeps it', async () => {
    aws.sqs.on(SendMessageCommand).rejects(new Error('SQS down'));
    const malformed = withBusinessDetail(copyOf(BUSINESS_ALERT), { title: undefined });
    await expect(bed.enricher()(malformed)).rejects.toThrow(
      /rejected event \(Business Alert from myapp\.alerts rejected: detail\.title: is required\) could not be dead-lettered either: Error: SQS down/,
    );
  });

  it('two workloads raising the same key at once get one alert: the episode head is written over the version read', async () => {
    const enrich = bed.enricher();
    const outcomes = await Promise.all([
      enrich(withEventId(copyOf(BUSINESS_ALERT), 'first')),
      enrich(withEventId(copyOf(BUSINESS_ALERT), 'second')),
    ]);
    expect(
      outcomes
        .flat()
        .map((outcome) => outcome.result)
        .sort(),
    ).toEqual(['delivered', 'suppressed']);
    expect(published()).toHaveLength(1);
  });

  it('another delivery of the same accepted alert is recognised by its event id', async () => {
    const enrich = bed.enricher();
    await enrich(copyOf(BUSINESS_ALERT));
    expect(await enrich(copyOf(BUSINESS_ALERT))).toEqual([expect.objectContaining({ result: 'duplicate' })]);
    expect(await enrich(withEventId(copyOf(BUSINESS_ALERT), 'second-send'))).toEqual([
      expect.objectContaining({ result: 'suppressed' }),
    ]);
    expect(published()).toHaveLength(1);
  });
});

describe('reading what arrives', () => {
  it('keeps the unreadable path for events it does not know', () => {
    const items = parseIncoming({ ...copyOf(BUSINESS_ALERT), 'detail-type': 'Order Placed' });
    expect(items).toEqual([
      expect.objectContaining({
        type: 'unreadable',
        error: expect.stringMatching(/^Not a CloudWatch alarm state change: /),
      }),
    ]);
    // An AWS source is never a workload's, so a Business Alert from one is not read as one.
    expect(parseIncoming({ ...copyOf(BUSINESS_ALERT), source: 'aws.events' })).toEqual([
      expect.objectContaining({ type: 'unreadable' }),
    ]);
  });

  it('never throws, and every business alert is an alert or a rejection with its reason', () => {
    const envelope = fc.record(
      {
        version: fc.constant('0'),
        id: fc.oneof(fc.uuid(), fc.constant(''), fc.integer()),
        'detail-type': fc.constant('Business Alert'),
        source: fc.oneof(fc.constantFrom('myapp.alerts', 'orders', ''), fc.string(), fc.constant(undefined)),
        account: fc.oneof(fc.constant('111122223333'), fc.anything()),
        time: fc.oneof(fc.constant('2017-12-22T18:43:48Z'), fc.string()),
        region: fc.constant('us-west-1'),
        detail: fc.oneof(
          fc.constant(copyOf(BUSINESS_ALERT).detail),
          fc.dictionary(
            fc.constantFrom('severity', 'title', 'message', 'service', 'dedupeKey', 'resolved', 'x'),
            fc.anything(),
          ),
          fc.anything(),
        ),
      },
      { requiredKeys: ['detail-type'] },
    );
    fc.assert(
      fc.property(fc.oneof(envelope, fc.anything()), (input) => {
        const items = parseIncoming(input);
        expect(items.length).toBeGreaterThan(0);
        for (const item of items) {
          if (item.type === 'rejected') {
            // The first problem names its field; a field name that could be misread is JSON-quoted,
            // and may hold the "; " that separates problems.
            expect(item.reason).toMatch(
              /^Business Alert( from .*)? rejected: (?:[^;"]|"(?:[^"\\]|\\.)*")+: \S/s,
            );
            expect(item.raw.length).toBeGreaterThan(0);
          }
          if (item.type === 'event' && item.event.kind === 'business') {
            expect(item.event.key.startsWith('business/')).toBe(true);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });
});
