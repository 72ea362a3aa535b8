/**
 * Vigil's monitoring constructs: alarms on by default for Lambda functions, SQS queues, SNS topics,
 * EventBridge rules, HTTP and REST APIs, DynamoDB tables, Step Functions state machines, Firehose
 * streams and CloudFront distributions, with thresholds derived from each resource's configuration;
 * SLO burn-rate alarms; and the alarm lint that runs at synth. Start with {@link ServiceMonitoring}.
 *
 * @packageDocumentation
 */
export * from './contracts/alarm-description';
export * from './contracts/alarm-severity';
export { LogArchiveStream, type LogArchiveStreamProps } from './log-archive/log-archive-stream';
export * from './monitoring/alarm-naming';
export * from './monitoring/alarm-routing';
export * from './monitoring/alarm-spec';
export type { ApiLatencyOptions, Timeout } from './monitoring/api-latency';
export * from './monitoring/cloudfront-distribution-monitor';
export * from './monitoring/dynamodb-table-monitor';
export * from './monitoring/event-rule-monitor';
export * from './monitoring/firehose-monitor';
export * from './monitoring/http-api-monitor';
export * from './monitoring/lambda-monitor';
export {
  MONITOR_SIGNALS,
  type MonitorKind,
  type MonitorSignal,
  OVERRIDE_KEYS,
  type OverrideKey,
} from './monitoring/monitor-signals';
export * from './monitoring/monitoring-cost';
export type { MonitoredResource, MonitoringScope } from './monitoring/monitoring-scope';
export * from './monitoring/resource-monitor';
export * from './monitoring/rest-api-monitor';
export * from './monitoring/saved-queries';
export * from './monitoring/service-level-objective';
export * from './monitoring/service-monitoring';
export type { SignalMetrics } from './monitoring/signal-metrics';
export type { SignalOverride, SignalOverrides } from './monitoring/signal-overrides';
export * from './monitoring/sns-topic-monitor';
export * from './monitoring/sqs-queue-monitor';
export * from './monitoring/state-machine-monitor';
