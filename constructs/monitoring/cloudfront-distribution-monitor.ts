import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { kebab } from '../construct-names';
import type { MonitoringScope } from './monitoring-scope';
import { ResourceMonitor } from './resource-monitor';
import type { SignalOverrides } from './signal-overrides';
import { resourcesReferencing } from './stack-references';

/**
 * The CloudFront distribution a {@link CloudFrontDistributionMonitor} watches, and the thresholds of its
 * alarms. Only the distribution is required.
 */
export interface CloudFrontDistributionMonitorProps {
  /** The distribution to watch. */
  readonly distribution: cloudfront.IDistribution;
  /** The distribution's name within its service. @default kebab-case of the distribution's construct id */
  readonly name?: string;
  /** The service the distribution belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
  /** 5xx responses, in percent of viewer requests, that mean viewers are being failed (high). @default 1 */
  readonly serverErrorRatePercent?: number;
  /**
   * Alarm on the p90 `OriginLatency`, which CloudFront publishes only for a distribution with
   * additional metrics enabled (an `AWS::CloudFront::MonitoringSubscription`, billed per metric);
   * synthesis fails when it is set for a distribution of the app that has none.
   * @default true when the distribution's stack enables additional metrics for it by the time the monitor is made
   */
  readonly originLatencyAlarm?: boolean;
  /**
   * p90 time to the origin's first byte, in milliseconds, at which the origin is slow (warning).
   * @default 1000
   */
  readonly originLatencyMs?: number;
  /**
   * Overrides for this distribution's signals, keyed by signal; they win over the service's
   * `cloudfront/<signal>` overrides. @default none
   */
  readonly overrides?: SignalOverrides<'cloudfront'>;
}

const FIVE_MINUTES = Duration.minutes(5);
const NAMESPACE = 'AWS/CloudFront';
/**
 * "To get the CloudFront metrics from the CloudWatch API, you must use the US East (N. Virginia)
 * Region (us-east-1)"; every distribution metric has the dimensions `DistributionId` and `Region`,
 * whose value "is always Global, because CloudFront is a global service" (CloudFront developer
 * guide, "Types of metrics for CloudFront",
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html).
 */
export const CLOUDFRONT_METRICS_REGION = 'us-east-1';
const DEFAULT_SERVER_ERROR_RATE_PERCENT = 1;
const DEFAULT_ORIGIN_LATENCY_MS = 1000;

/**
 * Alarms for one CloudFront distribution: the share of viewer requests answered with 5xx, and, when
 * the distribution has additional metrics, the p90 latency of its origin.
 *
 * CloudFront publishes its metrics in us-east-1 only, and an alarm must be in its metric's region,
 * so the monitor belongs in a stack in us-east-1. The metrics carry that region: CDK fails synth for
 * a stack placed in another region ("Cannot create an Alarm in region ..."), and a stack whose region
 * is unknown at synth gets a construct warning, since its alarms would never see data elsewhere.
 *
 * - `5xx-error-rate` (high): `5xxErrorRate`, "the percentage of all viewer requests for which the
 *   response's HTTP status code is in the range of 500 to 599" ("Monitor CloudFront metrics with
 *   Amazon CloudWatch"), a default metric at no extra cost; the Types page lists Average as the one
 *   statistic and Percent as the unit of the error rates (its stored copy cuts off inside the 5xx
 *   entry, so that is read from the 4xx entries above it). A rate reads high in a quiet period with
 *   one failed request: above 1% in 2 of 3 five-minute periods asks for errors in two separate
 *   periods, which a healthy distribution in front of S3 (whose rare 500/503 answers browsers do not
 *   retry) does not produce, while an origin or configuration failure pages within 10 minutes.
 * - `origin-latency` (warning): `OriginLatency` p90, the time from CloudFront receiving a request to
 *   the origin's first byte, for requests not served from the cache (an additional metric; the
 *   stored copies of the page cut off before its unit and statistics, so Milliseconds and
 *   percentiles are unverified here). Above 1 s in 3 of 3 periods: for small requests (under
 *   512 KB) S3's median latency is "often in the range of tens of milliseconds", and S3 advises
 *   retrying such a GET after 2 seconds ("Timeouts and Retries for Latency-Sensitive Applications",
 *   Best Practices Design Patterns: Optimizing Amazon S3 Performance). A p90 held at half that
 *   retry point for 15 minutes, round trip to the origin's region included, means the origin is
 *   degraded, which viewers feel on every cache miss. A warning: pages still load.
 */
export class CloudFrontDistributionMonitor extends ResourceMonitor<'cloudfront'> {
  constructor(scope: Construct, id: string, props: CloudFrontDistributionMonitorProps) {
    super(scope, id, props, () => ({
      kind: 'cloudfront',
      name: props.name ?? kebab(props.distribution.node.id),
    }));
    const { distribution } = props;
    const dimensionsMap = { DistributionId: distribution.distributionId, Region: 'Global' };

    if (Token.isUnresolved(Stack.of(this).region)) {
      Annotations.of(this).addWarningV2(
        '@vigil/monitoring:cloudfront-alarms-region-unknown',
        `CloudFront publishes ${distribution.node.path}'s metrics in ${CLOUDFRONT_METRICS_REGION} only, and this ` +
          'stack’s region is not known at synth: deployed to any other region its alarms never see data. ' +
          `Pin the stack to ${CLOUDFRONT_METRICS_REGION} (env: { region: '${CLOUDFRONT_METRICS_REGION}' }).`,
      );
    }

    const percent = props.serverErrorRatePercent ?? DEFAULT_SERVER_ERROR_RATE_PERCENT;
    this.addAlarm({
      signal: '5xx-error-rate',
      metric: metric('5xxErrorRate', dimensionsMap, 'Average'),
      threshold: percent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      // A period without a datapoint had no viewer requests to fail: an idle site is healthy.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary:
        'Viewers of the distribution get 5xx answers: its origin fails, or CloudFront cannot reach it.',
      thresholdReason: `more than ${percent}% of viewer requests`,
      thresholdUnit: '%',
    });

    const originLatency = props.originLatencyAlarm ?? monitoringSubscriptionOf(distribution) === 'enabled';
    if (!originLatency) return;
    // Asked for explicitly: checked at synth, when the stack holds every subscription it will have.
    this.node.addValidation({
      validate: () =>
        monitoringSubscriptionOf(distribution) === 'none'
          ? [
              `${distribution.node.path} has no additional metrics (AWS::CloudFront::MonitoringSubscription), so ` +
                'CloudFront never publishes its OriginLatency: add a monitoring subscription or set originLatencyAlarm: false',
            ]
          : [],
    });
    const latencyMs = props.originLatencyMs ?? DEFAULT_ORIGIN_LATENCY_MS;
    this.addAlarm({
      signal: 'origin-latency',
      metric: metric('OriginLatency', dimensionsMap, 'p90'),
      threshold: latencyMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      summary: 'The origin answers cache misses slowly: viewers wait on every file CloudFront does not hold.',
      thresholdReason:
        latencyMs === DEFAULT_ORIGIN_LATENCY_MS
          ? `more than ${latencyMs} ms at p90, half the 2 s after which S3 advises retrying a small GET`
          : `more than ${latencyMs} ms at p90, set by the team`,
      thresholdUnit: 'ms',
    });
  }
}

function metric(
  metricName: string,
  dimensionsMap: Record<string, string>,
  statistic: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName,
    dimensionsMap,
    statistic,
    period: FIVE_MINUTES,
    region: CLOUDFRONT_METRICS_REGION,
  });
}

/**
 * Whether the distribution's stack enables additional metrics for it: `enabled`, `none` when the
 * distribution is defined in the app and no subscription enables them, `unknown` for an imported one.
 */
function monitoringSubscriptionOf(distribution: cloudfront.IDistribution): 'enabled' | 'none' | 'unknown' {
  if (!(distribution.node.defaultChild instanceof cloudfront.CfnDistribution)) return 'unknown';
  const subscriptions = resourcesReferencing(
    distribution,
    cloudfront.CfnMonitoringSubscription,
    (subscription) => subscription.distributionId,
    distribution.distributionId,
  );
  const stack = Stack.of(distribution);
  const enabled = subscriptions.some((subscription) => {
    const config = stack.resolve(subscription.monitoringSubscription) as {
      realtimeMetricsSubscriptionConfig?: { realtimeMetricsSubscriptionStatus?: string };
    };
    return config.realtimeMetricsSubscriptionConfig?.realtimeMetricsSubscriptionStatus === 'Enabled';
  });
  return enabled ? 'enabled' : 'none';
}
