import * as fs from 'node:fs';
import type {
  AlarmDefinition,
  MetricAlarmDefinition,
} from '../../../constructs/alarm-engine/alarm-definition';
import type { EngineTransition } from '../../../constructs/alarm-engine/alarm-engine';
import { AlarmSimulation } from '../../../constructs/alarm-engine/simulated-time';
import { alarmsFromAssembly } from '../../../constructs/alarm-engine/template-alarms';
import type { EnrichedAlert } from '../../../lambda/alert-enricher/enriched-alert';
import { alarmStateChangeEvent } from '../alarm-events';
import { captureDeliveredAlerts, writeAlertFormats } from '../alert-outputs';
import { standInCloudWatch } from '../cloudwatch-stand-in';
import { deployedValue } from '../deployed-values';
import { LocalLambdaFunction, standInLambda } from '../lambda-aliases';
import { LOCAL_REGION, LocalAws } from '../local-aws';
import { startLocalDynamoDb } from '../local-dynamodb';
import type { LoopSummary, Scenario } from '../scenario';
import { standInServices } from '../service-stand-ins';
import { synthesizeDevApp } from '../synthesize';
import { SynthesizedAppReader } from '../synthesized-app';
import { Timeline } from '../timeline';
import { aliasTraffic } from '../traffic';
import { VigilLoop } from '../vigil-loop';

const MINUTE = 60_000;
const ACCOUNT = '123456789012';
const REQUESTS_PER_MINUTE = 600;
const RELEASE_AFTER = 10 * MINUTE;
/** The bad model throws on this share of requests (the part of the input it cannot score). */
const BAD_VERSION_FAILURE_SHARE = 0.3;
/** The run gives up if the episode is not resolved by then. */
const GIVE_UP_AFTER = 120 * MINUTE;
/** Simulated time moves in steps of this; the alarm engine evaluates every minute in between. */
const STEP = 10_000;

export const badModelRelease: Scenario = {
  name: 'bad-model-release',
  description:
    'a model version that fails on part of the input is published to the predictor API alias; the error alarm fires, the alert goes out, the alias is rolled back, the episode resolves',
  run: async ({ runFolder, timelineStart }) => {
    // The shipped dev config only says what it would do: this scenario shows the fix being made.
    const app = synthesizeDevApp({
      remediation: { mode: 'dry-run', playbooks: { 'lambda-alias-rollback': { mode: 'enforce' } } },
    });
    const reader = new SynthesizedAppReader(app);
    // Set once the run's timeline and summary exist; alerts are only delivered after that.
    let onDelivered: ((alert: EnrichedAlert) => void) | undefined;
    const capture = captureDeliveredAlerts((alert) => onDelivered?.(alert));
    const dynamoDb = await startLocalDynamoDb(reader);
    try {
      return await run(reader, app.outdir, runFolder, dynamoDb.endpoint, timelineStart);
    } finally {
      capture.restore();
      await dynamoDb.close();
      app.dispose();
    }

    async function run(
      reader: SynthesizedAppReader,
      outdir: string,
      folder: string,
      endpoint: string,
      start: number,
    ): Promise<{ summary: LoopSummary; timeline: Timeline; emails: string[]; notes: string[] }> {
      const timeline = new Timeline(start);
      const apiFn = reader.resource('AWS::Lambda::Function', '-predictor', 'ApiFunction');
      const apiAlias = reader.resource('AWS::Lambda::Alias', '-predictor', 'ApiLive');
      const watched = new LocalLambdaFunction(
        reader.ref(apiFn),
        deployedValue({ 'Fn::GetAtt': [apiFn.logicalId, 'Arn'] }, apiFn.stack),
        String(apiAlias.properties.Name),
        reader.tags(apiFn),
      );

      // The alarms on the function's built-in Lambda metrics, as synthesized; the others read metrics
      // this scenario does not produce (EMF, API Gateway, log filters) and are left out, by name.
      const stacks = new Map(app.stacks.map((entry) => [entry.stack.stackName, entry.stack]));
      const fromAssembly = alarmsFromAssembly(outdir, {
        region: LOCAL_REGION,
        account: ACCOUNT,
        physicalId: (logicalId, stackName) => {
          const stack = stacks.get(stackName);
          try {
            return stack && deployedValue({ Ref: logicalId }, stack);
          } catch {
            return undefined;
          }
        },
      });
      const onFunction = (alarm: AlarmDefinition): alarm is MetricAlarmDefinition => {
        if (alarm.kind !== 'metric') return false;
        const stats = alarm.metricStat
          ? [alarm.metricStat]
          : (alarm.metrics ?? []).flatMap((q) => q.metricStat ?? []);
        return (
          stats.length > 0 &&
          stats.every(
            (stat) =>
              stat.metric.namespace === 'AWS/Lambda' &&
              stat.metric.dimensions.FunctionName === watched.functionName,
          )
        );
      };
      const alarms = fromAssembly.alarms.filter(onFunction);
      const found = alarms.find((alarm) => alarm.description?.includes('"playbook":"lambda-alias-rollback"'));
      if (!found)
        throw new Error(`no alias-rollback alarm on ${watched.functionName} in the synthesized app`);
      // The alarm this scenario is about: the one the alias-rollback playbook is attached to.
      const errorAlarm: MetricAlarmDefinition = found;
      const definitions = new Map<string, AlarmDefinition>(alarms.map((alarm) => [alarm.name, alarm]));
      const arnOf = (name: string) =>
        definitions.get(name)?.arn ?? `arn:aws:cloudwatch:${LOCAL_REGION}:${ACCOUNT}:alarm:${name}`;

      // Healthy before the scenario starts: the alarms are OK, as a deployed workload's would be.
      const simulation = new AlarmSimulation(alarms, start, {
        initialState: 'OK',
        region: LOCAL_REGION,
        account: ACCOUNT,
      });
      const pending: EngineTransition[] = [];
      const since = new Map<string, number>();
      simulation.engine.onTransition((transition) => pending.push(transition));

      const aws = new LocalAws();
      standInCloudWatch(aws, simulation, definitions, arnOf, alarmTags(reader));
      standInLambda(aws, watched, () => simulation.clock.now());
      // Alerts are reported as the enricher delivers them; the remediation run's own reports here.
      const services = standInServices(aws, watched, (message) => {
        const kind = message.attributes.kind ?? '';
        if (!kind.startsWith('remediation')) return;
        timeline.add(
          simulation.clock.now(),
          `${kind} published to ${message.topicArn.split(':').at(-1)} (episode ${message.attributes.episode ?? 'none'}): ${message.subject ?? ''}`,
        );
      });
      const clients = aws.clients(endpoint);

      // The function served the same healthy traffic before the scenario starts: yesterday around
      // this time (anomaly bands train on the same hour of earlier days) and the last half hour (the
      // alarms' evaluation ranges). The alarms start from the steady state that leads to: OK.
      const DAY = 24 * 60 * MINUTE;
      watched.pointAlias(watched.publishVersion(), start - DAY - 60 * MINUTE, 'deploy-pipeline');
      const badVersion = String(watched.versions.length + 1);
      const { traffic, totals } = aliasTraffic(simulation.feed, watched, {
        requestsPerMinute: REQUESTS_PER_MINUTE,
        failureShare: (version) => (version === badVersion ? BAD_VERSION_FAILURE_SHARE : 0),
        durationMs: 120,
      });
      // Alarm events are delivered as they happen, also while a remediation run waits (in AWS,
      // EventBridge does not wait for the run): the resolved alert goes out at the transition.
      const advance = async (ms: number) => {
        simulation.run(simulation.clock.now() + ms, traffic, STEP);
        await deliverPending();
      };

      const loop = new VigilLoop(
        reader,
        aws,
        clients,
        { now: () => simulation.clock.now(), advance },
        {
          onDispatch: (d) =>
            timeline.add(
              simulation.clock.now(),
              `dispatcher: ${d.outcome}${'playbook' in d ? ` ${d.playbook}` : ''}${'reason' in d ? ` (${d.reason})` : ''}`,
            ),
          onExecutionStart: (execution) =>
            timeline.add(
              simulation.clock.now(),
              `remediation run started: ${execution.input.playbook}, ${execution.name}`,
            ),
          onTask: (state, payload, result) =>
            timeline.add(simulation.clock.now(), describeTask(state, payload, result)),
        },
      );

      traffic(start - DAY - 60 * MINUTE, start - DAY + 3 * 60 * MINUTE);
      traffic(start - 30 * MINUTE, start);

      timeline.add(
        start,
        `traffic starts: ${REQUESTS_PER_MINUTE} requests/min to ${watched.functionName}:${watched.aliasName} (version 1)`,
      );
      const summary = {
        alerts: [] as LoopSummary['alerts'][number][],
        remediations: [] as LoopSummary['remediations'][number][],
      };
      let releasedAt: number | undefined;
      let detectedAt: number | undefined;
      let resolvedAt: number | undefined;
      const emails: string[] = [];
      onDelivered = (alert) => {
        const index = summary.alerts.length + 1;
        const file = writeAlertFormats(folder, index, alert);
        emails.push(fs.readFileSync(file, 'utf8'));
        summary.alerts.push({
          alarm: alert.alarm.name,
          severity: alert.severity,
          state: alert.state,
          notification: alert.notification,
          episode: alert.episode.id,
        });
        timeline.add(
          simulation.clock.now(),
          `alert delivered: ${alert.notification}, severity ${alert.severity}, ${alert.alarm.name} (episode ${alert.episode.id}); 4 formats in alert-${String(index).padStart(2, '0')}-*`,
        );
        if (
          detectedAt !== undefined &&
          alert.notification === 'resolved' &&
          alert.alarm.name === errorAlarm.name
        ) {
          resolvedAt = Date.parse(alert.changedAt);
        }
      };
      while (resolvedAt === undefined && simulation.clock.now() < start + GIVE_UP_AFTER) {
        if (releasedAt === undefined && simulation.clock.now() >= start + RELEASE_AFTER) {
          releasedAt = simulation.clock.now();
          watched.pointAlias(watched.publishVersion(), releasedAt, 'deploy-pipeline');
          timeline.add(
            releasedAt,
            `bad release: version ${badVersion} published to ${watched.aliasName}; it fails on ${BAD_VERSION_FAILURE_SHARE * 100}% of requests`,
          );
        }
        await advance(STEP);
      }
      if (pending.length > 0) throw new Error('transitions left undelivered');

      async function deliverPending(): Promise<void> {
        for (let transition = pending.shift(); transition; transition = pending.shift()) {
          const definition = definitions.get(transition.alarm) as MetricAlarmDefinition;
          timeline.add(transition.at, `alarm ${transition.alarm}: ${transition.from} → ${transition.to}`);
          if (releasedAt !== undefined && transition.alarm === errorAlarm.name && transition.to === 'ALARM') {
            detectedAt ??= transition.at;
          }
          const event = alarmStateChangeEvent({
            definition,
            arn: arnOf(transition.alarm),
            transition,
            previousSince: since.get(transition.alarm) ?? start,
            engine: simulation.engine,
            source: simulation.feed,
          });
          since.set(transition.alarm, transition.at);
          const outcome = await loop.deliver(event);
          for (const result of outcome.alerting ?? []) {
            if (result.result !== 'delivered')
              timeline.add(
                transition.at,
                `enricher: ${result.result} ${result.alarm}${'reason' in result ? ` (${result.reason})` : ''}`,
              );
          }
          for (const execution of outcome.executions) {
            const last = execution.result.states.at(-1) ?? '';
            const outcomeName = execution.result.error
              ? `failed (${execution.result.error.name})`
              : last.replace(/^Ended /, '');
            const target = execution.input.target as
              | { functionName?: string; aliasName?: string }
              | undefined;
            summary.remediations.push({
              playbook: String(execution.input.playbook),
              target: `${target?.functionName}:${target?.aliasName}`,
              outcome: outcomeName,
            });
            timeline.add(
              simulation.clock.now(),
              `remediation outcome: ${outcomeName} (path: ${pathOf(execution.result.states)})`,
            );
          }
        }
      }

      const counts = totals();
      const notes = [
        `predictor API handler: not run; each request is modelled (${counts.invocations} requests, ${counts.errors} failed), and Lambda's built-in metrics derived from them`,
        `alarms evaluated: ${alarms.length} of ${fromAssembly.alarms.length} (those on ${watched.functionName}'s built-in Lambda metrics; the rest read metrics this scenario does not produce)`,
        `published messages: ${services.published.length} (alerts and remediation reports), dead-lettered: ${services.queued.length}`,
        ...aws.unsupported.map(
          (call) =>
            `no local stand-in for ${call}: the call failed as an unreachable service would, and the handler carried on without it`,
        ),
      ];
      return {
        summary: {
          scenario: 'bad-model-release',
          simulatedSeconds: Math.round((simulation.clock.now() - start) / 1000),
          wallSeconds: 0,
          detectedAfterSeconds:
            detectedAt === undefined || releasedAt === undefined
              ? null
              : Math.round((detectedAt - releasedAt) / 1000),
          alerts: summary.alerts,
          remediations: summary.remediations,
          resolvedAfterSeconds:
            resolvedAt === undefined || releasedAt === undefined
              ? null
              : Math.round((resolvedAt - releasedAt) / 1000),
          unsupportedCalls: aws.unsupported,
        },
        timeline,
        emails,
        notes,
      };
    }
  },
};

/** One Task of a remediation run, as a timeline line. */
function describeTask(state: string, payload: unknown, result: unknown): string {
  const op = (payload as { op?: string }).op ?? state;
  const out = (result ?? {}) as Record<string, unknown>;
  if (op === 'verify') {
    const v = (out.verification ?? out) as {
      checks?: number;
      lastState?: string;
      consecutiveOk?: number;
      stable?: boolean;
      expired?: boolean;
    };
    const end = v.stable ? ' — stable' : v.expired ? ' — deadline passed' : '';
    return `verify check ${v.checks}: alarm ${v.lastState}, ${v.consecutiveOk} OK in a row${end}`;
  }
  const calls = (out.calls ?? (out.action as { calls?: unknown } | undefined)?.calls) as
    | { service?: string; action?: string; parameters?: Record<string, unknown> }[]
    | undefined;
  if (Array.isArray(calls)) {
    const listed = calls.map((call) => {
      const scalars = Object.entries(call.parameters ?? {}).filter(([, value]) => typeof value !== 'object');
      return `${call.service}:${call.action}(${scalars.map(([key, value]) => `${key}=${value}`).join(', ')})`;
    });
    return `${state}: ${listed.join('; ') || 'no calls'}`;
  }
  return `${state}: ${summaryOf(out)}`;
}

/** A result's plain fields (`exists=true, functionVersion=2`); ARNs and nested parts left out. */
function summaryOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? '';
  return Object.entries(value)
    .filter(([, field]) => typeof field !== 'object' && !String(field).startsWith('arn:'))
    .map(([key, field]) => `${key}=${field}`)
    .join(', ');
}

/** The states a run went through, repeated loops folded (`Verify ×12`), choices left out. */
function pathOf(states: readonly string[]): string {
  const steps = states.filter((state) => !state.endsWith('?') && !state.startsWith('Wait for'));
  const folded: string[] = [];
  const counts: number[] = [];
  for (const step of steps) {
    if (folded.at(-1) === step) counts[counts.length - 1] = (counts.at(-1) ?? 1) + 1;
    else {
      folded.push(step);
      counts.push(1);
    }
  }
  return folded.map((step, i) => ((counts[i] ?? 1) > 1 ? `${step} ×${counts[i]}` : step)).join(' → ');
}

/** Each alarm's tags as the templates set them, by alarm name (ListTagsForResource answers from these). */
function alarmTags(reader: SynthesizedAppReader): ReadonlyMap<string, Readonly<Record<string, string>>> {
  return new Map(
    reader.resources('AWS::CloudWatch::Alarm').flatMap((alarm) => {
      const name = alarm.properties.AlarmName;
      if (name === undefined) return [];
      const tags = (alarm.properties.Tags ?? []) as { Key: string; Value: unknown }[];
      return [
        [
          deployedValue(name, alarm.stack),
          Object.fromEntries(tags.map((tag) => [tag.Key, deployedValue(tag.Value, alarm.stack)])),
        ] as const,
      ];
    }),
  );
}
