import { type LocalRun, MINUTE, onWatchedFunctions, openLocalRun } from '../local-run';
import { breaksOnUnseenCategories, sampledPredictorRequests } from '../predictor-requests';
import type { Scenario, ScenarioRun } from '../scenario';
import { aliasTraffic } from '../traffic';

const REQUESTS_PER_MINUTE = 600;
const RELEASE_AFTER = 10 * MINUTE;
/** The bad model throws on this share of requests (the part of the input it cannot score). */
const BAD_VERSION_FAILURE_SHARE = 0.3;
/** The run gives up if the episode is not resolved by then. */
const GIVE_UP_AFTER = 120 * MINUTE;
const DAY = 24 * 60 * MINUTE;
/** On-call's address, subscribed to the high topic by this scenario's config. */
export const ON_CALL_EMAIL = 'oncall@example.com';
/** A chat webhook subscribed to the warning topic by this scenario's config. */
const WARNING_WEBHOOK = 'https://hooks.example.com/vigil-warnings';

export const badModelRelease: Scenario = {
  name: 'bad-model-release',
  description:
    'a model version that fails on part of the input is published to the predictor API alias; the error alarm fires, the alert goes out, the alias is rolled back, the episode resolves',
  run: async (options) => {
    const run = await openLocalRun({
      ...options,
      // The shipped dev config only says what it would do: this scenario shows the fix being made.
      config: {
        remediation: { mode: 'dry-run', playbooks: { 'lambda-alias-rollback': { mode: 'enforce' } } },
        // The shipped dev config has no subscribers: these make the templates carry real
        // subscriptions, so the run shows who each alert reaches (sns-deliveries.jsonl).
        alerts: { high: { emails: [ON_CALL_EMAIL] }, warning: { httpsEndpoints: [WARNING_WEBHOOK] } },
      },
      watch: [PREDICTOR_API],
      // The alarms on the function's built-in Lambda metrics; the others read metrics this scenario
      // does not produce (EMF, API Gateway, log filters).
      evaluates: onWatchedFunctions,
    });
    try {
      return await playBadRelease(run, options.timelineStart, 'bad-model-release');
    } finally {
      await run.close();
    }
  },
};

/** The function the bad release goes to: the predictor API, through its `live` alias. */
export const PREDICTOR_API = { stack: '-predictor', function: 'ApiFunction', alias: 'ApiLive' } as const;

/**
 * The bad release on an open run: healthy traffic, version 2 published at T+10 min, then simulated
 * time until the error alarm's episode resolves (or two hours pass). `scenario` names the outcome.
 */
export async function playBadRelease(run: LocalRun, start: number, scenario: string): Promise<ScenarioRun> {
  const [api] = run.watched;
  if (!api) throw new Error('the predictor API function is not watched');
  // The alarm this scenario is about: the one the alias-rollback playbook is attached to.
  const errorAlarm = run.alarmWithPlaybook('lambda-alias-rollback');

  api.pointAlias(api.publishVersion(), start - 2 * DAY, 'deploy-pipeline');
  const badVersion = String(api.versions.length + 1);
  // The bad version is the same handler whose model cannot score a category unseen in training.
  const broken = breaksOnUnseenCategories();
  const requests = sampledPredictorRequests(run, api, (version) =>
    version === badVersion ? broken : undefined,
  );
  const { traffic, totals } = aliasTraffic(run.simulation.feed, api, {
    requestsPerMinute: REQUESTS_PER_MINUTE,
    failureShare: (version) => (version === badVersion ? BAD_VERSION_FAILURE_SHARE : 0),
    durationMs: 120,
    sample: requests.sample,
  });
  run.addTraffic(traffic, () => requests.drain());
  run.timeline.add(
    start,
    `traffic starts: ${REQUESTS_PER_MINUTE} requests/min to ${api.functionName}:${api.aliasName} (version 1)`,
  );

  let releasedAt: number | undefined;
  let detectedAt: number | undefined;
  let resolvedAt: number | undefined;
  run.onTransition((transition) => {
    if (releasedAt !== undefined && transition.alarm === errorAlarm.name && transition.to === 'ALARM') {
      detectedAt ??= transition.at;
    }
  });
  run.onAlert((alert) => {
    if (
      detectedAt !== undefined &&
      alert.notification === 'resolved' &&
      alert.alarm.name === errorAlarm.name
    ) {
      resolvedAt = Date.parse(alert.changedAt);
    }
  });
  await run.runUntil(
    () => resolvedAt !== undefined,
    start + GIVE_UP_AFTER,
    () => {
      if (releasedAt === undefined && run.now() >= start + RELEASE_AFTER) {
        releasedAt = run.now();
        api.pointAlias(api.publishVersion(), releasedAt, 'deploy-pipeline');
        run.timeline.add(
          releasedAt,
          `bad release: version ${badVersion} published to ${api.aliasName}; it fails on ${BAD_VERSION_FAILURE_SHARE * 100}% of requests`,
        );
      }
    },
  );

  const counts = totals();
  const summary = run.summary(scenario, { from: releasedAt, detectedAt, resolvedAt });
  return {
    summary,
    timeline: run.timeline,
    emails: run.emails,
    notes: run.notes([
      `predictor API: each request is modelled (${counts.invocations} requests, ${counts.errors} failed), and Lambda's built-in metrics derived from them; a sample of ${requests.counts.served} (${requests.counts.failed} failed) ran through the real handler and model, for the logs and traces`,
    ]),
    failures: [
      detectedAt === undefined && `${errorAlarm.name} never fired`,
      run.remediations.length === 0 && 'no remediation ran',
      run.remediations.some((r) => r.outcome !== 'remediated') && 'the rollback did not remediate',
      resolvedAt === undefined && 'the episode was never resolved',
    ].filter((failure): failure is string => typeof failure === 'string'),
  };
}
