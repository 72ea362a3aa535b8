import { type CloudWatchClient, GetMetricWidgetImageCommand } from '@aws-sdk/client-cloudwatch';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AlarmMetricQuery } from '../../shared/alarm-change';
import { presignDownload } from '../../shared/presigned-urls';
import type { MetricGraph } from '../enriched-alert';
import type { MetricAlarmView } from './alarm-target';
import { metricWindow } from './metric-datapoints';
import { withValidQueryIds } from './query-ids';
import { ContextUnavailableError } from './with-timeout';

/** Where graphs go and how long their links work. */
export interface GraphStorage {
  readonly s3: S3Client;
  /** Signs the link; never sends a request. */
  readonly presigningS3: S3Client;
  readonly bucket: string;
  readonly urlTtlSeconds: number;
  readonly now: () => Date;
}

type WidgetValue = string | number | boolean | readonly WidgetValue[] | WidgetObject;
export interface WidgetObject {
  readonly [key: string]: WidgetValue | undefined;
}

/**
 * The alarm's graph in CloudWatch's metric widget syntax: its metrics and expressions (inputs hidden),
 * the band of an anomaly alarm, the threshold, and a line at the transition. The console's metrics
 * link opens the same definition.
 */
export function metricWidget(alarm: MetricAlarmView): WidgetObject {
  // A widget's metric ids follow GetMetricData's rule; an event's may be a UUID.
  const view = withValidQueryIds(alarm);
  const window = metricWindow(view);
  const staticThreshold = view.thresholdMetricId === undefined ? view.threshold : undefined;
  return {
    title: view.alarmName,
    view: 'timeSeries',
    stacked: false,
    region: view.region,
    start: window.start.toISOString(),
    end: window.end.toISOString(),
    metrics: view.metrics.map(widgetMetric),
    annotations: {
      horizontal:
        staticThreshold === undefined ? undefined : [{ label: 'Threshold', value: staticThreshold }],
      vertical: [{ label: view.state, value: view.changedAt }],
    },
  };
}

/** The graph as a PNG in the artifacts bucket, and a link to it that expires. */
export async function renderMetricGraph(
  cloudWatch: CloudWatchClient,
  storage: GraphStorage,
  view: MetricAlarmView,
  signal: AbortSignal,
): Promise<MetricGraph> {
  const image = await cloudWatch.send(
    new GetMetricWidgetImageCommand({
      MetricWidget: JSON.stringify({ ...metricWidget(view), width: 800, height: 400 }),
      OutputFormat: 'png',
    }),
    { abortSignal: signal },
  );
  if (!image.MetricWidgetImage?.length) throw new ContextUnavailableError('CloudWatch returned no image');
  const key = `graphs/${view.alarmName}/${view.changedAt}.png`;
  // The bucket encrypts with its KMS key by default, so the request names no encryption.
  await storage.s3.send(
    new PutObjectCommand({
      Bucket: storage.bucket,
      Key: key,
      Body: image.MetricWidgetImage,
      ContentType: 'image/png',
    }),
    { abortSignal: signal },
  );
  const link = await presignDownload(
    { s3: storage.presigningS3, ttlSeconds: storage.urlTtlSeconds, now: storage.now },
    { bucket: storage.bucket, key },
  );
  return { ...link, key };
}

function widgetMetric(query: AlarmMetricQuery): WidgetValue {
  const options: WidgetObject = {
    id: query.id,
    label: query.label,
    // Inputs of an expression are needed to draw it but are not what the alarm compares.
    visible: query.returnData ? undefined : false,
  };
  const stat = query.metricStat;
  if (!stat) return [{ expression: query.expression ?? '', period: query.period, ...options }];
  const dimensions = Object.entries(stat.dimensions).flat();
  return [
    stat.namespace,
    stat.metricName,
    ...dimensions,
    { stat: stat.stat, period: stat.period, ...options },
  ];
}
