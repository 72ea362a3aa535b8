import { oneLine, truncateText } from '../../shared/message-text';
import type { EnrichedAlert, NotificationKind } from '../enriched-alert';
import {
  alarmSubject,
  alertTitle,
  changeLine,
  childLine,
  eventFactLines,
  eventResourceLines,
  historyLine,
  leadLines,
  measurement,
  missingLine,
  selfHealingLine,
  timeOf,
  titleHead,
  traceLine,
  transitionLine,
} from './email-text';

/** AWS Chatbot (Amazon Q Developer in chat applications) custom notification, published as JSON to its topic. */
export interface ChatbotNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: NotificationKind;
    readonly relatedResources: readonly string[];
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

const TITLE_MAX_LENGTH = 250;
const DESCRIPTION_MAX_LENGTH = 8000;
const NEXT_STEPS_MAX = 5;
const KEYWORDS_MAX = 5;
const KEYWORD_MAX_LENGTH = 50;
/** Room kept at the end of the description for the line naming what was left out. */
const LEFT_OUT_RESERVE = 300;

/** A chat message is read on a phone: a few of each list, the rest is in the email and the links. */
const CHAT_ITEMS = {
  errors: 5,
  traces: 3,
  transitions: 5,
  changes: 5,
  children: 10,
  facts: 12,
  resources: 10,
} as const;
/** An event's own text in a chat card: enough to act on; the email carries all of it. */
const CHAT_EVENT_TEXT_LENGTH = 2000;
const CHAT_ERROR_LENGTH = 200;
/** Enough to recognise the event; the email and the structured alert carry all of it. */
const CHAT_RAW_EVENT_LENGTH = 3000;

/**
 * The alert as a chat card. Every update of one episode (alarm, flapping, resolved) carries the
 * episode id as thread id, so a channel shows one thread per incident instead of a wall of cards.
 */
export function toChatbotNotification(alert: EnrichedAlert): ChatbotNotification {
  return {
    version: '1.0',
    source: 'custom',
    id: `${alert.episode.id}/${alert.state}/${alert.changedAt}`,
    content: {
      textType: 'client-markdown',
      title: truncateText(alertTitle(alert), TITLE_MAX_LENGTH),
      description: description(alert),
      nextSteps: nextSteps(alert),
      keywords: keywords(alert),
    },
    metadata: {
      threadId: alert.episode.id,
      summary: truncateText(previewLine(alert), TITLE_MAX_LENGTH),
      eventType: alert.notification,
      relatedResources: relatedResources(alert),
      additionalContext: additionalContext(alert),
    },
  };
}

/** The notification preview: the numbers say more than the summary already in the title. */
function previewLine(alert: EnrichedAlert): string {
  const numbers = measurement(alert);
  return numbers === undefined ? alertTitle(alert) : `${titleHead(alert)}: ${numbers}`;
}

interface Block {
  readonly name: string;
  readonly lines: readonly string[];
}

function description(alert: EnrichedAlert): string {
  const [lead, ...rest] = blocks(alert).filter((block) => block.lines.length > 0);
  const room = DESCRIPTION_MAX_LENGTH - LEFT_OUT_RESERVE;
  let text = truncateText(lead?.lines.join('\n') ?? '', room);
  const leftOut: string[] = [];
  for (const block of rest) {
    const next = `${text}\n\n${block.lines.join('\n')}`;
    if (next.length <= room) text = next;
    else leftOut.push(block.name);
  }
  if (leftOut.length === 0) return text;
  return truncateText(
    `${text}\n\n_Left out to stay within chat limits: ${leftOut.join(', ')}._`,
    DESCRIPTION_MAX_LENGTH,
  );
}

function blocks(alert: EnrichedAlert): Block[] {
  // Bold labels let the eye jump between what, how badly and since.
  const lead = { name: 'summary', lines: leadLines(alert).map((line) => line.replace(/^([^:]+):/, '*$1:*')) };
  if (alert.notification === 'unparseable') {
    const raw = truncateText((alert.rawEvent ?? '').replaceAll('```', "'''"), CHAT_RAW_EVENT_LENGTH);
    return [lead, { name: 'raw event', lines: ['*Raw event*', '```', raw, '```'] }];
  }
  if (alert.event) {
    const event = alert.event;
    return [
      lead,
      { name: 'what it says', lines: ['*What it says*', truncateText(alert.reason, CHAT_EVENT_TEXT_LENGTH)] },
      { name: 'details', lines: ['*Details*', ...capped(eventFactLines(event), CHAT_ITEMS.facts)] },
      {
        name: 'resources',
        lines:
          event.resources.length > 0
            ? ['*Resources*', ...capped(eventResourceLines(event), CHAT_ITEMS.resources)]
            : [],
      },
      notIncludedBlock(alert),
    ];
  }
  const { logs, traces, history, changes } = alert.context;
  return [
    lead,
    {
      name: 'top errors',
      lines: logs
        ? [
            `*Top errors* in \`${logs.logGroup}\``,
            ...(logs.top.length > 0
              ? capped(
                  logs.top.map((error) => `${error.count} x ${codeSpan(error.message)}`),
                  CHAT_ITEMS.errors,
                )
              : ['No error lines found around the change.']),
          ]
        : [],
    },
    {
      name: 'failing traces',
      lines: traces
        ? ['*Failing traces*', ...capped(traces.map(traceLine), CHAT_ITEMS.traces, 'None found.')]
        : [],
    },
    {
      name: 'state history',
      lines: history
        ? [
            `*State history*: ${historyLine(history)}`,
            ...capped(
              history.recent.map((transition) => transitionLine(transition, alert.changedAt)),
              CHAT_ITEMS.transitions,
            ),
          ]
        : [],
    },
    {
      name: 'recent changes',
      lines: changes
        ? [
            '*Recent changes*',
            ...capped(
              changes.map((change) => changeLine(change, alert.changedAt)),
              CHAT_ITEMS.changes,
              'None recorded before the alarm.',
            ),
          ]
        : [],
    },
    {
      name: 'child alarms',
      lines:
        alert.children.length > 0
          ? ['*Child alarms*', ...capped(alert.children.map(childLine), CHAT_ITEMS.children)]
          : [],
    },
    notIncludedBlock(alert),
  ];
}

function notIncludedBlock(alert: EnrichedAlert): Block {
  return {
    name: 'not included',
    lines:
      alert.missing.length > 0
        ? [
            '*Not included* (could not be gathered: unknown, not necessarily fine)',
            ...alert.missing.map((missing) => `- ${missingLine(missing)}`),
          ]
        : [],
  };
}

/** The alarm's ARN, or an event's own ARN and the ARNs among its resources (not plain ids). */
function relatedResources(alert: EnrichedAlert): string[] {
  const resources = (alert.event?.resources ?? []).map((resource) => resource.id);
  const arns = [alert.alarm.arn, ...resources].filter((arn) => arn.startsWith('arn:'));
  return [...new Set(arns)].slice(0, CHAT_ITEMS.resources);
}

/** At most `max` bullets, then how many more; `empty` when there are none. */
function capped(items: readonly string[], max: number, empty?: string): string[] {
  if (items.length === 0) return empty ? [empty] : [];
  const shown = items.slice(0, max).map((item) => `- ${item}`);
  return items.length > max ? [...shown, `- and ${items.length - max} more`] : shown;
}

/** Error text as inline code, so markdown in it is shown, not applied. */
function codeSpan(text: string): string {
  return `\`${truncateText(oneLine(text).replaceAll('`', "'"), CHAT_ERROR_LENGTH)}\``;
}

function nextSteps(alert: EnrichedAlert): string[] {
  if (alert.notification === 'unparseable') {
    const copy = alert.rawEventCopy;
    return copy?.stored
      ? [`Whole event (link works until ${timeOf(copy.expiresAt, alert.changedAt)}): ${copy.url}`]
      : [];
  }
  const { graph, logs } = alert.context;
  const steps = [
    alert.runbook
      ? `Runbook: ${alert.runbook}`
      : `No runbook for this ${alert.event ? 'event' : 'alarm'}: start from its console links.`,
    selfHealingLine(alert),
    graph ? `Graph (link works until ${timeOf(graph.expiresAt, alert.changedAt)}): ${graph.url}` : undefined,
    logs ? `Error logs: ${logs.queryUrl}` : undefined,
    ...alert.links.filter((link) => link.url !== alert.runbook).map((link) => `${link.label}: ${link.url}`),
  ];
  return steps.filter((step) => step !== undefined).slice(0, NEXT_STEPS_MAX);
}

function keywords(alert: EnrichedAlert): string[] {
  const words = [
    alert.severity,
    alert.service,
    alert.resource ?? alarmSubject(alert),
    alert.signal,
    alert.state,
  ]
    .filter((word): word is string => word !== undefined && word !== '')
    .map((word) => truncateText(oneLine(word), KEYWORD_MAX_LENGTH));
  return [...new Set(words)].slice(0, KEYWORDS_MAX);
}

function additionalContext(alert: EnrichedAlert): Record<string, string> {
  const context: Record<string, string | undefined> = {
    severity: alert.severity,
    service: alert.service,
    resource: alert.resource,
    signal: alert.signal,
    state: alert.state,
    previousState: alert.previousState,
    notification: alert.notification,
    alarm: alert.alarm.name,
    account: alert.alarm.account,
    region: alert.alarm.region,
    changedAt: alert.changedAt,
    episode: alert.episode.id,
    owner: alert.owner,
    playbook: alert.remediation?.playbook,
    remediationMode: remediationModeOf(alert),
    actionsSuppressedBy: alert.actionsSuppressed?.by,
  };
  return Object.fromEntries(
    Object.entries(context).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
}

/** The playbook's mode as chat filters match it: `approval` when a human decides first. */
function remediationModeOf(alert: EnrichedAlert): string | undefined {
  const remediation = alert.remediation;
  if (remediation === undefined) return undefined;
  const policy = remediation.policy;
  if (policy === undefined) return 'not-deployed';
  return policy.mode === 'enforce' && policy.approval ? 'approval' : policy.mode;
}
