import '../../support/test-environment';
import fc from 'fast-check';
import {
  type AlarmTransition,
  DEFAULT_EPISODE_POLICY,
  decideEpisode,
  type EpisodeDecision,
  type EpisodeHead,
  type EpisodePolicy,
  REMEMBERED_EVENTS,
} from '../../../../lambda/alert-enricher/episodes/episode-decision';
import { ALARM_STATES, type AlarmState } from '../../../../lambda/shared/alarm-change';

const ALARM_NAME = 'api-errors';
const at = (hhmm: string) => `2026-11-23T${hhmm}:00.000Z`;
const episodeId = (hhmm: string) => `${ALARM_NAME}/${at(hhmm)}`;

/** One alarm's changes fed through `decideEpisode` in order, as the store would. */
class Alarm {
  head: EpisodeHead | undefined;
  private events = 0;

  constructor(private readonly policy: EpisodePolicy = DEFAULT_EPISODE_POLICY) {}

  /** A new event; the previous state is the one last recorded unless given. */
  change(state: AlarmState, hhmm: string, previousState?: AlarmState): EpisodeDecision {
    return this.deliver({
      eventId: `event-${++this.events}`,
      state,
      previousState: previousState ?? this.head?.lastState ?? 'OK',
      at: at(hhmm),
    });
  }

  deliver(transition: AlarmTransition): EpisodeDecision {
    const { decision, next } = decideEpisode(this.head, transition, this.policy, ALARM_NAME);
    this.head = next;
    return decision;
  }
}

const notified = (
  notification: string,
  id: string,
  episode: { transitions?: number; flapping?: boolean } = {},
) => ({
  action: 'notify',
  notification,
  episode: expect.objectContaining({ id, flapping: false, ...episode }),
});

const suppressed = (reason: string | RegExp, id?: string) => ({
  action: 'suppress',
  reason: typeof reason === 'string' ? reason : expect.stringMatching(reason),
  ...(id === undefined ? {} : { episode: expect.objectContaining({ id }) }),
});

describe('one episode from first ALARM to a settled flap', () => {
  test('alarm, repeat, resolve, re-open, flap once, suppress, settle', () => {
    const alarm = new Alarm();
    const opened = episodeId('03:00');
    expect(alarm.change('ALARM', '03:00')).toEqual({
      action: 'notify',
      notification: 'alarm',
      episode: { id: opened, openedAt: at('03:00'), transitions: 1, flapping: false },
    });
    expect(alarm.change('ALARM', '03:01', 'ALARM')).toEqual(
      suppressed(`already alarming since ${at('03:00')}`, opened),
    );
    expect(alarm.change('OK', '03:10')).toEqual(notified('resolved', opened, { transitions: 2 }));
    expect(alarm.change('ALARM', '03:15')).toEqual(notified('reopened', opened, { transitions: 3 }));
    expect(alarm.change('OK', '03:16')).toEqual(notified('resolved', opened, { transitions: 4 }));
    // Four changes already inside 30 minutes: this fifth one is flapping.
    expect(alarm.change('ALARM', '03:17')).toEqual(
      notified('flapping', opened, { transitions: 5, flapping: true }),
    );
    expect(alarm.change('OK', '03:18')).toEqual(suppressed('flapping: 6 transitions in 30 min', opened));
    expect(alarm.change('ALARM', '03:20')).toEqual(suppressed('flapping: 7 transitions in 30 min', opened));
    // 40 quiet minutes: the OK is news again.
    expect(alarm.change('OK', '04:00')).toEqual(notified('resolved', opened, { transitions: 8 }));
    expect(alarm.head?.episode).toMatchObject({ status: 'resolved', flapping: false });
  });

  test('flapping is counted per episode: data coming and going between episodes does not count', () => {
    const alarm = new Alarm();
    alarm.change('ALARM', '03:00');
    alarm.change('OK', '03:05');
    alarm.change('INSUFFICIENT_DATA', '03:20');
    alarm.change('OK', '03:30');
    alarm.change('INSUFFICIENT_DATA', '03:31');
    expect(alarm.change('ALARM', '03:40')).toEqual(notified('alarm', episodeId('03:40')));
    expect(alarm.head?.recentChanges).toEqual([at('03:40')]);
    expect(alarm.change('OK', '03:41')).toEqual(notified('resolved', episodeId('03:40')));
  });

  test('a smaller policy flaps sooner', () => {
    const alarm = new Alarm({ flapTransitions: 2, flapWindowMinutes: 10, ttlDays: 1 });
    alarm.change('ALARM', '03:00');
    alarm.change('OK', '03:01');
    expect(alarm.change('ALARM', '03:02')).toMatchObject({ action: 'notify', notification: 'flapping' });
    expect(alarm.change('OK', '03:11')).toEqual(
      suppressed('flapping: 2 transitions in 10 min', episodeId('03:00')),
    );
    expect(alarm.change('ALARM', '03:22')).toEqual(notified('alarm', episodeId('03:22')));
  });
});

describe('opening episodes', () => {
  test('an ALARM the flap window or more after a resolution opens a new episode', () => {
    const alarm = new Alarm();
    alarm.change('ALARM', '03:00');
    alarm.change('OK', '03:10');
    expect(alarm.change('ALARM', '03:40')).toEqual(notified('alarm', episodeId('03:40'), { transitions: 1 }));
  });

  test('an ALARM just inside the window re-opens the same episode', () => {
    const alarm = new Alarm();
    alarm.change('ALARM', '03:00');
    alarm.change('OK', '03:10');
    expect(alarm.change('ALARM', '03:39')).toEqual(notified('reopened', episodeId('03:00')));
  });

  test('after a quiet window, a flapping episode ends with an ALARM opening a new episode', () => {
    const alarm = new Alarm();
    alarm.change('ALARM', '03:00');
    alarm.change('OK', '03:05');
    alarm.change('ALARM', '03:10');
    alarm.change('OK', '03:15');
    expect(alarm.change('ALARM', '03:20')).toMatchObject({ notification: 'flapping' });
    expect(alarm.change('OK', '03:25').action).toBe('suppress');
    expect(alarm.change('ALARM', '04:00')).toEqual(notified('alarm', episodeId('04:00'), { transitions: 1 }));
    expect(alarm.head?.episode).toMatchObject({ status: 'open', flapping: false, flapAlerted: false });
  });

  test('a flapping episode, once resolved, is not re-opened: its one flapping alert is spent', () => {
    const alarm = new Alarm();
    alarm.change('ALARM', '03:00');
    alarm.change('OK', '03:05');
    alarm.change('ALARM', '03:10');
    alarm.change('OK', '03:15');
    alarm.change('ALARM', '03:20');
    expect(alarm.change('OK', '04:00')).toEqual(notified('resolved', episodeId('03:00')));
    expect(alarm.change('ALARM', '04:05')).toEqual(notified('alarm', episodeId('04:05')));
  });

  test('the same change delivered by a second path is neither news nor a change', () => {
    const alarm = new Alarm();
    alarm.deliver({ eventId: 'eventbridge-1', state: 'ALARM', previousState: 'OK', at: at('03:00') });
    expect(alarm.deliver({ eventId: 'sns-1', state: 'ALARM', previousState: 'OK', at: at('03:00') })).toEqual(
      suppressed(`already alarming since ${at('03:00')}`, episodeId('03:00')),
    );
    expect(alarm.head?.episode?.transitions).toBe(1);
    expect(alarm.head?.recentChanges).toEqual([at('03:00')]);
  });
});

describe('resolving', () => {
  test('ALARM → INSUFFICIENT_DATA is no data on the same thread, not a resolution: OK resolves later', () => {
    const alarm = new Alarm();
    alarm.change('ALARM', '03:00');
    expect(alarm.change('INSUFFICIENT_DATA', '03:05')).toEqual(
      notified('no-data', episodeId('03:00'), { transitions: 2 }),
    );
    expect(alarm.head?.episode?.status).toBe('open');
    expect(alarm.change('OK', '03:10')).toEqual(notified('resolved', episodeId('03:00'), { transitions: 3 }));
  });

  test('ALARM → INSUFFICIENT_DATA resolves when the policy says no data resolves', () => {
    const alarm = new Alarm({ ...DEFAULT_EPISODE_POLICY, resolveOnNoData: true });
    alarm.change('ALARM', '03:00');
    expect(alarm.change('INSUFFICIENT_DATA', '03:05')).toEqual(
      notified('resolved', episodeId('03:00'), { transitions: 2 }),
    );
  });

  test('the OK of an ALARM alerted without a thread (table unreachable) resolves that alert’s episode', () => {
    const alarm = new Alarm();
    alarm.change('OK', '02:00', 'INSUFFICIENT_DATA');
    // The 03:00 ALARM never reached the table; its alert went out as episode api-errors/03:00.
    expect(
      alarm.deliver({
        eventId: 'ok',
        state: 'OK',
        previousState: 'ALARM',
        at: at('03:20'),
        previousAt: at('03:00'),
      }),
    ).toEqual(notified('resolved', episodeId('03:00'), { transitions: 2 }));
    expect(alarm.head?.episode).toMatchObject({ id: episodeId('03:00'), status: 'resolved' });
  });

  test('an OK whose ALARM was recorded is not mistaken for an unthreaded one', () => {
    const alarm = new Alarm();
    alarm.change('ALARM', '03:00');
    alarm.change('OK', '03:10');
    expect(
      alarm.deliver({
        eventId: 'again',
        state: 'OK',
        previousState: 'ALARM',
        at: at('03:11'),
        previousAt: at('03:00'),
      }),
    ).toEqual(suppressed('nothing to resolve: OK with no open episode'));
  });

  test('OK with no open episode has nothing to resolve', () => {
    const alarm = new Alarm();
    expect(alarm.change('OK', '03:00', 'INSUFFICIENT_DATA')).toEqual(
      suppressed('nothing to resolve: OK with no open episode'),
    );
    alarm.change('ALARM', '03:05');
    alarm.change('OK', '03:10');
    expect(alarm.change('OK', '03:11', 'OK')).toEqual(
      suppressed('nothing to resolve: OK with no open episode'),
    );
  });
});

describe('no data', () => {
  test('OK → INSUFFICIENT_DATA with no open episode is a no-data alert on a thread of its own', () => {
    const alarm = new Alarm();
    alarm.change('OK', '03:00', 'INSUFFICIENT_DATA');
    expect(alarm.change('INSUFFICIENT_DATA', '03:10')).toEqual({
      action: 'notify',
      notification: 'no-data',
      episode: { id: episodeId('03:10'), openedAt: at('03:10'), transitions: 1, flapping: false },
    });
    expect(alarm.head?.episode).toBeUndefined();
  });

  test('losing data after a resolution is no-data too; the resolved episode stays the head', () => {
    const alarm = new Alarm();
    alarm.change('ALARM', '03:00');
    alarm.change('OK', '03:10');
    expect(alarm.change('INSUFFICIENT_DATA', '03:20')).toEqual(notified('no-data', episodeId('03:20')));
    expect(alarm.head?.episode?.id).toBe(episodeId('03:00'));
  });

  test("the alarm's creation is not no-data", () => {
    const alarm = new Alarm();
    expect(alarm.change('INSUFFICIENT_DATA', '03:00', 'INSUFFICIENT_DATA')).toEqual(
      suppressed('nothing to resolve: INSUFFICIENT_DATA with no open episode'),
    );
  });

  test('the same no-data change by a second path is not sent twice', () => {
    const alarm = new Alarm();
    alarm.change('OK', '03:00', 'INSUFFICIENT_DATA');
    alarm.deliver({
      eventId: 'eventbridge',
      state: 'INSUFFICIENT_DATA',
      previousState: 'OK',
      at: at('03:10'),
    });
    expect(
      alarm.deliver({ eventId: 'sns', state: 'INSUFFICIENT_DATA', previousState: 'OK', at: at('03:10') }),
    ).toEqual(suppressed('nothing to resolve: INSUFFICIENT_DATA with no open episode'));
  });
});

describe('late and repeated deliveries', () => {
  test('a change older than the last recorded one is suppressed and changes nothing else', () => {
    const alarm = new Alarm();
    alarm.change('ALARM', '03:00');
    alarm.change('OK', '03:10');
    const before = alarm.head as EpisodeHead;
    expect(alarm.change('ALARM', '03:05', 'OK')).toEqual(
      suppressed(`older than the last recorded change (OK at ${at('03:10')})`, episodeId('03:00')),
    );
    expect(alarm.head).toEqual({
      ...before,
      processed: [...before.processed, { eventId: 'event-3', decision: expect.anything() }],
      version: before.version + 1,
    });
  });

  test('a redelivered event gets the decision it got first, notification included, and writes nothing', () => {
    const alarm = new Alarm();
    const first = { eventId: 'first', state: 'ALARM', previousState: 'OK', at: at('03:00') } as const;
    const decision = alarm.deliver(first);
    alarm.change('ALARM', '03:01', 'ALARM');
    alarm.change('OK', '03:10');
    const head = alarm.head;
    const { decision: again, next } = decideEpisode(head, first, DEFAULT_EPISODE_POLICY, ALARM_NAME);
    expect(again).toEqual(decision);
    expect(again).toMatchObject({ action: 'notify', notification: 'alarm' });
    expect(next).toBe(head);
  });

  test('a redelivered late event gets its suppression again', () => {
    const alarm = new Alarm();
    alarm.change('ALARM', '03:00');
    alarm.change('OK', '03:10');
    const late = { eventId: 'late', state: 'ALARM', previousState: 'OK', at: at('03:05') } as const;
    const decision = alarm.deliver(late);
    expect(decision).toMatchObject({ action: 'suppress', reason: expect.stringMatching(/^older than/) });
    alarm.change('ALARM', '03:20');
    expect(alarm.deliver(late)).toEqual(decision);
  });

  test(`only the last ${REMEMBERED_EVENTS} events are remembered`, () => {
    const alarm = new Alarm();
    for (let minute = 0; minute < 15; minute++) {
      alarm.change(minute % 2 === 0 ? 'ALARM' : 'OK', `03:${String(minute).padStart(2, '0')}`);
    }
    expect(alarm.head?.processed.map((event) => event.eventId)).toEqual(
      Array.from({ length: REMEMBERED_EVENTS }, (_, index) => `event-${index + 6}`),
    );
    expect(alarm.head?.version).toBe(15);
  });

  test('the head keeps only the changes inside the flap window', () => {
    const alarm = new Alarm();
    alarm.change('OK', '03:00', 'INSUFFICIENT_DATA');
    alarm.change('INSUFFICIENT_DATA', '03:10');
    alarm.change('OK', '03:35');
    expect(alarm.head?.recentChanges).toEqual([at('03:10'), at('03:35')]);
  });
});

describe('any sequence of transitions', () => {
  const arbitraryStep = fc.record({
    state: fc.constantFrom(...ALARM_STATES),
    previousState: fc.constantFrom(...ALARM_STATES),
    // Mostly changes close together, so episodes flap and re-open; sometimes a quiet spell or a late delivery.
    gapMinutes: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 6 }), weight: 6 },
      { arbitrary: fc.integer({ min: 20, max: 90 }), weight: 2 },
      { arbitrary: fc.integer({ min: -10, max: -1 }), weight: 1 },
    ),
    /** Which of the recent events to deliver again instead of a new one. */
    redeliver: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 4 },
      { arbitrary: fc.nat({ max: REMEMBERED_EVENTS - 1 }), weight: 1 },
    ),
  });
  const arbitraryPolicy = fc.record({
    flapTransitions: fc.integer({ min: 1, max: 6 }),
    flapWindowMinutes: fc.integer({ min: 10, max: 45 }),
    ttlDays: fc.constant(30),
  });

  test('flaps at most once per episode, resolves only what it opened, answers redeliveries alike, never throws', () => {
    fc.assert(
      fc.property(arbitraryPolicy, fc.array(arbitraryStep, { maxLength: 80 }), (policy, steps) => {
        let head: EpisodeHead | undefined;
        let clock = Date.parse(at('03:00'));
        const delivered: { transition: AlarmTransition; decision: EpisodeDecision }[] = [];
        const opened = new Set<string>();
        const flapped = new Set<string>();

        for (const [index, step] of steps.entries()) {
          const recent = delivered.slice(-REMEMBERED_EVENTS);
          const again = step.redeliver === undefined ? undefined : recent[step.redeliver % recent.length];
          if (again !== undefined) {
            const { decision, next } = decideEpisode(head, again.transition, policy, ALARM_NAME);
            expect(decision).toEqual(again.decision);
            expect(next).toBe(head);
            continue;
          }
          clock += step.gapMinutes * 60_000;
          const transition = {
            eventId: `event-${index}`,
            state: step.state,
            previousState: step.previousState,
            at: new Date(clock).toISOString(),
          };
          const { decision, next } = decideEpisode(head, transition, policy, ALARM_NAME);
          head = next;
          delivered.push({ transition, decision });

          if (decision.action === 'suppress') continue;
          const { id } = decision.episode;
          if (decision.notification === 'alarm') opened.add(id);
          if (decision.notification === 'reopened' || decision.notification === 'resolved') {
            expect(opened).toContain(id);
          }
          if (decision.notification === 'flapping') {
            expect(flapped).not.toContain(id);
            flapped.add(id);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
