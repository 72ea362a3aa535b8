import type { AlarmMetric } from './alarm-metrics';
import type { AppResources, FunctionFacts } from './app-resources';

const LAMBDA_METRICS_PAGE = 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html';
const LAMBDA_CONCURRENCY_PAGE = 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html';

/** A Lambda metric AWS publishes only for a function configured a certain way. */
interface PublishCondition {
  readonly metricNames: readonly string[];
  /** What the function needs, for the message: "a dead-letter queue (DeadLetterConfig)". */
  readonly needs: string;
  readonly published: (fn: FunctionFacts) => boolean | undefined;
  readonly documentation: string;
}

/**
 * Metric → when Lambda publishes it, one documentation page per row. Left out because the pages name
 * no configuration condition: `AsyncEventsReceived`/`AsyncEventAge`/`AsyncEventsDropped` (published
 * for asynchronous invocation, which is the caller's choice, not the function's configuration),
 * `ConcurrentExecutions` ("Lambda emits this metric for all functions, versions, and aliases",
 * Monitoring concurrency page; older pages said only for functions with reserved concurrency), and
 * every SQS queue metric (the SQS metrics page ties none to a queue setting).
 */
export const LAMBDA_PUBLISH_CONDITIONS: readonly PublishCondition[] = [
  {
    // "For asynchronous invocation, the number of times that Lambda attempts to send an event to a
    // dead-letter queue (DLQ) but fails": without a DLQ there is no attempt, so no datapoint.
    metricNames: ['DeadLetterErrors'],
    needs: 'a dead-letter queue (DeadLetterConfig)',
    published: (fn) => fn.deadLetterQueue,
    documentation: `${LAMBDA_METRICS_PAGE}#invocation-metrics`,
  },
  {
    // "… the number of times that Lambda attempts to send an event to a destination but fails", for
    // asynchronous invocation and for stream event source mappings.
    metricNames: ['DestinationDeliveryFailures'],
    needs: 'an on-success or on-failure destination',
    published: (fn) => fn.destination,
    documentation: `${LAMBDA_METRICS_PAGE}#invocation-metrics`,
  },
  {
    // "For event source mappings that read from streams, the age of the last record in the event."
    metricNames: ['IteratorAge'],
    needs: 'an event source mapping that reads a stream',
    published: (fn) => fn.streamSource,
    documentation: `${LAMBDA_METRICS_PAGE}#performance-metrics`,
  },
  {
    // "Lambda emits this metric for each function version and alias with provisioned concurrency configured."
    metricNames: [
      'ProvisionedConcurrentExecutions',
      'ProvisionedConcurrencyInvocations',
      'ProvisionedConcurrencySpilloverInvocations',
      'ProvisionedConcurrencyUtilization',
    ],
    needs: 'provisioned concurrency on a version or alias',
    published: (fn) => fn.provisionedConcurrency,
    documentation: `${LAMBDA_CONCURRENCY_PAGE}#provisioned-concurrency-metrics`,
  },
];

/** Why AWS never publishes a metric the alarm reads, or undefined when it may. */
export function unpublishedMetricReason(
  metrics: readonly AlarmMetric[],
  resources: AppResources,
): string | undefined {
  for (const metric of metrics) {
    if (metric.namespace !== 'AWS/Lambda' || metric.metricName === undefined) continue;
    const functionName = metric.dimensions.FunctionName;
    const fn = functionName === undefined ? undefined : resources.functionNamed(functionName);
    if (fn === undefined) continue;
    const condition = LAMBDA_PUBLISH_CONDITIONS.find((row) =>
      row.metricNames.includes(metric.metricName as string),
    );
    if (condition && condition.published(fn) === false) {
      return (
        `AWS/Lambda ${metric.metricName} is never published for ${fn.path}: Lambda publishes it only for a ` +
        `function with ${condition.needs} (${condition.documentation}), so the alarm can never fire`
      );
    }
  }
  return undefined;
}
