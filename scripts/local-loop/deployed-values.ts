import { createHash } from 'node:crypto';
import { Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** Account and region of stacks synthesized without a pinned environment. */
export const DEPLOYED_ACCOUNT = '123456789012';
export const DEPLOYED_REGION = 'eu-west-1';

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

interface StackTemplate {
  readonly Resources?: Record<string, Resource>;
  readonly Parameters?: Record<string, { Default?: unknown }>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

/**
 * The variables as the function would see them once deployed: literals as synthesized, and each
 * reference (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::ImportValue`, `Fn::GetStackOutput`) as a
 * plausible value of the kind CloudFormation returns for it (a topic's ARN, a queue's URL, a table's
 * name), so a handler's configuration schema can check the form.
 */
export function deployedEnvironment(
  variables: Readonly<Record<string, unknown>>,
  stack: Stack,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, deployedValue(value, stack)]),
  );
}

/**
 * A template value of `stack` as deployed: see {@link deployedEnvironment}. Throws for an intrinsic
 * or a resource kind it does not know, naming it, rather than inventing something of the wrong kind.
 */
export function deployedValue(value: unknown, stack: Stack): string {
  const resolved = Deployment.of(stack).resolve(value);
  if (typeof resolved !== 'string') {
    throw new Error(
      `${stack.stackName}: ${JSON.stringify(value)} deploys as ${JSON.stringify(resolved)}, not text`,
    );
  }
  return resolved;
}

class Deployment {
  private static readonly cache = new WeakMap<Stack, Deployment>();

  /** One per stack: reading a template back checks it for cycles, which takes a while for a large one. */
  static of(stack: Stack): Deployment {
    let deployment = Deployment.cache.get(stack);
    if (deployment === undefined) {
      deployment = new Deployment(stack);
      Deployment.cache.set(stack, deployment);
    }
    return deployment;
  }

  private readonly template: StackTemplate;
  private readonly stackName: string;
  private readonly account: string;
  private readonly region: string;

  private constructor(private readonly stack: Stack) {
    this.template = Template.fromStack(stack).toJSON() as StackTemplate;
    this.stackName = stack.stackName;
    this.account = Token.isUnresolved(stack.account) ? DEPLOYED_ACCOUNT : stack.account;
    this.region = Token.isUnresolved(stack.region) ? DEPLOYED_REGION : stack.region;
  }

  resolve(value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    const entries = Object.entries(value);
    const [intrinsic, argument] = entries[0] ?? [];
    if (entries.length !== 1 || !(intrinsic === 'Ref' || intrinsic?.startsWith('Fn::'))) {
      return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item)]));
    }
    switch (intrinsic) {
      case 'Ref':
        return this.ref(argument as string);
      case 'Fn::GetAtt': {
        const [id, attribute] =
          typeof argument === 'string' ? argument.split(/\.(.*)/s) : (argument as string[]);
        return this.attribute(id as string, attribute as string);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return this.text(parts, intrinsic).join(separator);
      }
      case 'Fn::Sub':
        return this.sub(argument);
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [separator, source] = argument as [string, unknown];
        return this.text([source], intrinsic)[0]?.split(separator);
      }
      case 'Fn::ImportValue':
        return this.imported(this.text([argument], intrinsic)[0] as string);
      case 'Fn::GetStackOutput': {
        const { StackName, OutputName } = argument as { StackName: unknown; OutputName: string };
        return this.stackOutput(this.text([StackName], intrinsic)[0] as string, OutputName);
      }
      default:
        throw new Error(
          `${this.stackName}: no deployed value for ${intrinsic} (${JSON.stringify(argument)})`,
        );
    }
  }

  private text(parts: unknown[], intrinsic: string): string[] {
    return parts.map((part) => {
      const resolved = this.resolve(part);
      if (typeof resolved !== 'string' && typeof resolved !== 'number') {
        throw new Error(`${this.stackName}: ${intrinsic} of ${JSON.stringify(part)}, which is not text`);
      }
      return String(resolved);
    });
  }

  private sub(argument: unknown): string {
    const [source, variables = {}] = (typeof argument === 'string' ? [argument] : argument) as [
      string,
      Record<string, unknown>?,
    ];
    return source.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in variables) return this.text([variables[name]], 'Fn::Sub')[0] as string;
      const [id, attribute] = name.split(/\.(.*)/s);
      return String(attribute === undefined ? this.ref(name) : this.attribute(id as string, attribute));
    });
  }

  private ref(id: string): unknown {
    switch (id) {
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::Region':
        return this.region;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
    }
    const parameter = this.template.Parameters?.[id];
    if (parameter !== undefined) {
      if (typeof parameter.Default === 'string') return parameter.Default;
      throw new Error(`${this.stackName}: parameter ${id} has no default to deploy with`);
    }
    const resource = this.resource(id);
    const physical = () => this.physicalName(id, resource);
    const arn = (service: string, resourcePart: string) =>
      `arn:aws:${service}:${this.region}:${this.account}:${resourcePart}`;
    switch (resource.Type) {
      case 'AWS::SNS::Topic':
        return arn('sns', physical());
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.region}.amazonaws.com/${this.account}/${physical()}`;
      case 'AWS::SecretsManager::Secret':
        return arn('secretsmanager', `secret:${physical()}-${suffix(id, 6)}`);
      case 'AWS::StepFunctions::StateMachine':
        return arn('states', `stateMachine:${physical()}`);
      case 'AWS::Lambda::Alias':
        return `${this.functionArn(resource.Properties?.FunctionName)}:${this.resolve(resource.Properties?.Name)}`;
      case 'AWS::KMS::Key':
        return keyId(id);
      case 'AWS::ApiGatewayV2::Api':
        return suffix(id, 10).toLowerCase();
      // Distribution ids are 14 uppercase letters and digits, e.g. `EDFDVBD6EXAMPLE` (CloudFront API
      // reference, GetDistribution's example).
      case 'AWS::CloudFront::Distribution':
        return `E${suffix(id, 13).toUpperCase()}`;
      // Authorizer ids are short, e.g. `abc123` (API Gateway V2 API reference, CreateAuthorizer's example).
      case 'AWS::ApiGatewayV2::Authorizer':
        return suffix(id, 6).toLowerCase();
      // User pool ids are `<region>_<9 characters>`, app client ids 26 lowercase characters.
      case 'AWS::Cognito::UserPool':
        return `${this.region}_${suffix(id, 9)}`;
      case 'AWS::Cognito::UserPoolClient':
        return suffix(id, 26).toLowerCase();
      case 'AWS::DynamoDB::Table':
      case 'AWS::S3::Bucket':
      case 'AWS::KinesisFirehose::DeliveryStream':
      case 'AWS::Lambda::Function':
      case 'AWS::Logs::LogGroup':
      case 'AWS::IAM::Role':
      case 'AWS::Events::EventBus':
      case 'AWS::Events::Rule':
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm':
      case 'AWS::SSM::Parameter':
        return physical();
      default:
        throw new Error(`${this.stackName}: no deployed value for Ref ${id} (${resource.Type})`);
    }
  }

  private attribute(id: string, attribute: string): unknown {
    const resource = this.resource(id);
    const physical = () => this.physicalName(id, resource);
    const arn = (service: string, resourcePart: string) =>
      `arn:aws:${service}:${this.region}:${this.account}:${resourcePart}`;
    const known: Record<string, Record<string, () => unknown>> = {
      'AWS::SNS::Topic': { TopicArn: () => this.ref(id), TopicName: physical },
      'AWS::SQS::Queue': {
        Arn: () => arn('sqs', physical()),
        QueueName: physical,
        QueueUrl: () => this.ref(id),
      },
      'AWS::DynamoDB::Table': {
        Arn: () => arn('dynamodb', `table/${physical()}`),
        StreamArn: () => arn('dynamodb', `table/${physical()}/stream/2026-01-01T00:00:00.000`),
      },
      'AWS::S3::Bucket': {
        Arn: () => `arn:aws:s3:::${physical()}`,
        DomainName: () => `${physical()}.s3.amazonaws.com`,
        RegionalDomainName: () => `${physical()}.s3.${this.region}.amazonaws.com`,
      },
      'AWS::SecretsManager::Secret': { Id: () => this.ref(id) },
      'AWS::StepFunctions::StateMachine': { Arn: () => this.ref(id), Name: physical },
      'AWS::KinesisFirehose::DeliveryStream': { Arn: () => arn('firehose', `deliverystream/${physical()}`) },
      'AWS::Lambda::Function': { Arn: () => arn('lambda', `function:${physical()}`) },
      'AWS::Lambda::Url': {
        FunctionUrl: () => `https://${suffix(id, 32).toLowerCase()}.lambda-url.${this.region}.on.aws/`,
        FunctionArn: () => this.resolve(resource.Properties?.TargetFunctionArn),
      },
      'AWS::Logs::LogGroup': { Arn: () => arn('logs', `log-group:${physical()}:*`) },
      'AWS::KMS::Key': { Arn: () => arn('kms', `key/${keyId(id)}`), KeyId: () => keyId(id) },
      'AWS::IAM::Role': { Arn: () => `arn:aws:iam::${this.account}:role/${physical()}` },
      'AWS::Events::EventBus': { Arn: () => arn('events', `event-bus/${physical()}`), Name: physical },
      // A rule on the default bus: arn:aws:events:<region>:<account>:rule/<name>.
      'AWS::Events::Rule': { Arn: () => arn('events', `rule/${physical()}`) },
      'AWS::CloudWatch::Alarm': { Arn: () => arn('cloudwatch', `alarm:${physical()}`) },
      'AWS::CloudWatch::CompositeAlarm': { Arn: () => arn('cloudwatch', `alarm:${physical()}`) },
      'AWS::ApiGatewayV2::Api': {
        ApiEndpoint: () => `https://${this.ref(id)}.execute-api.${this.region}.amazonaws.com`,
      },
    };
    const read = known[resource.Type]?.[attribute];
    if (read === undefined) {
      throw new Error(
        `${this.stackName}: no deployed value for Fn::GetAtt ${id}.${attribute} (${resource.Type})`,
      );
    }
    return read();
  }

  /** The function's ARN from an alias's `FunctionName`, which may be a name, an ARN or a reference. */
  private functionArn(functionName: unknown): string {
    const name = this.resolve(functionName) as string;
    return name.startsWith('arn:') ? name : `arn:aws:lambda:${this.region}:${this.account}:function:${name}`;
  }

  private resource(id: string): Resource {
    const resource = this.template.Resources?.[id];
    if (resource === undefined) throw new Error(`${this.stackName}: no resource ${id}`);
    return resource;
  }

  /** The name set in the template, or one like CloudFormation generates: stack, logical id, suffix. */
  private physicalName(id: string, resource: Resource): string {
    const property = NAME_PROPERTIES[resource.Type];
    const named = property === undefined ? undefined : resource.Properties?.[property];
    if (named !== undefined) return this.text([named], 'a name')[0] as string;
    const generated = `${this.stackName}-${id}-${suffix(id, 12)}`;
    return resource.Type === 'AWS::S3::Bucket' ? generated.toLowerCase().slice(0, 63) : generated;
  }

  private imported(exportName: string): unknown {
    for (const stack of this.stacks()) {
      const deployment = Deployment.of(stack);
      for (const output of Object.values(deployment.template.Outputs ?? {})) {
        if (output.Export && deployment.resolve(output.Export.Name) === exportName) {
          return deployment.resolve(output.Value);
        }
      }
    }
    throw new Error(`${this.stackName}: no stack of the app exports ${exportName}`);
  }

  private stackOutput(stackName: string, outputName: string): unknown {
    const stack = this.stacks().find((candidate) => candidate.stackName === stackName);
    if (stack === undefined) throw new Error(`${this.stackName}: no stack ${stackName} in the app`);
    const deployment = Deployment.of(stack);
    const output = deployment.template.Outputs?.[outputName];
    if (output === undefined) throw new Error(`${this.stackName}: ${stackName} has no output ${outputName}`);
    return deployment.resolve(output.Value);
  }

  private stacks(): Stack[] {
    return this.stack.node.root.node
      .findAll()
      .filter((construct): construct is Stack => Stack.isStack(construct));
  }
}

/** The property naming each kind of resource, where the template may set the name. */
const NAME_PROPERTIES: Record<string, string> = {
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::KinesisFirehose::DeliveryStream': 'DeliveryStreamName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::CompositeAlarm': 'AlarmName',
  'AWS::SSM::Parameter': 'Name',
};

/** Stands in for the random part of generated names: stable per logical id, letters and digits. */
function suffix(id: string, length: number): string {
  return createHash('sha256').update(id).digest('hex').slice(0, length).toUpperCase();
}

function keyId(id: string): string {
  const hex = createHash('sha256').update(id).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
