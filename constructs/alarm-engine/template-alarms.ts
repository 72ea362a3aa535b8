/**
 * Alarm definitions read from CloudFormation templates: a single template (a team's own, or one CDK
 * synthesized) or a whole CDK cloud assembly (`cdk.out`), nested stacks included.
 *
 * Sources: CloudFormation User Guide, resource reference for AWS::CloudWatch::Alarm and
 * AWS::CloudWatch::CompositeAlarm (properties), each referenced type's "Return values" (what `Ref`
 * and `Fn::GetAtt` return), the intrinsic function reference (Fn::Join, Fn::Select, Fn::Split,
 * Fn::Sub, Fn::GetAtt, Fn::ImportValue, Fn::GetStackOutput, Ref) and the pseudo parameters
 * reference (AWS::Region, AWS::AccountId, AWS::Partition, AWS::StackName, AWS::URLSuffix,
 * AWS::NoValue).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  AlarmDefinition,
  ComparisonOperator,
  CompositeAlarmDefinition,
  MetricAlarmDefinition,
  MetricDataQuery,
  MetricStat,
  TreatMissingData,
} from './alarm-definition';
import { alarmArn, CompositeRuleError, parseCompositeRule } from './composite-rule';

/** Where the templates' alarms live, for what intrinsic functions and pseudo parameters return. */
export interface TemplateAlarmOptions {
  /** What `AWS::Region` resolves to, in alarm ARNs and names built from it. @default 'us-east-1' */
  readonly region?: string;
  /** What `AWS::AccountId` resolves to, in alarm ARNs and names built from it. @default '123456789012' */
  readonly account?: string;
  /** What `AWS::Partition` resolves to, in alarm ARNs. @default 'aws' */
  readonly partition?: string;
  /** `AWS::StackName` of a single template (an assembly names its own stacks). @default 'stack' */
  readonly stackName?: string;
  /** The deployed physical name of a resource the template does not name, when the caller knows it. */
  readonly physicalId?: (logicalId: string, stackName: string) => string | undefined;
}

/** The alarms found, and every guess or omission made while reading them. */
export interface TemplateAlarms {
  /** Every alarm read, ready for an {@link AlarmEngine} or a backtest. */
  readonly alarms: AlarmDefinition[];
  /**
   * One line per alarm left out or name guessed, prefixed `<stack>/<logicalId>:`; empty when every
   * alarm was read as written.
   */
  readonly problems: string[];
}

/** Every AWS::CloudWatch::Alarm and AWS::CloudWatch::CompositeAlarm of one template. */
export function alarmsFromTemplate(template: unknown, options: TemplateAlarmOptions = {}): TemplateAlarms {
  const reader = new AssemblyReader(options);
  reader.addStack(options.stackName ?? 'stack', template, new Map(), undefined);
  return reader.result();
}

/**
 * Every alarm of a CDK cloud assembly: each stack `manifest.json` lists (nested assemblies of stages
 * too), and each nested stack's `*.nested.template.json`, found through the `aws:asset:path`
 * metadata CDK writes on the AWS::CloudFormation::Stack resource.
 */
export function alarmsFromAssembly(cdkOutDir: string, options: TemplateAlarmOptions = {}): TemplateAlarms {
  const reader = new AssemblyReader(options);
  reader.addAssembly(cdkOutDir);
  return reader.result();
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Resource = {
  readonly Type?: unknown;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: unknown;
};

/** One file asset of a CDK asset manifest (`*.assets.json`). */
interface AssetEntry {
  readonly source?: { readonly path?: unknown };
  readonly destinations?: Record<string, { readonly objectKey?: unknown }>;
}

/** A value an intrinsic function cannot produce here; the alarm using it is left out. */
class Unresolvable extends Error {}

/** `AWS::NoValue`: the property is treated as absent. */
const NO_VALUE = Symbol('AWS::NoValue');

interface StackContext {
  readonly stackName: string;
  readonly resources: Record<string, Resource>;
  readonly outputs: Record<string, { Value?: unknown; Export?: { Name?: unknown } }>;
  readonly parameterDefaults: Record<string, { Default?: unknown }>;
  /** Values a parent stack passes to a nested stack's parameters, unresolved, with the parent's context. */
  readonly parameters: ReadonlyMap<string, { readonly value: unknown; readonly context: StackContext }>;
  /** Nested stacks by the logical id of their AWS::CloudFormation::Stack resource. */
  readonly nested: Map<string, StackContext>;
  readonly directory: string | undefined;
}

/**
 * What `Ref` returns for a resource, by type: the property holding its name, or how to build the
 * identifier from it. From each type's "Return values" in the CloudFormation resource reference.
 * Types whose `Ref` is a generated id (an API Gateway API's id, for one) are left out on purpose.
 */
const REF_RETURNS: Readonly<Record<string, { readonly property: string; readonly format?: string }>> = {
  'AWS::CloudWatch::Alarm': { property: 'AlarmName' },
  'AWS::CloudWatch::CompositeAlarm': { property: 'AlarmName' },
  'AWS::Lambda::Function': { property: 'FunctionName' },
  'AWS::DynamoDB::Table': { property: 'TableName' },
  'AWS::SQS::Queue': { property: 'QueueName', format: 'https://sqs.{region}.{suffix}/{account}/{name}' },
  'AWS::SNS::Topic': { property: 'TopicName', format: 'arn:{partition}:sns:{region}:{account}:{name}' },
  'AWS::Events::Rule': { property: 'Name' },
  'AWS::Logs::LogGroup': { property: 'LogGroupName' },
  'AWS::KinesisFirehose::DeliveryStream': { property: 'DeliveryStreamName' },
  'AWS::Kinesis::Stream': { property: 'Name' },
  'AWS::S3::Bucket': { property: 'BucketName' },
  'AWS::StepFunctions::StateMachine': {
    property: 'StateMachineName',
    format: 'arn:{partition}:states:{region}:{account}:stateMachine:{name}',
  },
};

/** `Fn::GetAtt` attributes built from a resource's name; any other attribute must be a property of it. */
const ATTRIBUTE_FORMATS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'AWS::CloudWatch::Alarm': { Arn: 'arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}' },
  'AWS::CloudWatch::CompositeAlarm': { Arn: 'arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}' },
  'AWS::Lambda::Function': { Arn: 'arn:{partition}:lambda:{region}:{account}:function:{name}' },
  'AWS::DynamoDB::Table': { Arn: 'arn:{partition}:dynamodb:{region}:{account}:table/{name}' },
  'AWS::SQS::Queue': {
    Arn: 'arn:{partition}:sqs:{region}:{account}:{name}',
    QueueUrl: 'https://sqs.{region}.{suffix}/{account}/{name}',
  },
  'AWS::SNS::Topic': { TopicArn: 'arn:{partition}:sns:{region}:{account}:{name}' },
  'AWS::StepFunctions::StateMachine': {
    Arn: 'arn:{partition}:states:{region}:{account}:stateMachine:{name}',
    Name: '{name}',
  },
  'AWS::Logs::LogGroup': { Arn: 'arn:{partition}:logs:{region}:{account}:log-group:{name}:*' },
};

const METRIC_ALARM_PROPERTIES = [
  'AlarmName',
  'AlarmDescription',
  'Namespace',
  'MetricName',
  'Dimensions',
  'Statistic',
  'ExtendedStatistic',
  'Period',
  'Unit',
  'Metrics',
  'Threshold',
  'ThresholdMetricId',
  'ComparisonOperator',
  'EvaluationPeriods',
  'DatapointsToAlarm',
  'TreatMissingData',
  'EvaluateLowSampleCountPercentile',
] as const;

const COMPOSITE_ALARM_PROPERTIES = [
  'AlarmName',
  'AlarmDescription',
  'AlarmRule',
  'ActionsSuppressor',
] as const;

/** Reads stacks into contexts first, then alarms, so cross-stack and nested references resolve. */
class AssemblyReader {
  private readonly stacks: StackContext[] = [];
  private readonly problems = new Set<string>();
  private readonly region: string;
  private readonly account: string;
  private readonly partition: string;

  constructor(private readonly options: TemplateAlarmOptions) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '123456789012';
    this.partition = options.partition ?? 'aws';
  }

  addAssembly(directory: string): void {
    const manifestPath = path.join(directory, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as {
      artifacts?: Record<string, { type?: string; properties?: Record<string, unknown> }>;
    };
    for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
      const properties = artifact.properties ?? {};
      if (artifact.type === 'aws:cloudformation:stack' && typeof properties.templateFile === 'string') {
        const stackName = typeof properties.stackName === 'string' ? properties.stackName : id;
        const template = readJson(path.join(directory, properties.templateFile));
        this.addStack(stackName, template, new Map(), directory);
      } else if (artifact.type === 'cdk:cloud-assembly' && typeof properties.directoryName === 'string') {
        this.addAssembly(path.join(directory, properties.directoryName));
      }
    }
  }

  addStack(
    stackName: string,
    template: unknown,
    parameters: StackContext['parameters'],
    directory: string | undefined,
  ): StackContext {
    const body = isRecord(template) ? template : {};
    if (!isRecord(template)) this.problems.add(`${stackName}: the template is not a JSON object`);
    const context: StackContext = {
      stackName,
      resources: (isRecord(body.Resources) ? body.Resources : {}) as Record<string, Resource>,
      outputs: (isRecord(body.Outputs) ? body.Outputs : {}) as StackContext['outputs'],
      parameterDefaults: (isRecord(body.Parameters)
        ? body.Parameters
        : {}) as StackContext['parameterDefaults'],
      parameters,
      nested: new Map(),
      directory,
    };
    this.stacks.push(context);
    for (const [logicalId, resource] of Object.entries(context.resources)) {
      if (resource.Type === 'AWS::CloudFormation::Stack') this.addNestedStack(context, logicalId, resource);
    }
    return context;
  }

  result(): TemplateAlarms {
    const alarms: AlarmDefinition[] = [];
    for (const stack of this.stacks) {
      for (const [logicalId, resource] of Object.entries(stack.resources)) {
        if (
          resource.Type !== 'AWS::CloudWatch::Alarm' &&
          resource.Type !== 'AWS::CloudWatch::CompositeAlarm'
        ) {
          continue;
        }
        try {
          alarms.push(
            resource.Type === 'AWS::CloudWatch::Alarm'
              ? this.metricAlarm(stack, logicalId, resource)
              : this.compositeAlarm(stack, logicalId, resource),
          );
        } catch (error) {
          if (!(error instanceof Unresolvable || error instanceof CompositeRuleError)) throw error;
          this.problems.add(`${stack.stackName}/${logicalId}: left out: ${error.message}`);
        }
      }
    }
    return { alarms, problems: [...this.problems] };
  }

  /**
   * CDK writes the nested template's file name, relative to the assembly, as `aws:asset:path`.
   * Not documented by CloudFormation: a nested stack's own name. We use the pattern CloudFormation
   * is seen to use, `<parent>-<logicalId>-<suffix>`, with a made-up suffix.
   */
  private addNestedStack(parent: StackContext, logicalId: string, resource: Resource): void {
    const metadata = isRecord(resource.Metadata) ? resource.Metadata : {};
    const file =
      typeof metadata['aws:asset:path'] === 'string'
        ? metadata['aws:asset:path']
        : this.assetFile(parent, resource);
    if (parent.directory === undefined || file === undefined) {
      this.problems.add(
        `${parent.stackName}/${logicalId}: nested stack not read (its template is a separate file; ` +
          'read the whole assembly with alarmsFromAssembly)',
      );
      return;
    }
    const templatePath = path.join(parent.directory, file);
    if (!fs.existsSync(templatePath)) {
      this.problems.add(`${parent.stackName}/${logicalId}: nested stack template ${file} is missing`);
      return;
    }
    const passed = isRecord(resource.Properties?.Parameters) ? resource.Properties.Parameters : {};
    const parameters = new Map(
      Object.entries(passed).map(([name, value]) => [name, { value, context: parent }]),
    );
    const stackName = `${parent.stackName}-${logicalId}-${generatedSuffix(parent.stackName, logicalId)}`;
    const nested = this.addStack(stackName, readJson(templatePath), parameters, parent.directory);
    parent.nested.set(logicalId, nested);
  }

  /**
   * Without asset metadata, the nested template is the file asset whose S3 object key ends the
   * stack's `TemplateURL`, as the assembly's `*.assets.json` manifests record.
   */
  private assetFile(parent: StackContext, resource: Resource): string | undefined {
    if (parent.directory === undefined) return undefined;
    let url: unknown;
    try {
      url = this.resolve(parent, resource.Properties?.TemplateURL);
    } catch (error) {
      if (error instanceof Unresolvable) return undefined;
      throw error;
    }
    if (typeof url !== 'string') return undefined;
    const objectKey = url.slice(url.lastIndexOf('/') + 1);
    const directory = parent.directory;
    for (const manifest of fs.readdirSync(directory).filter((file) => file.endsWith('.assets.json'))) {
      const files =
        (readJson(path.join(directory, manifest)) as { files?: Record<string, AssetEntry> }).files ?? {};
      for (const entry of Object.values(files)) {
        const keys = Object.values(entry.destinations ?? {}).map((destination) => destination.objectKey);
        if (keys.includes(objectKey) && typeof entry.source?.path === 'string') return entry.source.path;
      }
    }
    return undefined;
  }

  private metricAlarm(stack: StackContext, logicalId: string, resource: Resource): MetricAlarmDefinition {
    const props = this.resolveProperties(stack, resource, METRIC_ALARM_PROPERTIES);
    const name = this.alarmName(stack, logicalId, props.AlarmName);
    const single = props.MetricName !== undefined;
    if (single === (props.Metrics !== undefined)) {
      throw new Unresolvable('an alarm needs exactly one of MetricName and Metrics');
    }
    const threshold = optionalNumber(props.Threshold, 'Threshold');
    const thresholdMetricId = optionalString(props.ThresholdMetricId, 'ThresholdMetricId');
    if (threshold === undefined && thresholdMetricId === undefined) {
      throw new Unresolvable('an alarm needs Threshold or ThresholdMetricId');
    }
    const definition: MetricAlarmDefinition = {
      kind: 'metric',
      name,
      arn: alarmArn(name, this.region, this.account, this.partition),
      description: optionalString(props.AlarmDescription, 'AlarmDescription'),
      metricStat: single ? singleMetricStat(props) : undefined,
      metrics: single ? undefined : metricQueries(props.Metrics),
      threshold,
      thresholdMetricId,
      comparisonOperator: requiredString(
        props.ComparisonOperator,
        'ComparisonOperator',
      ) as ComparisonOperator,
      evaluationPeriods: requiredNumber(props.EvaluationPeriods, 'EvaluationPeriods'),
      datapointsToAlarm: optionalNumber(props.DatapointsToAlarm, 'DatapointsToAlarm'),
      treatMissingData: optionalString(props.TreatMissingData, 'TreatMissingData') as
        | TreatMissingData
        | undefined,
      evaluateLowSampleCountPercentile: optionalString(
        props.EvaluateLowSampleCountPercentile,
        'EvaluateLowSampleCountPercentile',
      ) as MetricAlarmDefinition['evaluateLowSampleCountPercentile'],
    };
    return withoutUndefined(definition);
  }

  private compositeAlarm(
    stack: StackContext,
    logicalId: string,
    resource: Resource,
  ): CompositeAlarmDefinition {
    const props = this.resolveProperties(stack, resource, COMPOSITE_ALARM_PROPERTIES);
    const name = this.alarmName(stack, logicalId, props.AlarmName);
    const rule = requiredString(props.AlarmRule, 'AlarmRule');
    parseCompositeRule(rule);
    return withoutUndefined({
      kind: 'composite',
      name,
      arn: alarmArn(name, this.region, this.account, this.partition),
      description: optionalString(props.AlarmDescription, 'AlarmDescription'),
      rule,
      actionsSuppressor: optionalString(props.ActionsSuppressor, 'ActionsSuppressor'),
    } satisfies CompositeAlarmDefinition);
  }

  /**
   * AWS::CloudWatch::Alarm, `AlarmName`: "If you don't specify a name, CloudFormation generates a
   * unique physical ID and uses that ID for the alarm name." Not documented: that ID's form. We use
   * `<stackName>-<logicalId>-<suffix>`, the form CloudFormation is seen to generate, with a
   * deterministic stand-in suffix, and say so in `problems`.
   */
  private alarmName(stack: StackContext, logicalId: string, alarmName: unknown): string {
    if (alarmName !== undefined) return requiredString(alarmName, 'AlarmName');
    const known = this.options.physicalId?.(logicalId, stack.stackName);
    if (known !== undefined) return known;
    const generated = `${stack.stackName}-${logicalId}-${generatedSuffix(stack.stackName, logicalId)}`;
    this.problems.add(
      `${stack.stackName}/${logicalId}: no AlarmName; CloudFormation generates one, named "${generated}" ` +
        'here (pass physicalId to use the deployed name)',
    );
    return generated;
  }

  /** Only the properties read are resolved: an action's topic or a tag says nothing about evaluation. */
  private resolveProperties(
    stack: StackContext,
    resource: Resource,
    names: readonly string[],
  ): Record<string, unknown> {
    const resolved: Record<string, unknown> = {};
    for (const name of names) {
      const value = resource.Properties?.[name];
      if (value === undefined) continue;
      const result = this.resolve(stack, value);
      if (result !== NO_VALUE) resolved[name] = result;
    }
    return resolved;
  }

  private resolve(stack: StackContext, value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolve(stack, item)).filter((item) => item !== NO_VALUE);
    }
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    const only = keys.length === 1 ? (keys[0] as string) : undefined;
    if (only === 'Ref') return this.ref(stack, this.resolve(stack, value.Ref));
    if (only?.startsWith('Fn::')) return this.intrinsic(stack, only, value[only]);
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = this.resolve(stack, item);
      if (resolved !== NO_VALUE) result[key] = resolved;
    }
    return result;
  }

  private intrinsic(stack: StackContext, name: string, argument: unknown): unknown {
    switch (name) {
      case 'Fn::Join': {
        const [delimiter, items] = this.resolve(stack, argument) as [unknown, unknown];
        if (typeof delimiter !== 'string' || !Array.isArray(items))
          throw new Unresolvable('malformed Fn::Join');
        return items.map((item) => scalarText(item, 'Fn::Join')).join(delimiter);
      }
      case 'Fn::Select': {
        const [index, items] = this.resolve(stack, argument) as [unknown, unknown];
        const at = Number(index);
        if (!Array.isArray(items) || !Number.isInteger(at) || at < 0 || at >= items.length) {
          throw new Unresolvable('Fn::Select index out of range');
        }
        return items[at];
      }
      case 'Fn::Split': {
        const [delimiter, text] = this.resolve(stack, argument) as [unknown, unknown];
        if (typeof delimiter !== 'string' || typeof text !== 'string')
          throw new Unresolvable('malformed Fn::Split');
        return text.split(delimiter);
      }
      case 'Fn::GetAtt': {
        const parts = typeof argument === 'string' ? splitOnce(argument) : this.resolve(stack, argument);
        if (!Array.isArray(parts) || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') {
          throw new Unresolvable('malformed Fn::GetAtt');
        }
        return this.getAtt(stack, parts[0], parts[1]);
      }
      case 'Fn::Sub':
        return this.sub(stack, argument);
      case 'Fn::GetStackOutput': {
        const reference = this.resolve(stack, argument);
        if (!isRecord(reference)) throw new Unresolvable('malformed Fn::GetStackOutput');
        return this.stackOutput(
          scalarText(reference.StackName, 'Fn::GetStackOutput'),
          scalarText(reference.OutputName, 'Fn::GetStackOutput'),
        );
      }
      case 'Fn::ImportValue':
        return this.importValue(scalarText(this.resolve(stack, argument), 'Fn::ImportValue'));
      default:
        throw new Unresolvable(`${name} is not evaluated here`);
    }
  }

  private ref(stack: StackContext, target: unknown): unknown {
    if (typeof target !== 'string') throw new Unresolvable('malformed Ref');
    const pseudo = this.pseudoParameter(stack, target);
    if (pseudo !== undefined) return pseudo;
    const passed = stack.parameters.get(target);
    if (passed !== undefined) return this.resolve(passed.context, passed.value);
    const parameter = stack.parameterDefaults[target];
    if (parameter !== undefined) {
      if (parameter.Default === undefined) throw new Unresolvable(`parameter ${target} has no value`);
      return parameter.Default;
    }
    const resource = stack.resources[target];
    if (resource === undefined)
      throw new Unresolvable(`Ref to ${target}, which the template does not define`);
    const returns = REF_RETURNS[String(resource.Type)];
    const name = this.physicalName(stack, target, resource, returns?.property);
    return returns?.format === undefined ? name : this.format(returns.format, name);
  }

  private getAtt(stack: StackContext, logicalId: string, attribute: string): unknown {
    const resource = stack.resources[logicalId];
    if (resource === undefined)
      throw new Unresolvable(`Fn::GetAtt of ${logicalId}, which the template does not define`);
    const nested = stack.nested.get(logicalId);
    if (nested !== undefined && attribute.startsWith('Outputs.')) {
      const output = nested.outputs[attribute.slice('Outputs.'.length)];
      if (output === undefined)
        throw new Unresolvable(`nested stack ${logicalId} has no output ${attribute}`);
      return this.resolve(nested, output.Value);
    }
    const type = String(resource.Type);
    const format = ATTRIBUTE_FORMATS[type]?.[attribute];
    if (format !== undefined) {
      return this.format(format, this.physicalName(stack, logicalId, resource, REF_RETURNS[type]?.property));
    }
    const property = resource.Properties?.[attribute];
    if (property !== undefined) return this.resolve(stack, property);
    if (attribute === REF_RETURNS[type]?.property || attribute.endsWith('Name')) {
      return this.physicalName(stack, logicalId, resource, attribute);
    }
    throw new Unresolvable(`Fn::GetAtt ${logicalId}.${attribute} (${type}) is not evaluated here`);
  }

  /**
   * The resource's name: the property naming it if the template sets one, else what `physicalId`
   * says, else its logical id, which CloudFormation would not use, so that is a problem.
   */
  private physicalName(
    stack: StackContext,
    logicalId: string,
    resource: Resource,
    property: string | undefined,
  ): string {
    const named = property === undefined ? undefined : resource.Properties?.[property];
    if (named !== undefined) return scalarText(this.resolve(stack, named), property ?? 'name');
    if (resource.Type === 'AWS::CloudWatch::Alarm' || resource.Type === 'AWS::CloudWatch::CompositeAlarm') {
      return this.alarmName(stack, logicalId, undefined);
    }
    const known = this.options.physicalId?.(logicalId, stack.stackName);
    if (known !== undefined) return known;
    this.problems.add(
      `${stack.stackName}/${logicalId}: ${String(resource.Type)} has no ${property ?? 'physical name'} ` +
        'in the template; its logical id stands in for the generated name (pass physicalId to fix)',
    );
    return logicalId;
  }

  private pseudoParameter(stack: StackContext, name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::StackName':
        return stack.stackName;
      case 'AWS::URLSuffix':
        return this.urlSuffix();
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return undefined;
    }
  }

  /** Fn::Sub: `${Name}`, `${Resource.Attribute}` and pseudo parameters; `${!Literal}` stays literal. */
  private sub(stack: StackContext, argument: unknown): string {
    const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
    if (typeof text !== 'string' || !isRecord(variables)) throw new Unresolvable('malformed Fn::Sub');
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, reference: string) => {
      if (literal === '!') return `\${${reference}}`;
      if (reference in variables) return scalarText(this.resolve(stack, variables[reference]), 'Fn::Sub');
      const [logicalId, attribute] = splitOnce(reference);
      if (attribute !== undefined && !reference.startsWith('AWS::')) {
        return scalarText(this.getAtt(stack, logicalId, attribute), 'Fn::Sub');
      }
      return scalarText(this.ref(stack, reference), 'Fn::Sub');
    });
  }

  /**
   * Fn::GetStackOutput, which CDK writes for a reference to another stack of the app: that stack's
   * output. Its `Region` is taken to be the one region all stacks are read in.
   */
  private stackOutput(stackName: string, outputName: string): unknown {
    const source = this.stacks.find((candidate) => candidate.stackName === stackName);
    const output = source?.outputs[outputName];
    if (source === undefined || output === undefined) {
      throw new Unresolvable(`no stack read has output ${outputName} of stack ${stackName}`);
    }
    return this.resolve(source, output.Value);
  }

  /** Fn::ImportValue: the output some stack of the assembly exports under that name. */
  private importValue(exportName: string): unknown {
    for (const stack of this.stacks) {
      for (const output of Object.values(stack.outputs)) {
        if (output.Export === undefined) continue;
        if (this.resolve(stack, output.Export.Name) === exportName) return this.resolve(stack, output.Value);
      }
    }
    throw new Unresolvable(`no stack read exports ${exportName}`);
  }

  private format(pattern: string, name: string): string {
    return pattern
      .replaceAll('{partition}', this.partition)
      .replaceAll('{region}', this.region)
      .replaceAll('{account}', this.account)
      .replaceAll('{suffix}', this.urlSuffix())
      .replaceAll('{name}', name);
  }

  private urlSuffix(): string {
    return this.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  }
}

function singleMetricStat(props: Record<string, unknown>): MetricStat {
  const stat = props.Statistic ?? props.ExtendedStatistic;
  return withoutUndefined({
    metric: {
      namespace: requiredString(props.Namespace, 'Namespace'),
      metricName: requiredString(props.MetricName, 'MetricName'),
      dimensions: dimensions(props.Dimensions),
    },
    period: requiredNumber(props.Period, 'Period'),
    stat: requiredString(stat, 'Statistic or ExtendedStatistic'),
    unit: optionalString(props.Unit, 'Unit'),
  });
}

function metricQueries(metrics: unknown): MetricDataQuery[] {
  if (!Array.isArray(metrics)) throw new Unresolvable('Metrics is not a list');
  return metrics.map((entry) => {
    if (!isRecord(entry)) throw new Unresolvable('an entry of Metrics is not an object');
    const stat = isRecord(entry.MetricStat) ? entry.MetricStat : undefined;
    const metric = stat !== undefined && isRecord(stat.Metric) ? stat.Metric : undefined;
    if (stat !== undefined && metric === undefined) throw new Unresolvable('a MetricStat has no Metric');
    return withoutUndefined({
      id: requiredString(entry.Id, 'Metrics Id'),
      expression: optionalString(entry.Expression, 'Expression'),
      metricStat:
        stat === undefined || metric === undefined
          ? undefined
          : withoutUndefined({
              metric: {
                namespace: requiredString(metric.Namespace, 'Namespace'),
                metricName: requiredString(metric.MetricName, 'MetricName'),
                dimensions: dimensions(metric.Dimensions),
              },
              period: requiredNumber(stat.Period, 'MetricStat Period'),
              stat: requiredString(stat.Stat, 'MetricStat Stat'),
              unit: optionalString(stat.Unit, 'MetricStat Unit'),
            }),
      returnData:
        entry.ReturnData === undefined ? undefined : entry.ReturnData === true || entry.ReturnData === 'true',
      period: optionalNumber(entry.Period, 'Metrics Period'),
      label: optionalString(entry.Label, 'Label'),
    });
  });
}

function dimensions(list: unknown): Record<string, string> {
  if (list === undefined) return {};
  if (!Array.isArray(list)) throw new Unresolvable('Dimensions is not a list');
  return Object.fromEntries(
    list.map((entry) => {
      if (!isRecord(entry)) throw new Unresolvable('a dimension is not an object');
      return [requiredString(entry.Name, 'dimension Name'), requiredString(entry.Value, 'dimension Value')];
    }),
  );
}

/** CloudFormation accepts numbers written as strings ("5"), so both are read. */
function optionalNumber(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number))
    throw new Unresolvable(`${what} is not a number`);
  return number;
}

function requiredNumber(value: unknown, what: string): number {
  const number = optionalNumber(value, what);
  if (number === undefined) throw new Unresolvable(`${what} is missing`);
  return number;
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Unresolvable(`${what} is not a string`);
  return value;
}

function requiredString(value: unknown, what: string): string {
  const text = optionalString(value, what);
  if (text === undefined) throw new Unresolvable(`${what} is missing`);
  return text;
}

function scalarText(value: unknown, where: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw new Unresolvable(`${where} needs text, found ${JSON.stringify(value)}`);
}

function splitOnce(reference: string): [string, string | undefined] {
  const dot = reference.indexOf('.');
  return dot < 0 ? [reference, undefined] : [reference.slice(0, dot), reference.slice(dot + 1)];
}

/** A stand-in for CloudFormation's random suffix: 12 characters, stable for one stack and logical id. */
function generatedSuffix(stackName: string, logicalId: string): string {
  return createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 12).toUpperCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(file: string): Json {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
