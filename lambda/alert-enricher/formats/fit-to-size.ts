import { truncateText } from '../../shared/message-text';
import type { AlertContext, EnrichedAlert, MissingContext } from '../enriched-alert';

/**
 * Every channel has a size limit (SNS 256 KiB, PagerDuty 512 KiB) and an alert that exceeds it is
 * rejected whole. `fitToSize` gives up context, least useful first, so the page still goes out, and
 * says in `missing` what was given up, so nobody reads a cut list as the full story.
 *
 * Trim order, each step tried only while the rendered alert is still too big:
 * 1. tags: their useful part (owner, runbook, playbook) is already in the alert's own fields;
 * 2. failing traces beyond the first 3: more of the same failure;
 * 3. datapoints beyond the last 12: the breach itself is at the end;
 * 4. resource changes beyond the newest 5;
 * 5. the list of recent transitions (the counts and flap score stay);
 * 6. error messages cut to 300 characters: the rest is mostly stack trace;
 * 7. failing traces entirely;
 * 8. resource changes entirely;
 * 9. error kinds beyond the top 3;
 * 10. the raw event (unparseable alerts), cut to what fits, with a note inside it;
 * 11. last resort: summary, reason, threshold reason and child summaries cut to what fits (at least
 *     100 characters each).
 * Alarm, severity, state, episode and links are never touched. It always terminates: when even the
 * last step cannot fit the alert, the smallest alert it made is returned and the channel refuses it.
 */
export function fitToSize(
  alert: EnrichedAlert,
  render: (alert: EnrichedAlert) => string,
  maxBytes: number,
): EnrichedAlert {
  const fits = (candidate: EnrichedAlert) => Buffer.byteLength(render(candidate)) <= maxBytes;
  if (fits(alert)) return alert;

  const budget = sizeLabel(maxBytes);
  const notes = new Map<MissingContext['source'], string[]>();
  const withNotes = (candidate: EnrichedAlert): EnrichedAlert => ({
    ...candidate,
    missing: [
      ...alert.missing,
      ...[...notes].map(([source, parts]) => ({
        source,
        reason: `trimmed to fit ${budget}: ${parts.join('; ')}`,
      })),
    ],
  });

  let current = alert;
  for (const trim of TRIMS) {
    const cut = trim.apply(current);
    if (cut === undefined) continue;
    const earlier = trim.removesAll ? [] : (notes.get(trim.source) ?? []);
    notes.set(trim.source, [...earlier, cut.note]);
    current = withNotes(cut.alert);
    if (fits(current)) return current;
  }
  current = shortenRawEvent(current, fits, budget);
  return fits(current) ? current : shortenTexts(current, fits);
}

interface Trim {
  readonly source: MissingContext['source'];
  /** Nothing of the source is left, so this note replaces the earlier ones about it. */
  readonly removesAll?: boolean;
  /** The alert with this trim applied; undefined when there is nothing to trim. */
  readonly apply: (
    alert: EnrichedAlert,
  ) => { readonly alert: EnrichedAlert; readonly note: string } | undefined;
}

const TRACES_KEPT = 3;
const DATAPOINTS_KEPT = 12;
const CHANGES_KEPT = 5;
const ERROR_MESSAGE_LENGTH = 300;
const ERROR_KINDS_KEPT = 3;
const MIN_TEXT_LENGTH = 100;

const TRIMS: readonly Trim[] = [
  {
    source: 'tags',
    removesAll: true,
    apply: (alert) => {
      const count = Object.keys(alert.context.tags?.tags ?? {}).length;
      if (count === 0) return undefined;
      return {
        alert: withContext(alert, { tags: undefined }),
        note: `all ${count} tags left out (owner, runbook and playbook are kept)`,
      };
    },
  },
  {
    source: 'traces',
    apply: (alert) => {
      const traces = alert.context.traces ?? [];
      if (traces.length <= TRACES_KEPT) return undefined;
      return {
        alert: withContext(alert, { traces: traces.slice(0, TRACES_KEPT) }),
        note: `first ${TRACES_KEPT} of ${traces.length} failing traces kept`,
      };
    },
  },
  {
    source: 'datapoints',
    apply: (alert) => {
      const breach = alert.context.breach;
      if (breach === undefined || breach.datapoints.length <= DATAPOINTS_KEPT) return undefined;
      return {
        alert: withContext(alert, {
          breach: { ...breach, datapoints: breach.datapoints.slice(-DATAPOINTS_KEPT) },
        }),
        note: `last ${DATAPOINTS_KEPT} of ${breach.datapoints.length} datapoints kept`,
      };
    },
  },
  {
    source: 'changes',
    apply: (alert) => {
      const changes = alert.context.changes ?? [];
      if (changes.length <= CHANGES_KEPT) return undefined;
      const newest = new Set(
        [...changes].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, CHANGES_KEPT),
      );
      return {
        alert: withContext(alert, { changes: changes.filter((change) => newest.has(change)) }),
        note: `newest ${CHANGES_KEPT} of ${changes.length} changes kept`,
      };
    },
  },
  {
    source: 'history',
    apply: (alert) => {
      const history = alert.context.history;
      if (history === undefined || history.recent.length === 0) return undefined;
      return {
        alert: withContext(alert, { history: { ...history, recent: [] } }),
        note: 'list of recent transitions left out (counts and flap score kept)',
      };
    },
  },
  {
    source: 'logs',
    apply: (alert) => {
      const logs = alert.context.logs;
      if (logs === undefined || logs.top.every((error) => error.message.length <= ERROR_MESSAGE_LENGTH)) {
        return undefined;
      }
      const top = logs.top.map((error) => ({
        ...error,
        message: truncateText(error.message, ERROR_MESSAGE_LENGTH),
      }));
      return {
        alert: withContext(alert, { logs: { ...logs, top } }),
        note: `error messages cut to ${ERROR_MESSAGE_LENGTH} characters`,
      };
    },
  },
  {
    source: 'traces',
    removesAll: true,
    apply: (alert) => {
      const traces = alert.context.traces ?? [];
      if (traces.length === 0) return undefined;
      return { alert: withContext(alert, { traces: undefined }), note: 'all failing traces left out' };
    },
  },
  {
    source: 'changes',
    removesAll: true,
    apply: (alert) => {
      const changes = alert.context.changes ?? [];
      if (changes.length === 0) return undefined;
      return { alert: withContext(alert, { changes: undefined }), note: 'all resource changes left out' };
    },
  },
  {
    source: 'logs',
    apply: (alert) => {
      const logs = alert.context.logs;
      if (logs === undefined || logs.top.length <= ERROR_KINDS_KEPT) return undefined;
      return {
        alert: withContext(alert, { logs: { ...logs, top: logs.top.slice(0, ERROR_KINDS_KEPT) } }),
        note: `top ${ERROR_KINDS_KEPT} of ${logs.top.length} error messages kept`,
      };
    },
  },
];

function withContext(alert: EnrichedAlert, part: Partial<AlertContext>): EnrichedAlert {
  return { ...alert, context: { ...alert.context, ...part } };
}

/** The raw event is the whole content of an unparseable alert: keep as much of it as fits. */
function shortenRawEvent(
  alert: EnrichedAlert,
  fits: (alert: EnrichedAlert) => boolean,
  budget: string,
): EnrichedAlert {
  const raw = alert.rawEvent;
  if (raw === undefined) return alert;
  const whole = alert.rawEventCopy?.stored ? '; the whole event is in the stored copy linked above' : '';
  const cut = (keep: number): EnrichedAlert => ({
    ...alert,
    rawEvent: `${truncateText(raw, keep, '')}\n[raw event cut to ${keep} of ${raw.length} characters to fit ${budget}${whole}]`,
  });
  return cut(largestFitting(raw.length - 1, (keep) => fits(cut(keep))) ?? 0);
}

function shortenTexts(alert: EnrichedAlert, fits: (alert: EnrichedAlert) => boolean): EnrichedAlert {
  const cut = (maxLength: number): EnrichedAlert => ({
    ...alert,
    summary: truncateText(alert.summary, maxLength),
    reason: truncateText(alert.reason, maxLength),
    thresholdReason: alert.thresholdReason && truncateText(alert.thresholdReason, maxLength),
    children: alert.children.map((child) => ({
      ...child,
      summary: child.summary && truncateText(child.summary, maxLength),
    })),
  });
  const longest = Math.max(
    alert.summary.length,
    alert.reason.length,
    alert.thresholdReason?.length ?? 0,
    ...alert.children.map((child) => child.summary?.length ?? 0),
  );
  if (longest <= MIN_TEXT_LENGTH) return alert;
  const fitting = largestFitting(longest - MIN_TEXT_LENGTH, (extra) => fits(cut(MIN_TEXT_LENGTH + extra)));
  return cut(MIN_TEXT_LENGTH + (fitting ?? 0));
}

/** The largest n in [0, max] for which `fitsWith(n)` holds (it holds less as n grows); undefined for none. */
function largestFitting(max: number, fitsWith: (n: number) => boolean): number | undefined {
  let low = 0;
  let high = max;
  let best: number | undefined;
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    if (fitsWith(middle)) {
      best = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return best;
}

function sizeLabel(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}
