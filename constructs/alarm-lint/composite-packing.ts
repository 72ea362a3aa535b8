import { Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { MAX_ALARM_RULE_LENGTH, MAX_COMPOSITE_CHILDREN } from '../alarm-engine/composite-limits';
import { alarmArnLengthOf } from './composite-size';

// `AlarmRule.anyOf` renders `(ALARM("<arn>") OR ALARM("<arn>") …)`.
const TERM_OVERHEAD = 'ALARM("")'.length;
const SEPARATOR = ' OR '.length;
const PARENTHESES = 2;

/** Whether one `AlarmRule.anyOf` over `alarms` fits PutCompositeAlarm's limits, by the lint's estimate. */
export function fitsOneAnyOfRule(alarms: readonly cloudwatch.AlarmBase[]): boolean {
  return (
    alarms.length <= MAX_COMPOSITE_CHILDREN && anyOfLength(alarms.map(termLength)) <= MAX_ALARM_RULE_LENGTH
  );
}

/**
 * Splits `alarms` into groups whose `anyOf` rules each fit, keeping each group within one stack (so a
 * group's composite can live next to its alarms and reference them without cross-stack outputs) and
 * the alarms' order.
 */
export function packIntoAnyOfRules(alarms: readonly cloudwatch.AlarmBase[]): cloudwatch.AlarmBase[][] {
  const byStack = new Map<Stack, cloudwatch.AlarmBase[]>();
  for (const alarm of alarms) {
    const stack = Stack.of(alarm);
    byStack.set(stack, [...(byStack.get(stack) ?? []), alarm]);
  }
  return [...byStack.values()].flatMap((stackAlarms) => {
    const groups: cloudwatch.AlarmBase[][] = [];
    let group: cloudwatch.AlarmBase[] = [];
    let terms: number[] = [];
    for (const alarm of stackAlarms) {
      const term = termLength(alarm);
      const fits =
        group.length < MAX_COMPOSITE_CHILDREN && anyOfLength([...terms, term]) <= MAX_ALARM_RULE_LENGTH;
      if (!fits && group.length > 0) {
        groups.push(group);
        group = [];
        terms = [];
      }
      group.push(alarm);
      terms.push(term);
    }
    if (group.length > 0) groups.push(group);
    return groups;
  });
}

function termLength(alarm: cloudwatch.AlarmBase): number {
  return TERM_OVERHEAD + alarmArnLengthOf(alarm);
}

function anyOfLength(terms: readonly number[]): number {
  return PARENTHESES + terms.reduce((sum, term) => sum + term, 0) + SEPARATOR * Math.max(0, terms.length - 1);
}
