import { type LocalRun, MINUTE, onWatchedFunctions, openLocalRun } from '../local-run';
import { sampledPredictorRequests } from '../predictor-requests';
import type { Scenario, ScenarioRun } from '../scenario';
import { aliasTraffic } from '../traffic';

const RESERVED_CONCURRENCY = 10;
const CALM_PER_MINUTE = 600;
/** 70 requests a second of 120 ms each: 8.4 concurrent executions, past the alarm's 8, under the 10 reserved. */
const SURGE_PER_MINUTE = 4200;
/** Surges of this long, with as long a calm between them, for {@link SURGES} rounds. */
const HALF_CYCLE = 4 * MINUTE;
const SURGES = 6;
const SURGES_AFTER = 10 * MINUTE;
const DAY = 24 * 60 * MINUTE;
const GIVE_UP_AFTER = 180 * MINUTE;

export const flapping: Scenario = {
  name: 'flapping',
  description:
    'surges come and go every few minutes and the predictor API concurrency alarm flaps; on-call gets one flapping alert, no page per change, no remediation, and the episode closes once it settles',
  run: async (options) => {
    const run = await openLocalRun({
      ...options,
      // With a reservation the concurrency alarm exists; the surges stay under it, so nothing throttles.
      config: { predictor: { apiReservedConcurrency: RESERVED_CONCURRENCY } },
      watch: [{ stack: '-predictor', function: 'ApiFunction', alias: 'ApiLive' }],
      evaluates: onWatchedFunctions,
    });
    try {
      return await surges(run, options.timelineStart);
    } finally {
      await run.close();
    }
  },
};

async function surges(run: LocalRun, start: number): Promise<ScenarioRun> {
  const [api] = run.watched;
  if (!api) throw new Error('the predictor API function is not watched');
  const concurrencyAlarm = [...run.definitions.values()].find((alarm) =>
    alarm.name.endsWith('-api-concurrency'),
  );
  if (!concurrencyAlarm) throw new Error('no concurrency alarm on the predictor API function');
  api.pointAlias(api.publishVersion(), start - 2 * DAY, 'deploy-pipeline');
  const surgesFrom = start + SURGES_AFTER;
  const surgesUntil = surgesFrom + SURGES * 2 * HALF_CYCLE;
  const surging = (at: number) =>
    at >= surgesFrom && at < surgesUntil && Math.floor((at - surgesFrom) / HALF_CYCLE) % 2 === 0;
  const requests = sampledPredictorRequests(run, api);
  const { traffic } = aliasTraffic(run.simulation.feed, api, {
    requestsPerMinute: (at) => (surging(at) ? SURGE_PER_MINUTE : CALM_PER_MINUTE),
    failureShare: () => 0,
    durationMs: 120,
    sample: requests.sample,
  });
  run.addTraffic(traffic, () => requests.drain());
  run.timeline.add(start, `traffic: ${CALM_PER_MINUTE} requests/min to ${api.functionName}:${api.aliasName}`);
  run.timeline.add(
    surgesFrom,
    `surges begin: ${SURGE_PER_MINUTE} requests/min for ${HALF_CYCLE / MINUTE} min, then ${HALF_CYCLE / MINUTE} min calm, ${SURGES} times`,
  );

  let transitions = 0;
  let firstAlarmAt: number | undefined;
  let resolvedAt: number | undefined;
  run.onTransition((transition) => {
    if (transition.alarm !== concurrencyAlarm.name) return;
    transitions++;
    if (transition.to === 'ALARM') firstAlarmAt ??= transition.at;
  });
  run.onAlert((alert) => {
    if (
      alert.alarm.name === concurrencyAlarm.name &&
      alert.notification === 'resolved' &&
      run.now() >= surgesUntil
    ) {
      resolvedAt = run.now();
    }
  });
  await run.runUntil(() => resolvedAt !== undefined, start + GIVE_UP_AFTER);

  const alerts = run.alerts.filter((alert) => alert.alarm === concurrencyAlarm.name);
  const flappingAlerts = alerts.filter((alert) => alert.notification === 'flapping');
  return {
    summary: run.summary('flapping', { from: surgesFrom, detectedAt: firstAlarmAt, resolvedAt }),
    timeline: run.timeline,
    emails: run.emails,
    notes: run.notes([
      `${concurrencyAlarm.name} changed state ${transitions} times; on-call got ${alerts.length} alert(s) for it`,
      `predictor API: each request is modelled, and Lambda's built-in metrics derived from them; a sample of ${requests.counts.served} ran through the real handler and model, for the logs and traces`,
    ]),
    failures: [
      transitions < 6 && `${concurrencyAlarm.name} changed state only ${transitions} times: it did not flap`,
      flappingAlerts.length !== 1 && `${flappingAlerts.length} flapping alerts instead of one`,
      alerts.length >= transitions && 'every state change paged: flapping was not suppressed',
      run.remediations.length > 0 && 'a remediation ran for a flapping alarm',
      resolvedAt === undefined && 'the flapping episode was never closed',
    ].filter((failure): failure is string => typeof failure === 'string'),
  };
}
