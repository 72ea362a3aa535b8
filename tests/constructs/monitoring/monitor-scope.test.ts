import { App, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';

function handler(scope: Construct, id: string): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => 1;'),
  });
}

describe('ServiceMonitoring.monitorScope', () => {
  const app = new App();
  const stack = new Stack(app, 'Shop');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'shop' });
  const api = handler(stack, 'Api');
  handler(stack, 'Worker');
  const deadLetters = new sqs.Queue(stack, 'DeadLetters');
  new sqs.Queue(stack, 'Jobs', {
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: 3 },
    visibilityTimeout: Duration.minutes(1),
  });
  new sns.Topic(stack, 'Events');
  new dynamodb.Table(stack, 'Orders', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  const provider = new cr.Provider(stack, 'Provider', { onEventHandler: handler(stack, 'OnEvent') });
  new CustomResource(stack, 'Seed', { serviceToken: provider.serviceToken });

  monitoring.monitorLambda(api, { name: 'checkout-api' });
  const notOurs = (construct: { node: { id: string } }) => construct.node.id === 'OnEvent';
  const started = monitoring.monitorScope(stack, notOurs);
  const names = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map(
    (alarm) => alarm.Properties.AlarmName as string,
  );
  const resources = new Set(names.map((name) => name.replace(/^vigil-shop-/, '').split('-')[0]));

  it('monitors every supported resource it finds, once', () => {
    expect(started).toBe(4);
    expect([...resources].sort()).toEqual(['checkout', 'events', 'jobs', 'orders', 'worker']);
    expect(monitoring.createdAlarms()).toHaveLength(names.length);
  });

  it('leaves a dead-letter queue to the monitor of the queue that uses it', () => {
    expect(names).toContain('vigil-shop-jobs-dead-letter-messages');
    expect(names.some((name) => name.startsWith('vigil-shop-dead-letters-'))).toBe(false);
  });

  it("skips CDK's own provider functions and what the caller excludes", () => {
    expect(names.some((name) => /framework|provider|on-event/.test(name))).toBe(false);
  });

  it("tells CDK machinery by its type, not its name: the team's ProviderApi is watched, singletons are not", () => {
    const app = new App();
    const stack = new Stack(app, 'Types');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'types' });
    // Names that the old heuristic (Provider|CustomResource|LogRetention in the path) would have skipped.
    handler(stack, 'ProviderApi');
    const team = new Construct(stack, 'CustomResourceHandlers');
    handler(team, 'Importer');
    // CDK machinery whatever it is called: a singleton function and everything of a provider framework.
    new lambda.SingletonFunction(stack, 'Helper', {
      uuid: 'f7d4f730-4ee1-11e8-9c2d-fa7ae01bbebc',
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    });
    const onEvent = handler(stack, 'SeedHandler');
    new cr.Provider(stack, 'Seeder', {
      onEventHandler: onEvent,
      isCompleteHandler: handler(stack, 'SeedDone'),
    });
    // An explicit list excludes a construct and all it holds.
    const vendor = new Construct(stack, 'Vendor');
    handler(vendor, 'Sidecar');

    monitoring.monitorScope(stack, [vendor]);
    const watched = new Set(monitoring.registeredAlarms().map((alarm) => alarm.resource.name));
    expect([...watched].sort()).toEqual(['importer', 'provider-api', 'seed-done', 'seed-handler']);
  });

  it('adds nothing when called again', () => {
    expect(monitoring.monitorScope(stack, notOurs)).toBe(0);
  });
});
