import type { AlarmDefinition } from '../../constructs/alarm-engine/alarm-definition';
import { CliError } from './cli-error';
import { compositeChildren } from './composite-children';

/** What to evaluate for a `--alarm` selection, and which of it to report. */
export interface AlarmSelection {
  /** The selected alarms and every alarm their composite rules read, however deep. */
  readonly evaluate: readonly AlarmDefinition[];
  /** Names to report; every alarm when nothing was selected. */
  readonly report: ReadonlySet<string>;
}

/** Selects alarms by name; an unknown name is a {@link CliError} suggesting the closest names. */
export function selectAlarms(alarms: readonly AlarmDefinition[], names: readonly string[]): AlarmSelection {
  if (names.length === 0) return { evaluate: alarms, report: new Set(alarms.map((alarm) => alarm.name)) };
  const byName = new Map(alarms.map((alarm) => [alarm.name, alarm]));
  for (const name of names) {
    if (!byName.has(name)) {
      const closest = closestNames(name, [...byName.keys()]);
      const hint = closest.length > 0 ? `; did you mean ${closest.map((n) => `"${n}"`).join(', ')}?` : '';
      throw new CliError(`--alarm: no alarm named "${name}"${hint}`);
    }
  }
  const children = compositeChildren(alarms);
  const needed = new Set<string>();
  const visit = (name: string): void => {
    if (!byName.has(name) || needed.has(name)) return;
    needed.add(name);
    for (const child of children.get(name) ?? []) visit(child);
  };
  for (const name of names) visit(name);
  return { evaluate: alarms.filter((alarm) => needed.has(alarm.name)), report: new Set(names) };
}

/** Up to three names nearest `wanted` by edit distance (case-insensitive), those containing it first. */
export function closestNames(wanted: string, names: readonly string[]): string[] {
  const target = wanted.toLowerCase();
  const limit = Math.max(3, Math.floor(target.length / 3));
  return names
    .map((name) => {
      const lower = name.toLowerCase();
      const contains = lower.includes(target) || target.includes(lower);
      return { name, score: contains ? 0 : editDistance(target, lower) };
    })
    .filter((candidate) => candidate.score <= limit)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map((candidate) => candidate.name);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
