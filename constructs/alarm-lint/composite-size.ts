import { Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { IConstruct } from 'constructs';
import { MAX_ALARM_RULE_LENGTH, MAX_COMPOSITE_CHILDREN } from '../alarm-engine/composite-limits';

const PUT_COMPOSITE_ALARM_PAGE =
  'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html';
/** PutMetricAlarm and PutCompositeAlarm: `AlarmName` is 1 to 255 characters. */
export const MAX_ALARM_NAME_LENGTH = 255;
const ACCOUNT_ID_LENGTH = 12;
// Where a stack's region is a token, the ARN is estimated with the longest region and partition CDK
// knows, so an estimate never falls short of what CloudFormation renders in any region.
const LONGEST_REGION = Math.max(...RegionInfo.regions.map((region) => region.name.length));
const LONGEST_PARTITION = Math.max(
  ...RegionInfo.regions.map((region) => region.partition?.length ?? 0),
  'aws-us-gov'.length,
);
const TOKEN = /\$\{Token\[[^\]]+\]\}/g;

/** Children and length of a composite alarm's rule, as CloudFormation renders it (tokens estimated). */
export interface AlarmRuleSize {
  readonly children: number;
  readonly length: number;
}

/**
 * Length of `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>` for an alarm whose name has
 * `nameLength` characters, in the region of `scope`'s stack (the longest region and partition when
 * that is a token or there is no scope).
 */
export function alarmArnLength(nameLength: number, scope?: IConstruct): number {
  const region = scope === undefined ? undefined : Stack.of(scope).region;
  const known = region !== undefined && !Token.isUnresolved(region) ? region : undefined;
  const partition = known === undefined ? undefined : RegionInfo.get(known).partition;
  const partitionLength = partition?.length ?? LONGEST_PARTITION;
  const regionLength = known?.length ?? LONGEST_REGION;
  return (
    'arn:'.length +
    partitionLength +
    ':cloudwatch:'.length +
    regionLength +
    ':'.length +
    ACCOUNT_ID_LENGTH +
    ':alarm:'.length +
    nameLength
  );
}

/** The estimated ARN length of a metric or composite alarm (its L2 or L1); a token name counts as 255. */
export function alarmArnLengthOf(alarm: IConstruct): number {
  const resource = alarm instanceof cloudwatch.AlarmBase ? alarm.node.defaultChild : alarm;
  const name =
    resource instanceof cloudwatch.CfnAlarm || resource instanceof cloudwatch.CfnCompositeAlarm
      ? resource.alarmName
      : undefined;
  const nameLength = name !== undefined && !Token.isUnresolved(name) ? name.length : MAX_ALARM_NAME_LENGTH;
  return alarmArnLength(nameLength, alarm);
}

/**
 * Measures a rule as PutCompositeAlarm will receive it. Each token is an alarm ARN: one CDK can trace
 * to its alarm resource is estimated from that alarm's name and stack; any other as the longest ARN.
 * Children are the distinct alarms named in `ALARM(…)`, `OK(…)`, `INSUFFICIENT_DATA(…)` and the
 * lists of `AT_LEAST(…)`.
 */
export function measureAlarmRule(rule: string): AlarmRuleSize {
  const placeholders = new Map<string, string>();
  let tokenLength = 0;
  const text = rule.replace(TOKEN, (token) => {
    tokenLength += tokenArnLength(token);
    const known = placeholders.get(token);
    if (known !== undefined) return known;
    const placeholder = `\u0001${placeholders.size}\u0001`;
    placeholders.set(token, placeholder);
    return placeholder;
  });
  const literalLength = rule.replace(TOKEN, '').length;
  return { children: referencedAlarms(text).size, length: literalLength + tokenLength };
}

/** What is over PutCompositeAlarm's limits, one sentence each; empty when the rule fits. */
export function compositeSizeProblems(size: AlarmRuleSize): string[] {
  const problems: string[] = [];
  if (size.children > MAX_COMPOSITE_CHILDREN) {
    problems.push(
      `its rule names ${size.children} alarms, PutCompositeAlarm allows ${MAX_COMPOSITE_CHILDREN} (${PUT_COMPOSITE_ALARM_PAGE})`,
    );
  }
  if (size.length > MAX_ALARM_RULE_LENGTH) {
    problems.push(
      `its rule is about ${size.length} characters as CloudFormation renders it (ARNs estimated generously), ` +
        `PutCompositeAlarm allows ${MAX_ALARM_RULE_LENGTH} (${PUT_COMPOSITE_ALARM_PAGE})`,
    );
  }
  return problems;
}

function tokenArnLength(token: string): number {
  const resolvable = Tokenization.reverseString(token).firstToken;
  const target =
    resolvable !== undefined && Reference.isReference(resolvable) ? resolvable.target : undefined;
  if (target instanceof cloudwatch.CfnAlarm || target instanceof cloudwatch.CfnCompositeAlarm) {
    return alarmArnLengthOf(target);
  }
  return alarmArnLength(MAX_ALARM_NAME_LENGTH);
}

/** The alarm names or ARNs a rule's functions refer to. */
function referencedAlarms(rule: string): Set<string> {
  const names = new Set<string>();
  const unquote = (argument: string) => argument.trim().replace(/^"(.*)"$/s, '$1');
  for (const match of rule.matchAll(/\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*("[^"]*"|[^()\s"]+)\s*\)/g)) {
    names.add(unquote(match[1] as string));
  }
  for (const match of rule.matchAll(/\bAT_LEAST\s*\([^,()]*,[^,()]*,\s*\(([^()]*)\)\s*\)/g)) {
    for (const argument of (match[1] as string).split(',')) {
      if (argument.trim() !== '') names.add(unquote(argument));
    }
  }
  return names;
}
