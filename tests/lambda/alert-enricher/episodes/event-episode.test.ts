import {
  decideEventEpisode,
  type EventEpisodeHead,
  type EventOccurrence,
  REMEMBERED_EVENT_REPORTS,
} from '../../../../lambda/alert-enricher/episodes/event-episode';

const POLICY = { quietMinutes: 30 };
const KEY = 'business/orders.alerts/payments/provider-down';
const T0 = '2026-12-07T03:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

/** Runs reports through the decision in order, as the store would, returning each decision. */
function run(reports: EventOccurrence[]) {
  let head: EventEpisodeHead | undefined;
  return reports.map((report) => {
    const step = decideEventEpisode(head, report, POLICY, KEY);
    head = step.next;
    return step.decision;
  });
}

const report = (eventId: string, minutes: number, extra: Partial<EventOccurrence> = {}): EventOccurrence => ({
  eventId,
  at: at(minutes),
  severity: 'warning',
  resolves: false,
  ...extra,
});

const summary = (decision: ReturnType<typeof run>[number]) =>
  decision.action === 'notify'
    ? `${decision.notification} ${decision.severity} ${decision.episode.id} #${decision.episode.transitions}`
    : `suppress: ${decision.reason}`;

describe('event episodes', () => {
  it('opens on the first report, counts repeats in the quiet window, tells the next one after it', () => {
    expect(
      run([report('a', 0), report('b', 10), report('c', 29), report('d', 30), report('e', 45)]).map(summary),
    ).toEqual([
      `alarm warning ${KEY}/${at(0)} #1`,
      `suppress: repeat within 30 min of the last alert (${at(0)}); counted on the episode`,
      `suppress: repeat within 30 min of the last alert (${at(0)}); counted on the episode`,
      `updated warning ${KEY}/${at(0)} #4`,
      `suppress: repeat within 30 min of the last alert (${at(30)}); counted on the episode`,
    ]);
  });

  it('tells a rise in severity at once and keeps the highest; a lower one is a repeat', () => {
    expect(
      run([
        report('a', 0),
        report('b', 1, { severity: 'critical' }),
        report('c', 2, { severity: 'info' }),
        report('d', 40, { severity: 'info' }),
      ]).map(summary),
    ).toEqual([
      `alarm warning ${KEY}/${at(0)} #1`,
      `updated critical ${KEY}/${at(0)} #2`,
      `suppress: repeat within 30 min of the last alert (${at(1)}); counted on the episode`,
      // Told at the episode's severity, so it reaches the thread and incident the critical alert opened.
      `updated critical ${KEY}/${at(0)} #4`,
    ]);
  });

  it('resolves on its own thread at its own severity; a second resolution and a late report change nothing', () => {
    expect(
      run([
        report('a', 0, { severity: 'high' }),
        report('b', 5, { resolves: true, severity: undefined }),
        report('c', 6, { resolves: true }),
        report('d', 4),
        report('e', 60),
      ]).map(summary),
    ).toEqual([
      `alarm high ${KEY}/${at(0)} #1`,
      `resolved high ${KEY}/${at(0)} #2`,
      'suppress: nothing to resolve: no open episode',
      `suppress: older than the last report (${at(6)})`,
      `alarm warning ${KEY}/${at(60)} #1`,
    ]);
  });

  it('answers a redelivered event with its first decision, without a new head', () => {
    const first = decideEventEpisode(undefined, report('a', 0), POLICY, KEY);
    const again = decideEventEpisode(first.next, report('a', 0), POLICY, KEY);
    expect(again.decision).toEqual(first.decision);
    expect(again.next).toBe(first.next);
  });

  it(`remembers the last ${REMEMBERED_EVENT_REPORTS} events`, () => {
    let head: EventEpisodeHead | undefined;
    for (let i = 0; i < REMEMBERED_EVENT_REPORTS + 5; i++) {
      head = decideEventEpisode(head, report(`e${i}`, i), POLICY, KEY).next;
    }
    expect(head?.processed.map((event) => event.eventId)).toEqual(
      Array.from({ length: REMEMBERED_EVENT_REPORTS }, (_, i) => `e${i + 5}`),
    );
  });
});
