import { App, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';

function handler(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
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

  it('adds nothing when called again', () => {
    expect(monitoring.monitorScope(stack, notOurs)).toBe(0);
  });
});
