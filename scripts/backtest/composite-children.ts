import type { AlarmDefinition } from '../../constructs/alarm-engine/alarm-definition';
import { parseCompositeRule, referencedAlarmName } from '../../constructs/alarm-engine/composite-rule';

/**
 * The names of the alarms each composite's rule reads (rules may name alarms by ARN); a rule that
 * does not parse reads nothing here, and the engine reports it.
 */
export function compositeChildren(
  alarms: readonly AlarmDefinition[],
): ReadonlyMap<string, readonly string[]> {
  const children = new Map<string, readonly string[]>();
  for (const alarm of alarms) {
    if (alarm.kind !== 'composite') continue;
    let named: string[];
    try {
      named = parseCompositeRule(alarm.rule).children();
    } catch {
      named = [];
    }
    children.set(alarm.name, named.map(referencedAlarmName));
  }
  return children;
}

/** `names` and every composite above any of them, however high. */
export function withCompositesAbove(
  names: ReadonlySet<string>,
  children: ReadonlyMap<string, readonly string[]>,
): Map<string, string[]> {
  const reached = new Map<string, string[]>([...names].map((name) => [name, []]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [composite, reads] of children) {
      if (reached.has(composite)) continue;
      const over = reads.filter((child) => reached.has(child));
      if (over.length > 0) {
        reached.set(composite, over);
        grew = true;
      }
    }
  }
  return reached;
}
