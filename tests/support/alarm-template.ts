import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type AlarmDescription, parseAlarmDescription } from '../../constructs/contracts/alarm-description';

/** Loose on purpose: each test asserts the properties it cares about, these are the ones helpers read. */
export type AlarmProperties = Record<string, unknown> & {
  Tags?: { Key: string; Value: string }[];
  Metrics?: MetricQuery[];
};

/** `Expression` is unknown because one that embeds a token (a table name, say) synthesizes as an Fn::Join. */
export interface MetricQuery {
  Id: string;
  Label?: string;
  Expression?: unknown;
  Period?: number;
  ReturnData?: boolean;
  MetricStat?: {
    Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] };
    Period: number;
    Stat: string;
  };
}

/** Alarm names are what the naming rule guarantees, so tests look alarms up by them, not by logical id. */
export function alarmsByName(source: Template | Stack): Map<string, AlarmProperties> {
  const template = Stack.isStack(source) ? Template.fromStack(source) : source;
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
    Properties: AlarmProperties;
  }[];
  return new Map(alarms.map((alarm) => [alarm.Properties.AlarmName as string, alarm.Properties]));
}

/** Tags are a list in CloudFormation; routing and IAM read them by key. */
export function tag(alarm: AlarmProperties | undefined, key: string): string | undefined {
  return alarm?.Tags?.find((entry) => entry.Key === key)?.Value;
}

/** Query ids are chosen by the monitor and stable, unlike their order in the list. */
export function query(alarm: AlarmProperties | undefined, id: string): MetricQuery | undefined {
  return alarm?.Metrics?.find((entry) => entry.Id === id);
}

/** The query the alarm evaluates; a lone expression counts too, as CloudWatch would then return it. */
export function returnedQuery(alarm: AlarmProperties | undefined): MetricQuery | undefined {
  const returned = alarm?.Metrics?.find((entry) => entry.ReturnData);
  if (returned) return returned;
  const expressions = alarm?.Metrics?.filter((entry) => entry.Expression !== undefined) ?? [];
  return expressions.length === 1 ? expressions[0] : undefined;
}

/** The math the alarm's threshold is compared with, which is what most metric-math tests pin. */
export function expression(alarm: AlarmProperties | undefined): unknown {
  return returnedQuery(alarm)?.Expression;
}

/**
 * Alarms carry their facts as JSON in AlarmDescription, for the enrichment Lambda to read. A
 * description naming a log group is an Fn::Join; its references read as `${LogicalId}` here.
 */
export function description(alarm: AlarmProperties | undefined): AlarmDescription | undefined {
  return parseAlarmDescription(joined(alarm?.AlarmDescription));
}

/** The AlarmDescription as text; references in a joined one read as `${LogicalId}`. */
export function descriptionText(alarm: AlarmProperties | undefined): string | undefined {
  return joined(alarm?.AlarmDescription);
}

function joined(value: unknown): string | undefined {
  if (typeof value === 'string' || value === undefined) return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return undefined;
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      const attribute = (part as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'];
      return `\${${ref ?? attribute?.join('.')}}`;
    })
    .join(join[0]);
}

/** Every threshold must explain itself to the person paged; tests pin that explanation. */
export function thresholdReason(alarm: AlarmProperties | undefined): string | undefined {
  return description(alarm)?.threshold;
}

/** Synth never runs the code, so any small inline handler gives a real function to monitor. */
export function newFunction(
  stack: Stack,
  id = 'Handler',
  props: Partial<lambda.FunctionProps> = {},
): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    ...props,
  });
}
