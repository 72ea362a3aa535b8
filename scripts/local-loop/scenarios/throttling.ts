import { type LocalRun, MINUTE, onWatchedFunctions, openLocalRun } from '../local-run';
import { sampledPredictorRequests } from '../predictor-requests';
import type { Scenario, ScenarioRun } from '../scenario';
import { aliasTraffic } from '../traffic';

/** The API function's reservation in this scenario: enough for the usual traffic, not for the burst. */
const RESERVED_CONCURRENCY = 10;
const STEADY_PER_MINUTE = 600;
/** 100 requests a second of 120 ms each want 12 concurrent executions. */
const BURST_PER_MINUTE = 6000;
const BURST_AFTER = 10 * MINUTE;
const DAY = 24 * 60 * MINUTE;
const GIVE_UP_AFTER = 120 * MINUTE;

export const throttling: Scenario = {
  name: 'throttling',
  description:
    'a lasting burst of requests needs more concurrency than the predictor API function reserves; the throttles alarm fires and the lambda-concurrency playbook raises the reservation',
  run: async (options) => {
    const run = await openLocalRun({
      ...options,
      config: {
        predictor: { apiReservedConcurrency: RESERVED_CONCURRENCY },
        remediation: { mode: 'dry-run', playbooks: { 'lambda-concurrency': { mode: 'enforce' } } },
      },
      watch: [{ stack: '-predictor', function: 'ApiFunction', alias: 'ApiLive' }],
      evaluates: onWatchedFunctions,
    });
    try {
      return await burst(run, options.timelineStart);
    } finally {
      await run.close();
    }
  },
};

async function burst(run: LocalRun, start: number): Promise<ScenarioRun> {
  const [api] = run.watched;
  if (!api) throw new Error('the predictor API function is not watched');
  if (api.reservedConcurrency !== RESERVED_CONCURRENCY) {
    throw new Error(
      `the synthesized API function reserves ${api.reservedConcurrency}, not ${RESERVED_CONCURRENCY}`,
    );
  }
  const throttlesAlarm = run.alarmWithPlaybook('lambda-concurrency');
  api.pointAlias(api.publishVersion(), start - 2 * DAY, 'deploy-pipeline');
  let burstAt: number | undefined;
  const requests = sampledPredictorRequests(run, api);
  const { traffic, totals } = aliasTraffic(run.simulation.feed, api, {
    requestsPerMinute: (at) =>
      burstAt !== undefined && at >= burstAt ? BURST_PER_MINUTE : STEADY_PER_MINUTE,
    failureShare: () => 0,
    durationMs: 120,
    sample: requests.sample,
  });
  run.addTraffic(traffic, () => requests.drain());
  run.timeline.add(
    start,
    `traffic: ${STEADY_PER_MINUTE} requests/min to ${api.functionName}:${api.aliasName}, reserved concurrency ${RESERVED_CONCURRENCY}`,
  );

  let detectedAt: number | undefined;
  let resolvedAt: number | undefined;
  run.onTransition((transition) => {
    if (transition.alarm === throttlesAlarm.name && transition.to === 'ALARM') detectedAt ??= transition.at;
  });
  run.onAlert((alert) => {
    if (
      detectedAt !== undefined &&
      alert.notification === 'resolved' &&
      alert.alarm.name === throttlesAlarm.name
    ) {
      resolvedAt = Date.parse(alert.changedAt);
    }
  });
  await run.runUntil(
    () => resolvedAt !== undefined,
    start + GIVE_UP_AFTER,
    () => {
      if (burstAt === undefined && run.now() >= start + BURST_AFTER) {
        burstAt = run.now();
        run.timeline.add(
          burstAt,
          `burst: ${BURST_PER_MINUTE} requests/min from now on, wanting ${(BURST_PER_MINUTE / 60) * 0.12} concurrent executions of the ${RESERVED_CONCURRENCY} reserved`,
        );
      }
    },
  );

  const counts = totals();
  const raised = api.changes.filter((change) => change.reservedConcurrency !== undefined);
  return {
    summary: run.summary('throttling', { from: burstAt, detectedAt, resolvedAt }),
    timeline: run.timeline,
    emails: run.emails,
    notes: run.notes([
      `predictor API: each request is modelled (${counts.invocations} invoked, ${counts.throttles} throttled), and Lambda's built-in metrics derived from them; a sample of ${requests.counts.served} invoked ones ran through the real handler and model, for the logs and traces`,
      `reserved concurrency of ${api.functionName}: ${RESERVED_CONCURRENCY}${raised.map((change) => ` → ${change.reservedConcurrency} (${change.by})`).join('')}`,
    ]),
    failures: [
      detectedAt === undefined && `${throttlesAlarm.name} never fired`,
      !run.remediations.some((r) => r.playbook === 'lambda-concurrency' && r.outcome === 'remediated') &&
        'the lambda-concurrency playbook did not remediate',
      raised.length === 0 && 'the reserved concurrency was never raised',
      resolvedAt === undefined && 'the episode was never resolved',
    ].filter((failure): failure is string => typeof failure === 'string'),
  };
}
