import { isSkipped, watchedResourceOf } from '../../../lambda/dashboard-updater/resource-arn';

const A = '123456789012';
const R = 'eu-west-1';

describe('resources from their ARNs', () => {
  test.each([
    [
      `arn:aws:lambda:${R}:${A}:function:orders-api`,
      'lambda',
      'orders-api',
      [['FunctionName', 'orders-api']],
    ],
    [`arn:aws:sqs:${R}:${A}:orders-queue`, 'sqs', 'orders-queue', [['QueueName', 'orders-queue']]],
    [`arn:aws:sns:${R}:${A}:orders-topic`, 'sns', 'orders-topic', [['TopicName', 'orders-topic']]],
    [`arn:aws:dynamodb:${R}:${A}:table/orders`, 'dynamodb', 'orders', [['TableName', 'orders']]],
    [
      `arn:aws:states:${R}:${A}:stateMachine:fulfil`,
      'state-machine',
      'fulfil',
      [['StateMachineArn', `arn:aws:states:${R}:${A}:stateMachine:fulfil`]],
    ],
    [`arn:aws:apigateway:${R}::/apis/a1b2c3`, 'http-api', 'a1b2c3', [['ApiId', 'a1b2c3']]],
    [
      `arn:aws:firehose:${R}:${A}:deliverystream/orders-logs`,
      'firehose',
      'orders-logs',
      [['DeliveryStreamName', 'orders-logs']],
    ],
    [`arn:aws:events:${R}:${A}:rule/nightly`, 'event-rule', 'nightly', [['RuleName', 'nightly']]],
    [
      `arn:aws:events:${R}:${A}:rule/orders-bus/on-order`,
      'event-rule',
      'on-order',
      [
        ['EventBusName', 'orders-bus'],
        ['RuleName', 'on-order'],
      ],
    ],
  ])('%s is a %s named %s', (arn, kind, name, dimensions) => {
    expect(watchedResourceOf(arn)).toEqual({ kind, name, arn, region: R, dimensions });
  });

  test.each([
    ['not-an-arn', 'not an ARN'],
    [`arn:aws:apigateway:${R}::/restapis/abc123`, 'keyed by its name (ApiName)'],
    [`arn:aws:sns:${R}:${A}:orders-topic:5f6c0b9e-1d2a-4b1c-9c31-2a0f4c1e7d11`, 'other than a topic'],
    [`arn:aws:dynamodb:${R}:${A}:table/orders/index/by-user`, 'other than a table'],
    [`arn:aws:lambda:${R}:${A}:layer:onnx:3`, 'other than a function'],
    [`arn:aws:s3:::orders-bucket`, 'names no region'],
    [`arn:aws:ec2:${R}:${A}:instance/i-0000000aaaaaaaaaa`, 'a resource of ec2'],
  ])('%s is skipped: %s', (arn, reason) => {
    const result = watchedResourceOf(arn);
    expect(isSkipped(result)).toBe(true);
    expect(result).toEqual({ arn, reason: expect.stringContaining(reason) });
  });
});
