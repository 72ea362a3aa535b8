import type { LiveResourceKind, WatchedResource } from '../../dashboards/widget-bodies/resource-widgets';

/**
 * What the updater asks the Resource Groups Tagging API for (GetResources, ResourceTypeFilters):
 * `service[:resourceType]`, each "the same as that embedded in a resource's ARN" (GetResources,
 * AWS Resource Groups Tagging API Reference). SQS and SNS ARNs embed no resource type, and API
 * Gateway's embed a path, so those are asked for by service.
 */
export const RESOURCE_TYPE_FILTERS = [
  'lambda:function',
  'sqs',
  'sns',
  'dynamodb:table',
  'states:stateMachine',
  'apigateway',
  'firehose:deliverystream',
  'events:rule',
] as const;

/** A tagged resource the live dashboards cannot draw, and why. */
export interface SkippedResource {
  readonly arn: string;
  readonly reason: string;
}

const ARN = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$/;
const NAME = /^[A-Za-z0-9._-]+$/;

/**
 * The kind, name and metric dimensions of a resource from its ARN (ARN formats from each service's
 * "Actions, resources, and condition keys" page of the Service Authorization Reference), or why it
 * cannot be drawn. The metrics' dimensions are what each namespace keys the resource by: a Lambda
 * function's name, a state machine's ARN, an HTTP API's id.
 */
export function watchedResourceOf(arn: string): WatchedResource | SkippedResource {
  const parts = ARN.exec(arn);
  if (!parts) return { arn, reason: 'not an ARN' };
  const [, , service = '', region = '', , resource = ''] = parts;
  if (region === '') return { arn, reason: 'its ARN names no region, so its metrics cannot be placed' };
  const make = (
    kind: LiveResourceKind,
    name: string,
    dimensions: readonly (readonly [string, string])[],
  ): WatchedResource | SkippedResource =>
    NAME.test(name)
      ? { kind, name, arn, region, dimensions }
      : { arn, reason: `unexpected ${kind} name ${JSON.stringify(name)}` };

  switch (service) {
    case 'lambda': {
      const match = /^function:([^:]+)$/.exec(resource);
      return match?.[1]
        ? make('lambda', match[1], [['FunctionName', match[1]]])
        : unsupported(arn, 'a Lambda resource other than a function');
    }
    case 'sqs':
      return resource.includes(':')
        ? unsupported(arn, 'an SQS resource other than a queue')
        : make('sqs', resource, [['QueueName', resource]]);
    case 'sns':
      // A subscription's ARN is its topic's with `:<id>` added.
      return resource.includes(':')
        ? unsupported(arn, 'an SNS resource other than a topic')
        : make('sns', resource, [['TopicName', resource]]);
    case 'dynamodb': {
      const match = /^table\/([^/]+)$/.exec(resource);
      return match?.[1]
        ? make('dynamodb', match[1], [['TableName', match[1]]])
        : unsupported(arn, 'a DynamoDB resource other than a table');
    }
    case 'states': {
      const match = /^stateMachine:([^:]+)$/.exec(resource);
      return match?.[1]
        ? make('state-machine', match[1], [['StateMachineArn', arn]])
        : unsupported(arn, 'a Step Functions resource other than a state machine');
    }
    case 'apigateway': {
      const http = /^\/apis\/([a-z0-9]+)$/.exec(resource);
      if (http?.[1]) return make('http-api', http[1], [['ApiId', http[1]]]);
      if (/^\/restapis\/[a-z0-9]+$/.test(resource)) {
        return {
          arn,
          reason: "a REST API's metrics are keyed by its name (ApiName), which its ARN does not carry",
        };
      }
      return unsupported(arn, 'an API Gateway resource other than an API');
    }
    case 'firehose': {
      const match = /^deliverystream\/([^/]+)$/.exec(resource);
      return match?.[1]
        ? make('firehose', match[1], [['DeliveryStreamName', match[1]]])
        : unsupported(arn, 'a Firehose resource other than a stream');
    }
    case 'events': {
      // `rule/<name>` on the default bus, `rule/<bus>/<name>` on a custom one.
      const match = /^rule\/(?:([^/]+)\/)?([^/]+)$/.exec(resource);
      if (!match?.[2]) return unsupported(arn, 'an EventBridge resource other than a rule');
      return make(
        'event-rule',
        match[2],
        match[1]
          ? [
              ['EventBusName', match[1]],
              ['RuleName', match[2]],
            ]
          : [['RuleName', match[2]]],
      );
    }
    default:
      return unsupported(arn, `a resource of ${service}`);
  }
}

function unsupported(arn: string, what: string): SkippedResource {
  return { arn, reason: `${what}, which live dashboards do not draw` };
}

export function isSkipped(result: WatchedResource | SkippedResource): result is SkippedResource {
  return 'reason' in result;
}
