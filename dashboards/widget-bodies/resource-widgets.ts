import type { MetricRow, UnplacedWidget } from './dashboard-body';
import { metricGraphWidget, resourceHeading } from './widgets';

/**
 * The kinds a live dashboard draws, named as the monitors name them (`MonitoredResource.kind`), so a
 * live heading reads like the synth-time one. REST APIs are absent: their metrics are keyed by API
 * name (`ApiName`), which a REST API's ARN does not carry.
 */
export const LIVE_RESOURCE_KINDS = [
  'lambda',
  'sqs',
  'sns',
  'dynamodb',
  'state-machine',
  'http-api',
  'firehose',
  'event-rule',
] as const;

export type LiveResourceKind = (typeof LIVE_RESOURCE_KINDS)[number];

/** A resource found at run time, with the CloudWatch dimensions its metrics are published under. */
export interface WatchedResource {
  readonly kind: LiveResourceKind;
  /** Its name, as the console shows it. */
  readonly name: string;
  readonly arn: string;
  /** The region its metrics are in: the region of its ARN (API Gateway's ARNs have no account). */
  readonly region: string;
  /** Dimension name → value, in the order they are written into each metric row. */
  readonly dimensions: readonly (readonly [string, string])[];
}

interface GraphSpec {
  readonly title: string;
  /** [metric name, statistic, label] */
  readonly metrics: readonly (readonly [string, string, string])[];
}

/**
 * Each kind's namespace and graphs: traffic, failures and the kind's saturation signal, the first
 * things on-call looks at for a resource with no alarms of its own yet. Metric names and dimensions
 * as the monitors in constructs/monitoring and aws-cdk-lib's generated metric helpers
 * (`*-canned-metrics.generated`) use them.
 */
const GRAPHS: Readonly<Record<LiveResourceKind, { namespace: string; graphs: readonly GraphSpec[] }>> = {
  lambda: {
    namespace: 'AWS/Lambda',
    graphs: [
      {
        title: 'Invocations and errors',
        metrics: [
          ['Invocations', 'Sum', 'Invocations'],
          ['Errors', 'Sum', 'Errors'],
          ['Throttles', 'Sum', 'Throttles'],
        ],
      },
      {
        title: 'Duration',
        metrics: [
          ['Duration', 'p50', 'p50'],
          ['Duration', 'p99', 'p99'],
        ],
      },
      { title: 'Concurrency', metrics: [['ConcurrentExecutions', 'Maximum', 'Concurrent executions']] },
    ],
  },
  sqs: {
    namespace: 'AWS/SQS',
    graphs: [
      {
        title: 'Messages',
        metrics: [
          ['NumberOfMessagesSent', 'Sum', 'Sent'],
          ['NumberOfMessagesDeleted', 'Sum', 'Deleted'],
        ],
      },
      { title: 'Backlog', metrics: [['ApproximateNumberOfMessagesVisible', 'Maximum', 'Visible']] },
      { title: 'Oldest message age', metrics: [['ApproximateAgeOfOldestMessage', 'Maximum', 'Seconds']] },
    ],
  },
  sns: {
    namespace: 'AWS/SNS',
    graphs: [
      {
        title: 'Published and delivered',
        metrics: [
          ['NumberOfMessagesPublished', 'Sum', 'Published'],
          ['NumberOfNotificationsDelivered', 'Sum', 'Delivered'],
        ],
      },
      { title: 'Failed notifications', metrics: [['NumberOfNotificationsFailed', 'Sum', 'Failed']] },
    ],
  },
  dynamodb: {
    namespace: 'AWS/DynamoDB',
    graphs: [
      {
        title: 'Consumed capacity',
        metrics: [
          ['ConsumedReadCapacityUnits', 'Sum', 'Read'],
          ['ConsumedWriteCapacityUnits', 'Sum', 'Write'],
        ],
      },
      { title: 'Throttled requests', metrics: [['ThrottledRequests', 'Sum', 'Throttled']] },
    ],
  },
  'state-machine': {
    namespace: 'AWS/States',
    graphs: [
      {
        title: 'Executions',
        metrics: [
          ['ExecutionsStarted', 'Sum', 'Started'],
          ['ExecutionsFailed', 'Sum', 'Failed'],
          ['ExecutionsTimedOut', 'Sum', 'Timed out'],
        ],
      },
      { title: 'Execution time', metrics: [['ExecutionTime', 'p99', 'p99']] },
    ],
  },
  'http-api': {
    namespace: 'AWS/ApiGateway',
    graphs: [
      {
        title: 'Requests and errors',
        metrics: [
          ['Count', 'Sum', 'Requests'],
          ['4xx', 'Sum', '4xx'],
          ['5xx', 'Sum', '5xx'],
        ],
      },
      { title: 'Latency', metrics: [['Latency', 'p99', 'p99']] },
    ],
  },
  firehose: {
    namespace: 'AWS/Firehose',
    graphs: [
      { title: 'Incoming records', metrics: [['IncomingRecords', 'Sum', 'Records']] },
      { title: 'Delivery freshness', metrics: [['DeliveryToS3.DataFreshness', 'Maximum', 'Seconds']] },
    ],
  },
  'event-rule': {
    namespace: 'AWS/Events',
    graphs: [
      {
        title: 'Invocations',
        metrics: [
          ['Invocations', 'Sum', 'Invocations'],
          ['FailedInvocations', 'Sum', 'Failed'],
        ],
      },
    ],
  },
};

/** The heading and the graphs of one resource: the section a live dashboard repeats per resource. */
export function resourceSection(resource: WatchedResource): UnplacedWidget[] {
  const { namespace, graphs } = GRAPHS[resource.kind];
  const dimensions = resource.dimensions.flat();
  return [
    resourceHeading(resource.kind, resource.name),
    ...graphs.map((graph) =>
      metricGraphWidget({
        title: `${resource.name}: ${graph.title}`,
        region: resource.region,
        metrics: graph.metrics.map(
          ([metric, stat, label]): MetricRow => [namespace, metric, ...dimensions, { stat, label }],
        ),
      }),
    ),
  ];
}
