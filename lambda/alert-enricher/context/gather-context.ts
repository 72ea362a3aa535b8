import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AlarmChange } from '../../shared/alarm-change';
import type { AwsClients } from '../../shared/aws-clients';
import {
  type AlertContext,
  type AlertLink,
  type ChildAlarm,
  CONTEXT_SOURCES,
  type ContextSource,
  type MissingContext,
} from '../enriched-alert';
import { summarizeAlarmHistory } from './alarm-history';
import { getAlarmTags } from './alarm-tags';
import { alarmTarget, type MetricAlarmView } from './alarm-target';
import { childrenFromEvent, describeChildren } from './composite-children';
import { alertLinks } from './console-links';
import { failingTracesSearch, findFailingTraces } from './failing-traces';
import { errorLogsQuery, findLogErrors } from './log-errors';
import { getBreachData } from './metric-datapoints';
import { renderMetricGraph } from './metric-graph';
import { findResourceChanges } from './resource-changes';
import { ContextTimeoutError, ContextUnavailableError, withTimeout } from './with-timeout';

export interface ContextDeps {
  readonly clients: Pick<AwsClients, 'cloudWatch' | 'logs' | 'xray' | 'cloudTrail' | 's3' | 'presigningS3'>;
  /** Bucket the metric graphs are written to. */
  readonly artifactsBucket: string;
  /** How long a graph's presigned link works. */
  readonly graphUrlTtlSeconds: number;
  /** @default the system clock */
  readonly now?: () => Date;
  /**
   * The region (and account, when known) the clients call. Every source is an API call in that region
   * with the function's credentials, so for an alarm elsewhere it would answer about another alarm or
   * nothing, and "no failing traces" would be stated as a fact: such an alarm's sources are not
   * called and are `missing`, saying where the alarm is. @default every alarm is taken as home
   */
  readonly home?: HomeLocation;
}

/** Where the enricher runs. */
export interface HomeLocation {
  readonly region: string;
  /** Unknown: only the region is compared. */
  readonly account?: string;
}

export interface GatherOptions {
  /** The whole gathering resolves by then, whatever is still running. @default 3500 */
  readonly deadlineMs?: number;
  /** Per-source timeouts. @default {@link DEFAULT_TIMEOUTS_MS} */
  readonly timeoutsMs?: Partial<Record<ContextSource, number>>;
}

export interface GatheredContext {
  readonly context: AlertContext;
  /** Composite alarms: their children, those that triggered first. */
  readonly children: readonly ChildAlarm[];
  readonly links: readonly AlertLink[];
  /** Sources that apply to this alarm but gave nothing, in {@link CONTEXT_SOURCES} order. */
  readonly missing: readonly MissingContext[];
}

export const DEFAULT_DEADLINE_MS = 3500;

/** Each under the deadline, so one slow source costs its own part and not the alert's delivery. */
export const DEFAULT_TIMEOUTS_MS: Readonly<Record<ContextSource, number>> = {
  datapoints: 2000,
  graph: 3000,
  logs: 3000,
  traces: 2000,
  history: 2000,
  changes: 2000,
  tags: 1500,
};

/** Describing a composite's children comes before its child's sources can start, so it is kept short. */
const CHILDREN_TIMEOUT_MS = 1000;
const MAX_REASON_LENGTH = 240;

/**
 * Gathers everything that explains the alarm, all sources at once, each under its own timeout and
 * all under one deadline; it never throws. A source that fails or runs out of time is `missing`
 * with a short reason. A source that does not apply to the alarm (no log group for a DynamoDB
 * table, a composite without a metric child in ALARM) is simply absent, not missing: `missing` is
 * said in every format as "go and look yourself", and repeating "not applicable" on every alert of
 * such an alarm would teach readers to skip it.
 */
export async function gatherContext(
  change: AlarmChange,
  deps: ContextDeps,
  options: GatherOptions = {},
): Promise<GatheredContext> {
  const { clients } = deps;
  const now = deps.now ?? (() => new Date());
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const deadline = performance.now() + deadlineMs;
  const timeouts = { ...DEFAULT_TIMEOUTS_MS, ...options.timeoutsMs };
  // Every call's time is capped by what is left, so the whole resolves by the deadline by construction.
  const bounded: Bounded = async (timeoutMs, operation) => {
    const leftMs = Math.max(0, deadline - performance.now());
    try {
      return await withTimeout(Math.min(timeoutMs, leftMs), operation);
    } catch (error) {
      // Said as the deadline when that cut it short: the number to raise is then the deadline.
      if (error instanceof ContextTimeoutError && leftMs < timeoutMs) {
        throw new ContextTimeoutError(deadlineMs);
      }
      throw error;
    }
  };
  const missing: SourceMissing[] = [];
  const elsewhere = elsewhereReason(change, deps.home);
  const run = async <T>(
    source: ContextSource,
    operation: (signal: AbortSignal) => Promise<T>,
  ): Promise<T | undefined> => {
    if (elsewhere !== undefined) {
      missing.push({ source, reason: elsewhere });
      return undefined;
    }
    try {
      return await bounded(timeouts[source], operation);
    } catch (error) {
      missing.push({ source, reason: reasonFor(error) });
      return undefined;
    }
  };

  // The alarm's own history and tags, a composite's too, need nothing else and start at once.
  const history = run('history', (signal) =>
    summarizeAlarmHistory(clients.cloudWatch, change, now(), signal),
  );
  const tags = run('tags', (signal) => getAlarmTags(clients.cloudWatch, change.alarmArn, signal));

  const subject =
    elsewhere !== undefined && change.kind === 'composite'
      ? { children: childrenFromEvent(change), unavailable: elsewhere }
      : await metricSubject(change, clients.cloudWatch, bounded);
  if (subject.unavailable) {
    for (const source of ['datapoints', 'graph', 'logs', 'traces', 'changes'] as const) {
      missing.push({ source, reason: subject.unavailable });
    }
  }
  const { view } = subject;
  const target = view ? alarmTarget(view) : {};
  const { logGroup, traceServiceName, resourceName } = target;
  const logsQuery = view && logGroup ? errorLogsQuery(logGroup, view) : undefined;
  const traceSearch = view && traceServiceName ? failingTracesSearch(traceServiceName, view) : undefined;
  const graphStorage = {
    s3: clients.s3,
    presigningS3: clients.presigningS3,
    bucket: deps.artifactsBucket,
    urlTtlSeconds: deps.graphUrlTtlSeconds,
    now,
  };
  const withMetrics = view && view.metrics.length > 0 ? view : undefined;

  const [breach, graph, logs, traces, changes] = await Promise.all([
    withMetrics && run('datapoints', (signal) => getBreachData(clients.cloudWatch, withMetrics, signal)),
    withMetrics &&
      run('graph', (signal) => renderMetricGraph(clients.cloudWatch, graphStorage, withMetrics, signal)),
    logsQuery && run('logs', (signal) => findLogErrors(clients.logs, change.region, logsQuery, signal)),
    traceSearch &&
      run('traces', (signal) => findFailingTraces(clients.xray, change.region, traceSearch, signal)),
    resourceName
      ? run('changes', (signal) => findResourceChanges(clients.cloudTrail, resourceName, now(), signal))
      : undefined,
  ]);
  return {
    context: { breach, graph, logs, traces, history: await history, changes, tags: await tags },
    children: subject.children,
    links: alertLinks(change, view, { logs: logsQuery, traces: traceSearch }),
    missing: missing.sort((a, b) => CONTEXT_SOURCES.indexOf(a.source) - CONTEXT_SOURCES.indexOf(b.source)),
  };
}

type SourceMissing = MissingContext & { readonly source: ContextSource };

/**
 * Why an alarm's sources are not gathered here, e.g. `not gathered: alarm is in us-east-1/111122223333,
 * Vigil runs in eu-west-1/123456789012`; undefined for an alarm of the home region and account. Where
 * the alarm is comes from its ARN, which names the region and account it lives in.
 */
function elsewhereReason(change: AlarmChange, home: HomeLocation | undefined): string | undefined {
  if (home === undefined) return undefined;
  const [, , , arnRegion, arnAccount] = change.alarmArn.split(':');
  const region = arnRegion || change.region;
  const account = arnAccount || change.account;
  const otherRegion = region !== home.region;
  const otherAccount = home.account !== undefined && account !== home.account;
  if (!otherRegion && !otherAccount) return undefined;
  const here = home.account === undefined ? home.region : `${home.region}/${home.account}`;
  return `not gathered: alarm is in ${region}/${account}, Vigil runs in ${here}`;
}

/** Runs an operation under a timeout and the gathering's deadline, whichever comes first. */
type Bounded = <T>(timeoutMs: number, operation: (signal: AbortSignal) => Promise<T>) => Promise<T>;

interface MetricSubject {
  readonly children: readonly ChildAlarm[];
  /** The alarm whose metrics, logs and traces explain the change. */
  readonly view?: MetricAlarmView;
  /** Why a composite's children could not be described, so nothing is known of its metric child. */
  readonly unavailable?: string;
}

/** The alarm itself, or for a composite its first metric child in ALARM. */
async function metricSubject(
  change: AlarmChange,
  cloudWatch: CloudWatchClient,
  bounded: Bounded,
): Promise<MetricSubject> {
  if (change.kind !== 'composite') return { children: [], view: change };
  try {
    const described = await bounded(CHILDREN_TIMEOUT_MS, (signal) =>
      describeChildren(cloudWatch, change, signal),
    );
    return { children: described.children, view: described.metricChild };
  } catch (error) {
    return {
      children: childrenFromEvent(change),
      unavailable: `child alarms not described: ${reasonFor(error)}`,
    };
  }
}

/** `AccessDeniedException: …`, or a source's own words (`throttled`, `timed out after 2000 ms`). */
function reasonFor(error: unknown): string {
  const reason =
    error instanceof ContextUnavailableError
      ? error.message
      : error instanceof Error
        ? [error.name, error.message].filter(Boolean).join(': ')
        : String(error);
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}
