import { type EvidenceItem, type Statement, statusOf } from '../review-model';
import type { ReviewedApp } from '../reviewed-app';
import { property, resourceName, resourcesOf } from '../template-values';

/** The review id under which a store is acknowledged as keeping its data on purpose. */
export const LIFECYCLE_RULE = 'VigilReview-Lifecycle';

interface LifecycleRule {
  readonly Status?: unknown;
  readonly Prefix?: unknown;
  readonly ExpirationInDays?: unknown;
  readonly Transitions?: { StorageClass?: unknown; TransitionInDays?: unknown }[];
  readonly NoncurrentVersionExpiration?: { NoncurrentDays?: unknown };
  readonly AbortIncompleteMultipartUpload?: { DaysAfterInitiation?: unknown };
}

/** SUS04-BP03: buckets expire or tier their objects and tables expire items, unless a reason says otherwise. */
export function dataLifecycle(app: ReviewedApp): Statement {
  const bucketItems: EvidenceItem[] = resourcesOf(app, 'AWS::S3::Bucket').map((bucket) => {
    const rules = (
      (property(bucket, 'LifecycleConfiguration', 'Rules') as LifecycleRule[] | undefined) ?? []
    ).filter((rule) => rule.Status === 'Enabled');
    const [reason] = rules.length === 0 ? app.reasonsFor(bucket, LIFECYCLE_RULE) : [];
    return {
      resource: resourceName(bucket),
      kind: 'S3 bucket',
      detail:
        rules.length === 0
          ? 'no lifecycle rule: objects are kept until deleted'
          : rules.map(describeRule).join('; '),
      status: rules.length > 0 || reason !== undefined ? 'met' : 'gap',
      ...(reason !== undefined ? { reason } : {}),
    };
  });
  const tableItems: EvidenceItem[] = resourcesOf(app, 'AWS::DynamoDB::Table').map((table) => {
    const ttl = property(table, 'TimeToLiveSpecification') as
      | { Enabled?: unknown; AttributeName?: unknown }
      | undefined;
    const expires = ttl?.Enabled === true;
    const [reason] = expires ? [] : app.reasonsFor(table, LIFECYCLE_RULE);
    return {
      resource: resourceName(table),
      kind: 'DynamoDB table',
      detail: expires ? `TTL on ${String(ttl?.AttributeName)}` : 'no TTL: items are kept until deleted',
      status: expires || reason !== undefined ? 'met' : 'gap',
      ...(reason !== undefined ? { reason } : {}),
    };
  });
  const queueItems: EvidenceItem[] = resourcesOf(app, 'AWS::SQS::Queue').map((queue) => {
    const seconds = property(queue, 'MessageRetentionPeriod');
    return {
      resource: resourceName(queue),
      kind: 'SQS queue',
      detail:
        typeof seconds === 'number'
          ? `messages kept ${seconds / 86_400} days`
          : 'SQS default message retention',
      status: 'met',
    };
  });
  const items = [...bucketItems, ...tableItems, ...queueItems];
  return {
    id: 'data-lifecycle',
    pillar: 'Sustainability',
    claim: 'Stored data expires or moves to colder storage on a schedule; what is kept for good says why.',
    bestPractice: {
      id: 'SUS04-BP03',
      title: 'Use policies to manage the lifecycle of your datasets',
      url: 'https://docs.aws.amazon.com/wellarchitected/latest/sustainability-pillar/sus_sus_data_a4.html',
    },
    status: statusOf(items),
    numbers: [
      { key: 'buckets', label: 'S3 buckets', value: bucketItems.length },
      {
        key: 'bucketsWithLifecycle',
        label: 'buckets with lifecycle rules',
        value: bucketItems.filter((item) => !item.detail.startsWith('no lifecycle')).length,
      },
      { key: 'tables', label: 'DynamoDB tables', value: tableItems.length },
      {
        key: 'tablesWithTtl',
        label: 'tables with TTL',
        value: tableItems.filter((i) => i.detail.startsWith('TTL')).length,
      },
      { key: 'queues', label: 'SQS queues (bounded by SQS retention)', value: queueItems.length },
    ],
    items,
    fix: `Add lifecycle rules (expiration, transitions, noncurrent versions) or a TTL attribute; data kept on purpose: acknowledge '${LIFECYCLE_RULE}' with the reason.`,
  };
}

function describeRule(rule: LifecycleRule): string {
  const scope = typeof rule.Prefix === 'string' && rule.Prefix !== '' ? `${rule.Prefix}: ` : '';
  const parts = [
    ...(rule.Transitions ?? []).map((t) => `${String(t.StorageClass)} after ${String(t.TransitionInDays)} d`),
    ...(rule.ExpirationInDays !== undefined ? [`expire after ${String(rule.ExpirationInDays)} d`] : []),
    ...(rule.NoncurrentVersionExpiration
      ? [`old versions after ${String(rule.NoncurrentVersionExpiration.NoncurrentDays)} d`]
      : []),
    ...(rule.AbortIncompleteMultipartUpload
      ? [`abort uploads after ${String(rule.AbortIncompleteMultipartUpload.DaysAfterInitiation)} d`]
      : []),
  ];
  return `${scope}${parts.join(', ') || 'rule'}`;
}
