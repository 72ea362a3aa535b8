import type { ActionsSuppression, AlarmState } from '../../shared/alarm-change';
import { oneLine, truncateText } from '../../shared/message-text';
import type {
  AlarmHistorySummary,
  AlertEvent,
  BreachDirection,
  ChildAlarm,
  EnrichedAlert,
  Evaluation,
  FailingTrace,
  MetricGraph,
  MissingContext,
  ResourceChange,
  StateTransition,
  ValueUnit,
} from '../enriched-alert';
import type { EventAlertKind } from '../events/event-alert';

/**
 * The alert as plain text, and the sentences the other human formats (chat, PagerDuty) reuse, so an
 * alert reads the same wherever it lands.
 */

/** SNS refuses longer subjects, and phones show about this much. */
const EMAIL_SUBJECT_MAX_LENGTH = 100;

/** Error lines are often stack traces: the first 300 characters name the error. */
const ERROR_LINE_LENGTH = 300;

export interface EmailText {
  readonly subject: string;
  readonly body: string;
}

/**
 * Subject and body for any mail client, read half-awake: the first lines say what broke, how badly
 * and since when (after CloudWatch's suppression of the alarm's actions, when it did), then the
 * runbook; the sections after them are the evidence, in the order someone investigating needs it;
 * the last names what could not be gathered.
 */
export function toEmailText(alert: EnrichedAlert): EmailText {
  return { subject: truncateText(alertTitle(alert), EMAIL_SUBJECT_MAX_LENGTH), body: emailBody(alert) };
}

/** Severity, what happened, to what, and what it means, on one line, e.g. `[CRITICAL] ALARM predictor/api errors: …`. */
export function alertTitle(alert: EnrichedAlert): string {
  // Not what the alarm means but what happened to it: its data stopped, nothing recovered.
  if (stoppedInAlarm(alert)) {
    return `${titleHead(alert)}: stopped reporting in ALARM; the page stays open until OK`;
  }
  if (closedWithoutData(alert)) {
    return `${titleHead(alert)}: stopped reporting; closed by policy, not recovered`;
  }
  return `${titleHead(alert)}: ${summaryOf(alert)}`;
}

/** The title before its summary, e.g. `[CRITICAL] ALARM predictor/api errors`. */
export function titleHead(alert: EnrichedAlert): string {
  const subject = alert.notification === 'unparseable' ? '' : ` ${alarmSubject(alert)}`;
  const suppressed = alert.actionsSuppressed ? '[SUPPRESSED] ' : '';
  return oneLine(`${suppressed}${titleTag(alert)}${subject}`);
}

/**
 * ALARM → INSUFFICIENT_DATA told on the open episode's thread: the alarm went blind while alarming,
 * which is neither a recovery nor a new problem (`no-data` whose previous state is ALARM).
 */
export function stoppedInAlarm(alert: EnrichedAlert): boolean {
  return alert.notification === 'no-data' && alert.previousState === 'ALARM';
}

/** An episode resolved because its alarm lost its data (the episode policy's `resolveOnNoData`). */
function closedWithoutData(alert: EnrichedAlert): boolean {
  return alert.notification === 'resolved' && alert.state === 'INSUFFICIENT_DATA';
}

/** What an event alert is, in its title: `[CRITICAL] GUARDDUTY FINDING …`. */
const EVENT_TITLES: Readonly<Record<EventAlertKind, string>> = {
  business: 'BUSINESS ALERT',
  guardduty: 'GUARDDUTY FINDING',
  'security-hub': 'SECURITY HUB FINDING',
  health: 'AWS HEALTH EVENT',
};

function titleTag(alert: EnrichedAlert): string {
  const severity = alert.severity.toUpperCase();
  if (alert.event) {
    const what = EVENT_TITLES[alert.event.kind];
    if (alert.notification === 'resolved') return `[RESOLVED] ${what}`;
    return alert.notification === 'updated' ? `[${severity}] ${what} UPDATED` : `[${severity}] ${what}`;
  }
  if (stoppedInAlarm(alert)) return '[NO DATA]';
  switch (alert.notification) {
    case 'alarm':
      return `[${severity}] ALARM`;
    case 'reopened':
      return `[${severity}] ALARM AGAIN`;
    case 'flapping':
      return `[FLAPPING] ${severity}`;
    case 'resolved':
      return `[RESOLVED] ${STATE_WORDS[alert.state]}`;
    case 'no-data':
      return `[${severity}] NO DATA`;
    case 'updated':
      return `[${severity}] UPDATED`;
    case 'unparseable':
      return `[${severity}] UNREADABLE EVENT`;
  }
}

const STATE_WORDS: Readonly<Record<AlarmState, string>> = {
  OK: 'OK',
  ALARM: 'ALARM',
  INSUFFICIENT_DATA: 'NO DATA',
};

/** `service/resource signal` for Vigil alarms, the alarm name for the others and for events. */
export function alarmSubject(alert: EnrichedAlert): string {
  // An event's title already names its kind; its name (finding type, event type, the workload's
  // service) leaves the subject's room to what happened.
  if (alert.event) return alert.alarm.name;
  return alert.resource && alert.signal
    ? `${alert.service}/${alert.resource} ${alert.signal}`
    : alert.alarm.name;
}

function summaryOf(alert: EnrichedAlert): string {
  return oneLine(alert.summary) || oneLine(alert.reason);
}

/**
 * What broke, how badly, since when: the lines that must be understood without reading further. A
 * change whose actions CloudWatch suppressed says so before anything else.
 */
export function leadLines(alert: EnrichedAlert): string[] {
  const suppression = alert.actionsSuppressed;
  const lines = notificationLines(alert);
  return suppression ? [suppressionLine(suppression), ...lines] : lines;
}

/**
 * `Actions suppressed by WaitPeriod: …`: CloudWatch's words, what the documented value means
 * (CompositeAlarm, CloudWatch API Reference), and that Vigil pages no one for it.
 */
function suppressionLine(suppression: ActionsSuppression): string {
  const { by, reason, suppressor, waitPeriodSeconds, extensionPeriodSeconds } = suppression;
  const named = suppressor ? `suppressor alarm ${suppressor}` : 'its suppressor alarm';
  const upTo = (seconds: number | undefined) => (seconds === undefined ? '' : ` up to ${seconds} s`);
  // CloudWatch sends EventBridge an event when an alarm is created, updated, deleted or changes state
  // ("Alarm events and EventBridge"), not when a wait ends: Vigil hears nothing more of a held action.
  const afterWait = 'Vigil gets no event when the wait ends:';
  const meaning: Record<string, string> = {
    alarm: `CloudWatch takes none of this alarm's actions while ${named} is in ALARM.`,
    waitperiod:
      `CloudWatch holds this alarm's actions${upTo(waitPeriodSeconds)} while it waits for ${named} to go into ALARM, ` +
      `and acts after that unless it did. ${afterWait} if the suppressor is still OK by then, this is a live ALARM.`,
    extensionperiod:
      `CloudWatch holds this alarm's actions${upTo(extensionPeriodSeconds)} after ${named} left ALARM, ` +
      `and acts after that. ${afterWait} if this alarm is still in ALARM by then, it is live.`,
  };
  const said = oneLine(reason).replace(/\.$/, '');
  // CloudWatch's reason often only repeats the value (`Actions suppressed by WaitPeriod`).
  const why =
    said === '' || said.toLowerCase() === `actions suppressed by ${by}`.toLowerCase() ? '' : `${said}. `;
  const known = meaning[by.toLowerCase()] ?? '';
  return oneLine(
    `Actions suppressed by ${by}: ${why}${known} Vigil pages no one for this change; the topic and chat get it.`,
  );
}

function notificationLines(alert: EnrichedAlert): string[] {
  if (alert.event) return eventLines(alert, alert.event);
  const summary = summaryOf(alert);
  const when = timeOf(alert.changedAt);
  const episode = alert.episode;
  const sinceOpened = `episode open since ${timeOf(episode.openedAt, alert.changedAt)}, ${plural(episode.transitions, 'state change')} so far`;
  switch (alert.notification) {
    case 'alarm':
      return [
        `What broke: ${summary}`,
        `How badly: ${howBadly(alert)}`,
        `Since: ${when} (was ${alert.previousState}). ${
          episode.transitions <= 1
            ? 'First alert of this episode; updates follow in its thread.'
            : `${capitalized(sinceOpened)}.`
        }`,
      ];
    case 'reopened':
      return [
        `What broke again: ${summary}`,
        `How badly: ${howBadly(alert)}`,
        `Since: ${when}, back in ALARM shortly after recovering; ${sinceOpened}.`,
      ];
    case 'flapping':
      return [
        `What is flapping: ${summary}`,
        `How badly: ${howBadly(alert)}`,
        `Since: flapping since ${timeOf(episode.openedAt)}: ${plural(episode.transitions, 'state change')}, now ${
          alert.state
        }. This one alert stands for all of them.`,
      ];
    case 'resolved':
      if (closedWithoutData(alert)) {
        return [
          `Closed, not recovered: ${alarmSubject(alert)} has no data to evaluate, and episodes here resolve on no data. It had alerted: ${summary}`,
          `Why: ${oneLine(alert.reason)}`,
          `Since: ${when}; the episode lasted ${durationBetween(episode.openedAt, alert.changedAt)} (opened ${timeOf(
            episode.openedAt,
            alert.changedAt,
          )}, ${plural(episode.transitions, 'state change')}). Nobody knows whether it recovered.`,
        ];
      }
      return [
        `Recovered: ${alarmSubject(alert)} is ${STATE_WORDS[alert.state]} again. It had alerted: ${summary}`,
        `Now: ${howBadly(alert)}`,
        `Since: ${when}; the episode lasted ${durationBetween(episode.openedAt, alert.changedAt)} (opened ${timeOf(
          episode.openedAt,
          alert.changedAt,
        )}, ${plural(episode.transitions, 'state change')}).`,
      ];
    case 'no-data':
      if (stoppedInAlarm(alert)) {
        return [
          `Stopped reporting: ${alarmSubject(alert)} has no data to evaluate while in ALARM, so nobody can tell whether this still holds: ${summary}`,
          `Why: ${oneLine(alert.reason)}`,
          `Since: ${when}; the episode opened ${timeOf(episode.openedAt, alert.changedAt)} stays open, and its page with it, until the alarm reports OK.`,
        ];
      }
      return [
        `No data: ${alarmSubject(alert)} has nothing to evaluate, so it cannot tell whether this holds: ${summary}`,
        `Why: ${oneLine(alert.reason)}`,
        `Since: ${when}, was ${alert.previousState}.`,
      ];
    case 'updated':
      return [
        `Still happening: ${summary}`,
        `How badly: ${howBadly(alert)}`,
        `Since: ${when}; ${sinceOpened}.`,
      ];
    case 'unparseable':
      return [
        'What broke: Vigil received an alarm event it could not read; it is forwarded below as received.',
        `Why: ${oneLine(alert.reason)}`,
        `Since: received ${when}. An alarm may be behind it: check the CloudWatch alarms in ALARM.`,
        ...(alert.rawEventCopy ? [rawEventCopyLine(alert.rawEventCopy, alert.changedAt)] : []),
      ];
  }
}

/**
 * The first lines of a business alert, finding or Health event: what happened, how badly in the
 * service's own terms and in Vigil's, and since when, with the episode's reports so far.
 */
function eventLines(alert: EnrichedAlert, event: AlertEvent): string[] {
  const summary = summaryOf(alert);
  const when = timeOf(alert.changedAt);
  const episode = alert.episode;
  const reports = plural(episode.transitions, 'report');
  const howBad = `${event.originalSeverity}; Vigil severity ${alert.severity.toUpperCase()}.`;
  switch (alert.notification) {
    case 'resolved':
      return [
        `Resolved: ${summary}`,
        `Was: ${howBad}`,
        `Since: ${when}; the episode lasted ${durationBetween(episode.openedAt, alert.changedAt)} (opened ${timeOf(
          episode.openedAt,
          alert.changedAt,
        )}, ${reports}).`,
      ];
    case 'updated':
      return [
        `Still happening: ${summary}`,
        `How badly: ${howBad}`,
        `Since: episode open since ${timeOf(episode.openedAt, alert.changedAt)}, ${reports} so far; this one ${when}. Updates follow in this thread.`,
      ];
    default:
      return [
        `What happened: ${summary}`,
        `How badly: ${howBad}`,
        `Since: ${when}. First alert of this episode; updates follow in its thread.`,
      ];
  }
}

/** `Label: value` lines of an event's facts, each one line. */
export function eventFactLines(event: AlertEvent): string[] {
  return event.facts.map((fact) => `${fact.label}: ${oneLine(fact.value)}`);
}

/** One line per resource: `AwsEc2Instance arn:… (us-east-1)`, `i-abcd1111 (IMPAIRED)`. */
export function eventResourceLines(event: AlertEvent): string[] {
  return event.resources.map((resource) => {
    const where = [resource.region, resource.status].filter((part) => part !== undefined).join(', ');
    return `${resource.type ? `${resource.type} ` : ''}${resource.id}${where ? ` (${where})` : ''}`;
  });
}

/** Where the whole unreadable event is, since a channel may cut it; or that it is nowhere else. */
export function rawEventCopyLine(
  copy: NonNullable<EnrichedAlert['rawEventCopy']>,
  reference: string,
): string {
  const size = plural(copy.bytes, 'byte');
  return copy.stored
    ? `Whole event (${size}, s3://${copy.bucket}/${copy.key}; link works until ${timeOf(copy.expiresAt, reference)}): ${copy.url}`
    : `Whole event (${size}) NOT stored: ${oneLine(copy.error)}. What this alert carries is all there is, and a channel that cut it says so.`;
}

/** The runbook, or that there is none: among the first lines, because it is the first thing to open. */
function runbookLine(alert: EnrichedAlert): string {
  return alert.runbook
    ? `Runbook: ${alert.runbook}`
    : `Runbook: none linked to this ${alert.event ? 'event' : 'alarm'}; start from the console links below.`;
}

function howBadly(alert: EnrichedAlert): string {
  const numbers = headlineNumbers(alert);
  if (numbers !== undefined) {
    const label = alert.context.breach?.label;
    return `${numbers.value}${label ? ` in ${label}` : ''}; ${numbers.source}.`;
  }
  // A composite has no numbers of its own: its children are the measure.
  const inAlarm = alert.children.filter((child) => child.state === 'ALARM');
  if (inAlarm.length > 0) {
    return `${plural(inAlarm.length, 'child alarm')} in ALARM: ${inAlarm.map((child) => child.name).join(', ')}.`;
  }
  return oneLine(alert.reason);
}

/**
 * The breach in numbers for one-line summaries (chat preview, PagerDuty summary), e.g.
 * `9874 vs threshold 8000 (1.2x); evaluated: 8433, 9874 (2 of 3 periods)`; undefined without numbers.
 */
export function measurement(alert: EnrichedAlert): string | undefined {
  const numbers = headlineNumbers(alert);
  return numbers && `${numbers.value}; ${numbers.brief}`;
}

/** The value that tells how bad it is, and where it comes from, said so that nobody misreads it. */
interface HeadlineNumbers {
  /** The value against its threshold or band, e.g. `9874 vs threshold 8000 (1.2x)`. */
  readonly value: string;
  /** Where the value comes from, in full, e.g. `evaluated: 8433, 9874 (2 of 3 periods)`. */
  readonly source: string;
  /** The same, short enough for a one-line summary. */
  readonly brief: string;
}

/** Evaluated values listed at most: the newest, enough to see the shape of the breach. */
const LISTED_VALUES = 6;

/**
 * One source of truth: the values CloudWatch evaluated for this change. In ALARM the worst breaching
 * one is the headline (the highest of an upper threshold, the lowest of a lower one, the farthest out
 * of a band), followed by every breaching value and how many of the evaluated periods breached; out of
 * ALARM it is the latest evaluated value. Without evaluated values (the event carried none) the newest
 * complete period of the gathered series stands in, and says it is not what CloudWatch evaluated; the
 * newest point of that series is often a period still in progress, so it is never the headline.
 */
function headlineNumbers(alert: EnrichedAlert): HeadlineNumbers | undefined {
  const evaluation = alert.evaluation;
  if (evaluation !== undefined && evaluation.datapoints.length > 0) {
    return evaluatedNumbers(evaluation, alert.state === 'ALARM', alert.valueUnit);
  }
  return seriesNumbers(alert);
}

interface EvaluatedPoint {
  readonly value: number;
  readonly lower?: number;
  readonly upper?: number;
}

function evaluatedNumbers(
  evaluation: Evaluation,
  inAlarm: boolean,
  unit: ValueUnit | undefined,
): HeadlineNumbers {
  const points: EvaluatedPoint[] = evaluation.datapoints.map((value, index) => ({
    value,
    lower: evaluation.lowerThresholds?.[index],
    upper: evaluation.upperThresholds?.[index],
  }));
  const total = points.length;
  const direction = evaluation.breaches;
  const breaching =
    direction === undefined ? [] : points.filter((point) => breaches(point, direction, evaluation.threshold));
  const worst = inAlarm && direction !== undefined ? worstOf(breaching, direction) : undefined;
  if (worst !== undefined) {
    const source = `evaluated: ${listed(breaching, unit)} (${breaching.length} of ${plural(total, 'period')})`;
    return { value: pointText(worst, evaluation.threshold, unit), source, brief: source };
  }
  const latest = points[total - 1] as EvaluatedPoint;
  const source = `evaluated: ${listed(points, unit)} (${total === 1 ? '1 period' : `${total} periods, newest last`})`;
  return { value: pointText(latest, evaluation.threshold, unit), source, brief: source };
}

function breaches(point: EvaluatedPoint, direction: BreachDirection, threshold: number | undefined): boolean {
  const { value, lower, upper } = point;
  switch (direction) {
    case 'above':
      return threshold !== undefined && value > threshold;
    case 'at-or-above':
      return threshold !== undefined && value >= threshold;
    case 'below':
      return threshold !== undefined && value < threshold;
    case 'at-or-below':
      return threshold !== undefined && value <= threshold;
    case 'outside-band':
      return (lower !== undefined && value < lower) || (upper !== undefined && value > upper);
    case 'above-band':
      return upper !== undefined && value > upper;
    case 'below-band':
      return lower !== undefined && value < lower;
  }
}

/** The breaching point farthest on the breaching side; undefined when none breached. */
function worstOf(points: readonly EvaluatedPoint[], direction: BreachDirection): EvaluatedPoint | undefined {
  const badness = (point: EvaluatedPoint): number => {
    switch (direction) {
      case 'above':
      case 'at-or-above':
        return point.value;
      case 'below':
      case 'at-or-below':
        return -point.value;
      default:
        return Math.max(
          (point.lower ?? point.value) - point.value,
          point.value - (point.upper ?? point.value),
        );
    }
  };
  return points.reduce<EvaluatedPoint | undefined>(
    (worst, point) => (worst === undefined || badness(point) > badness(worst) ? point : worst),
    undefined,
  );
}

/** `…, 8433, 9874`: the newest values, oldest first, as the alarm's unit reads them. */
function listed(points: readonly EvaluatedPoint[], unit: ValueUnit | undefined): string {
  const shown = points.slice(-LISTED_VALUES).map((point) => formatValue(point.value, unit));
  return points.length > LISTED_VALUES ? `…, ${shown.join(', ')}` : shown.join(', ');
}

/** `9874 vs threshold 8000 (1.2x)`, `0.61, outside the expected band 0.18 to 0.34`, or the value alone. */
function pointText(
  point: EvaluatedPoint,
  threshold: number | undefined,
  unit: ValueUnit | undefined,
): string {
  const value = formatValue(point.value, unit);
  if (point.lower !== undefined && point.upper !== undefined) {
    const inside = point.value >= point.lower && point.value <= point.upper;
    return `${value}, ${inside ? 'inside' : 'outside'} the expected band ${formatValue(point.lower, unit)} to ${formatValue(point.upper, unit)}`;
  }
  if (threshold === undefined) return value;
  const times = threshold > 0 && point.value > threshold ? ` (${ratio(point.value / threshold)}x)` : '';
  return `${value} vs threshold ${formatValue(threshold, unit)}${times}`;
}

/** The fallback: the gathered series' newest period that had ended by the change, said as such. */
function seriesNumbers(alert: EnrichedAlert): HeadlineNumbers | undefined {
  const breach = alert.context.breach;
  if (breach === undefined) return undefined;
  const changedAt = Date.parse(alert.changedAt);
  const periodMs = (breach.period ?? 0) * 1000;
  // Without a known period, a point stamped before the change is the best there is.
  const point = breach.datapoints.findLast((candidate) => {
    const start = Date.parse(candidate.timestamp);
    return periodMs > 0 ? start + periodMs <= changedAt : start < changedAt;
  });
  if (point === undefined) return undefined;
  const band =
    breach.lowerBound !== undefined && breach.upperBound !== undefined
      ? { lower: breach.lowerBound, upper: breach.upperBound }
      : {};
  const which = periodMs > 0 ? 'newest complete period' : 'newest datapoint before the change';
  return {
    value: pointText({ value: point.value, ...band }, breach.threshold, alert.valueUnit),
    source:
      `GetMetricData's ${which} (from ${timeOf(point.timestamp, alert.changedAt)}), ` +
      'not necessarily what CloudWatch evaluated: the event carried no evaluated datapoints',
    brief: `${which} from GetMetricData, not the evaluated values`,
  };
}

function emailBody(alert: EnrichedAlert): string {
  if (alert.notification === 'unparseable') {
    return `${leadLines(alert).join('\n')}\n\nRAW EVENT\n${alert.rawEvent ?? '(empty)'}\n`;
  }
  if (alert.event) return eventEmailBody(alert, alert.event);
  const sections = [
    [...leadLines(alert), runbookLine(alert), ...detailLines(alert)],
    ['SELF-HEALING', selfHealingLine(alert)],
    topErrors(alert),
    bulleted(
      'FAILING TRACES',
      alert.context.traces?.map(traceLine),
      'No failing traces found around the change.',
    ),
    stateHistory(alert),
    bulleted(
      'RECENT CHANGES',
      alert.context.changes?.map((change) => changeLine(change, alert.changedAt)),
      'No changes to the resource recorded before the alarm.',
    ),
    bulleted('CHILD ALARMS', alert.children.map(childLine)),
    graph(alert.context.graph, alert.changedAt),
    bulleted(
      'CONSOLE',
      alert.links.filter((link) => link.url !== alert.runbook).map((link) => `${link.label}: ${link.url}`),
    ),
    notIncluded(alert.missing),
  ];
  return `${sections
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join('\n'))
    .join('\n\n')}\n`;
}

/** A business alert, finding or Health event: what it says, its facts, its resources, its links. */
function eventEmailBody(alert: EnrichedAlert, event: AlertEvent): string {
  const sections = [
    [...leadLines(alert), runbookLine(alert)],
    ['WHAT IT SAYS', alert.reason],
    ['DETAILS', ...eventFactLines(event), `Account ${alert.alarm.account}, ${alert.alarm.region}.`],
    bulleted('RESOURCES', eventResourceLines(event)),
    bulleted(
      'CONSOLE',
      alert.links.filter((link) => link.url !== alert.runbook).map((link) => `${link.label}: ${link.url}`),
    ),
    notIncluded(alert.missing),
  ];
  return `${sections
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join('\n'))
    .join('\n\n')}\n`;
}

function detailLines(alert: EnrichedAlert): string[] {
  const lines: string[] = [];
  const trend = trendLine(alert);
  if (trend) lines.push(trend);
  if (alert.thresholdReason) lines.push(`Threshold: ${oneLine(alert.thresholdReason)}.`);
  lines.push(
    `Alarm: ${alert.alarm.name}, ${alert.alarm.kind} alarm, account ${alert.alarm.account}, ${alert.alarm.region}. ` +
      `Severity ${alert.severity.toUpperCase()}${alert.owner ? `, owner ${alert.owner}` : ''}.`,
  );
  if (measurement(alert) !== undefined) lines.push(`CloudWatch says: ${oneLine(alert.reason)}`);
  return lines;
}

function trendLine(alert: EnrichedAlert): string | undefined {
  const breach = alert.context.breach;
  const points = breach?.datapoints ?? [];
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined || points.length < 2) return undefined;
  const span = `${timeOf(first.timestamp, alert.changedAt).replace(' UTC', '')} to ${timeOf(last.timestamp, alert.changedAt)}`;
  const values = points.map((point) => formatValue(point.value, alert.valueUnit)).join(', ');
  // The series runs a period past the change: its last value may be a partial period, lower or odd.
  const period = breach?.period;
  const partial =
    period !== undefined && Date.parse(last.timestamp) + period * 1000 > Date.parse(alert.changedAt)
      ? ' (the last period had not ended at the change)'
      : '';
  return `Trend, ${span}, oldest first: ${values}${partial}`;
}

/** What self-healing does about this alarm, so nobody waits for a fix that will not come. */
export function selfHealingLine(alert: EnrichedAlert): string {
  const remediation = alert.remediation;
  if (remediation === undefined) return 'No playbook: nothing fixes this automatically.';
  const { playbook, policy } = remediation;
  if (policy === undefined) {
    return `Playbook ${playbook} is not deployed in this environment: nothing fixes this automatically. Acting is up to you.`;
  }
  if (policy.mode === 'dry-run') {
    return `Playbook ${playbook} runs in dry-run: it records what it would do and changes nothing. Acting is up to you.`;
  }
  return policy.approval
    ? `Playbook ${playbook} asks for approval in this thread before it acts: nothing changes until someone approves.`
    : `Playbook ${playbook} runs enforced: it acts on this alarm by itself. Check what it did before acting.`;
}

function topErrors(alert: EnrichedAlert): string[] {
  const logs = alert.context.logs;
  if (logs === undefined) return [];
  const errors = logs.top.map((error) => `- ${errorLine(error.count, error.message)}`);
  return [
    `TOP ERRORS in ${logs.logGroup}`,
    ...(errors.length > 0 ? errors : ['No error lines found around the change.']),
    `Query: ${logs.queryUrl}`,
  ];
}

export function errorLine(count: number, message: string): string {
  return `${count} x ${truncateText(oneLine(message), ERROR_LINE_LENGTH)}`;
}

export function traceLine(trace: FailingTrace): string {
  const facts = [
    trace.httpStatus === undefined ? undefined : `HTTP ${trace.httpStatus}`,
    trace.durationSeconds === undefined ? undefined : `${formatNumber(trace.durationSeconds)} s`,
    trace.fault ? 'fault' : undefined,
    trace.error ? 'error' : undefined,
    trace.throttle ? 'throttled' : undefined,
  ].filter((fact) => fact !== undefined);
  return `${trace.id}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}: ${trace.url}`;
}

function stateHistory(alert: EnrichedAlert): string[] {
  const history = alert.context.history;
  if (history === undefined) return [];
  return [
    `STATE HISTORY, last ${history.windowHours} h`,
    `- ${historyLine(history)}`,
    ...history.recent.map((transition) => `- ${transitionLine(transition, alert.changedAt)}`),
  ];
}

export function historyLine(history: AlarmHistorySummary): string {
  const verdict = history.flapScore > 1 ? 'flapping' : 'steady; above 1 is flapping';
  return `${plural(history.transitions, 'state change')} in ${history.windowHours} h, flap score ${formatNumber(
    history.flapScore,
  )} per hour (${verdict})`;
}

export function transitionLine(transition: StateTransition, reference: string): string {
  return `${timeOf(transition.at, reference)}: ${transition.from} -> ${transition.to}`;
}

export function changeLine(change: ResourceChange, reference: string): string {
  const before = Date.parse(reference) - Date.parse(change.at);
  const relative = before > 0 ? `, ${durationBetween(change.at, reference)} before the alarm` : '';
  return `${timeOf(change.at, reference)}${relative}: ${change.event} on ${change.resource} by ${
    change.actor ?? 'an unknown caller'
  }`;
}

export function childLine(child: ChildAlarm): string {
  return `${child.name} (${child.state})${child.summary ? `: ${oneLine(child.summary)}` : ''}`;
}

function graph(graph: MetricGraph | undefined, reference: string): string[] {
  if (graph === undefined) return [];
  return [`GRAPH (link works until ${timeOf(graph.expiresAt, reference)})`, graph.url];
}

export function missingLine(missing: MissingContext): string {
  return `${missing.source} (${oneLine(missing.reason)})`;
}

/** Last, so nobody reads a missing section as "no errors" or "no changes". */
function notIncluded(missing: readonly MissingContext[]): string[] {
  if (missing.length === 0) return [];
  return [
    ...missing.map((part) => `Not included: ${missingLine(part)}`),
    'These could not be gathered: unknown, not necessarily fine.',
  ];
}

/**
 * A titled list. No section when the source is absent (it is under NOT INCLUDED); `empty` says the
 * source answered with nothing, which is news too.
 */
function bulleted(title: string, items: readonly string[] | undefined, empty?: string): string[] {
  if (items === undefined) return [];
  if (items.length === 0) return empty ? [title, empty] : [];
  return [title, ...items.map((item) => `- ${item}`)];
}

/** `03:12 UTC` on the reference's day, `03:12 UTC on 2026-11-23` otherwise or without a reference. */
export function timeOf(iso: string, reference?: string): string {
  const text = isoText(iso);
  if (text === undefined) return iso;
  const sameDay = reference !== undefined && text.slice(0, 10) === isoText(reference)?.slice(0, 10);
  return sameDay ? `${text.slice(11, 16)} UTC` : `${text.slice(11, 16)} UTC on ${text.slice(0, 10)}`;
}

function isoText(iso: string): string | undefined {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** `20 min`, `2 h 5 min`, `3 d 4 h`: how long from `from` to `to`. */
function durationBetween(from: string, to: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));
  if (Number.isNaN(minutes)) return 'an unknown time';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return hours % 24 === 0 ? `${Math.floor(hours / 24)} d` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** A value of the alarm's metric as its unit reads: `0.0092` of a fraction alarm is `0.92%`. */
function formatValue(value: number, unit: ValueUnit | undefined): string {
  if (unit === 'fraction') return `${formatNumber(value * 100)}%`;
  if (unit === 'percent') return `${formatNumber(value)}%`;
  return formatNumber(value);
}

function ratio(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function capitalized(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
