import type { AlarmMetricQuery } from '../../shared/alarm-change';
import type { MetricAlarmView } from './alarm-target';

/**
 * What GetMetricData accepts as a query id, and metric widgets as a metric's `id`: letters, digits and
 * underscores, starting with a lowercase letter (CloudWatch user guide, "Using metric math"; the
 * GetMetricData reference says the same of `MetricDataQuery.Id`).
 */
export const VALID_QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

/** Characters an identifier in a metric math expression is made of: a match must not touch one. */
const IDENTIFIER_CHARACTER = '[A-Za-z0-9_]';

/**
 * The view with every metric id usable as a GetMetricData query id and a widget metric id.
 *
 * CloudWatch's EventBridge event names the metric of a single-metric alarm with a generated UUID
 * (`30b6c6b2-a864-43a2-4877-c09a1afc3b87` in the user guide's sample), which GetMetricData refuses
 * with a ValidationError. Each id that does not match {@link VALID_QUERY_ID} gets a fresh `m<n>` that
 * no other entry uses; ids that are valid (a math alarm's, chosen by its author) are kept, so the
 * labels and expressions a reader knows stay as they were. Expressions referring to a renamed id, and
 * the anomaly band's id, are rewritten to match. Returns the view itself when nothing is renamed.
 */
export function withValidQueryIds<T extends Pick<MetricAlarmView, 'metrics' | 'thresholdMetricId'>>(
  view: T,
): T {
  const renamed = new Map<string, string>();
  const taken = new Set(view.metrics.map((query) => query.id));
  let next = 1;
  for (const query of view.metrics) {
    if (VALID_QUERY_ID.test(query.id) || renamed.has(query.id)) continue;
    while (taken.has(`m${next}`)) next++;
    const id = `m${next}`;
    taken.add(id);
    renamed.set(query.id, id);
  }
  if (renamed.size === 0) return view;
  const rename = (id: string) => renamed.get(id) ?? id;
  const metrics: AlarmMetricQuery[] = view.metrics.map((query) => ({
    ...query,
    id: rename(query.id),
    ...(query.expression === undefined ? {} : { expression: renameInExpression(query.expression, renamed) }),
  }));
  return {
    ...view,
    metrics,
    thresholdMetricId: view.thresholdMetricId === undefined ? undefined : rename(view.thresholdMetricId),
  };
}

/**
 * The expression with each renamed id replaced where it stands as a whole identifier, outside quoted
 * text: `SEARCH('{AWS/EC2} m1', 'Average')` and Metrics Insights queries carry strings that may
 * contain anything, and `m10` is not `m1`.
 */
export function renameInExpression(expression: string, renamed: ReadonlyMap<string, string>): string {
  if (renamed.size === 0) return expression;
  // Longest first, so an id that starts with another id is matched whole.
  const alternatives = [...renamed.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const identifier = new RegExp(
    `(?<!${IDENTIFIER_CHARACTER})(?:${alternatives.join('|')})(?!${IDENTIFIER_CHARACTER})`,
    'g',
  );
  // Quoted text (single or double quotes, backslash escapes) is kept as it is; the rest is rewritten.
  return expression
    .split(/('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(identifier, (id) => renamed.get(id) ?? id)))
    .join('');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}
