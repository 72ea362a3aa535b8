import { parseAlarmDescription } from '../../../constructs/contracts/alarm-description';
import { type EvidenceItem, type EvidenceNumber, type Statement, statusOf } from '../review-model';
import type { ReviewedApp, ReviewedResource } from '../reviewed-app';
import { referencedIds, resourceName, resourcesOf } from '../template-values';

/** The review id under which a resource is acknowledged as deliberately unmonitored. */
export const UNMONITORED_RULE = 'VigilReview-Monitoring';

/**
 * Resource kinds that publish CloudWatch metrics an alarm can watch, with the property holding the
 * literal name an alarm dimension can carry instead of a reference.
 */
const ALARMABLE_KINDS: Record<string, { readonly kind: string; readonly nameProperty: string }> = {
  'AWS::Lambda::Function': { kind: 'Lambda function', nameProperty: 'FunctionName' },
  'AWS::SQS::Queue': { kind: 'SQS queue', nameProperty: 'QueueName' },
  'AWS::DynamoDB::Table': { kind: 'DynamoDB table', nameProperty: 'TableName' },
  'AWS::SNS::Topic': { kind: 'SNS topic', nameProperty: 'TopicName' },
  'AWS::StepFunctions::StateMachine': { kind: 'state machine', nameProperty: 'StateMachineName' },
  'AWS::Events::Rule': { kind: 'EventBridge rule', nameProperty: 'Name' },
  'AWS::KinesisFirehose::DeliveryStream': { kind: 'Firehose stream', nameProperty: 'DeliveryStreamName' },
  'AWS::ApiGatewayV2::Api': { kind: 'HTTP API', nameProperty: 'Name' },
  'AWS::CloudFront::Distribution': { kind: 'CloudFront distribution', nameProperty: '' },
};

const ALARM_TYPES = ['AWS::CloudWatch::Alarm'];

/** The resources of the app each metric alarm watches, read from its dimensions (single metric or metric math). */
function watchedResources(app: ReviewedApp): Map<ReviewedResource, ReviewedResource[]> {
  const watched = new Map<ReviewedResource, ReviewedResource[]>();
  for (const alarm of resourcesOf(app, ...ALARM_TYPES)) {
    const stack = app.stack(alarm.stack);
    const dimensions = dimensionValues(alarm);
    // Actions are left out on purpose: an alarm notifying a topic does not watch that topic.
    const ids = referencedIds(dimensions);
    const literals = new Set(dimensions.filter((value): value is string => typeof value === 'string'));
    watched.set(
      alarm,
      (stack?.resources ?? []).filter((resource) => {
        const alarmable = ALARMABLE_KINDS[resource.type];
        if (!alarmable) return false;
        const name = alarmable.nameProperty ? resource.properties[alarmable.nameProperty] : undefined;
        return ids.has(resource.logicalId) || (typeof name === 'string' && literals.has(name));
      }),
    );
  }
  return watched;
}

/** OPS08-BP04: every resource of an alarmable kind is watched by at least one alarm. */
export function monitoringCoverage(app: ReviewedApp): Statement {
  const watched = watchedResources(app);
  const alarmsOf = new Map<ReviewedResource, number>();
  for (const resources of watched.values()) {
    for (const resource of resources) alarmsOf.set(resource, (alarmsOf.get(resource) ?? 0) + 1);
  }
  const alarmable = resourcesOf(app, ...Object.keys(ALARMABLE_KINDS));
  const items: EvidenceItem[] = alarmable.map((resource) => {
    const count = alarmsOf.get(resource) ?? 0;
    const [reason] = count === 0 ? app.reasonsFor(resource, UNMONITORED_RULE) : [];
    return {
      resource: resourceName(resource),
      kind: (ALARMABLE_KINDS[resource.type] as (typeof ALARMABLE_KINDS)[string]).kind,
      detail: count === 0 ? 'no alarm watches it' : `${count} alarm(s)`,
      status: count > 0 || reason !== undefined ? 'met' : 'gap',
      ...(reason !== undefined ? { reason } : {}),
    };
  });
  const perKind: EvidenceNumber[] = Object.values(ALARMABLE_KINDS).flatMap(({ kind }) => {
    const ofKind = alarmable.filter((resource) => ALARMABLE_KINDS[resource.type]?.kind === kind);
    if (ofKind.length === 0) return [];
    const monitored = ofKind.filter((resource) => (alarmsOf.get(resource) ?? 0) > 0);
    return [
      { key: `${kind}.resources`, label: `${kind}s`, value: ofKind.length },
      { key: `${kind}.monitored`, label: `${kind}s with an alarm`, value: monitored.length },
      {
        key: `${kind}.alarms`,
        label: `alarms on ${kind}s`,
        value: [...watched.values()].filter((resources) => resources.some((r) => ofKind.includes(r))).length,
      },
    ];
  });
  return {
    id: 'monitoring-coverage',
    pillar: 'Operational excellence',
    claim: 'Every resource of a kind CloudWatch can alarm on is watched by at least one alarm.',
    bestPractice: {
      id: 'OPS08-BP04',
      title: 'Create actionable alerts',
      url: 'https://docs.aws.amazon.com/wellarchitected/latest/framework/ops_workload_observability_create_alerts.html',
    },
    status: statusOf(items),
    numbers: [
      { key: 'alarms', label: 'metric alarms', value: watched.size },
      {
        key: 'compositeAlarms',
        label: 'composite alarms',
        value: resourcesOf(app, 'AWS::CloudWatch::CompositeAlarm').length,
      },
      { key: 'alarmable', label: 'alarmable resources', value: items.length },
      {
        key: 'unmonitored',
        label: 'unmonitored',
        value: items.filter((item) => item.status === 'gap').length,
      },
      ...perKind,
    ],
    items,
    fix:
      "Add the resource to its service's ServiceMonitoring (monitorLambda, monitorQueue, monitorTable, monitorHttpApi, …), or, when " +
      `another signal covers it, say which: Validations.of(construct).acknowledge({ id: '${UNMONITORED_RULE}', reason }).`,
    note: 'An alarm watches the resources its dimensions name, by reference or by literal name, in its own stack.',
  };
}

/** OPS: alarms carry Vigil's description (service, severity, summary, threshold), which routes and explains them. */
export function alarmDescriptions(app: ReviewedApp): Statement {
  const alarms = resourcesOf(app, 'AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm');
  const parsed = alarms.map((alarm) => ({
    alarm,
    description: parseAlarmDescription(descriptionText(alarm.properties.AlarmDescription)),
  }));
  const items: EvidenceItem[] = parsed
    .filter((entry) => entry.description === undefined)
    .map(({ alarm }) => ({
      resource: resourceName(alarm),
      kind: alarm.type.replace('AWS::CloudWatch::', ''),
      detail: 'no Vigil alarm description: on-call gets no service, severity, summary or runbook',
      status: 'gap',
    }));
  const described = parsed.flatMap((entry) => (entry.description ? [entry.description] : []));
  return {
    id: 'alarm-descriptions',
    pillar: 'Operational excellence',
    claim:
      'Every alarm says which service it belongs to, how severe it is, what it means and why its threshold.',
    status: items.length > 0 ? 'gap' : 'met',
    numbers: [
      { key: 'alarms', label: 'alarms (metric and composite)', value: alarms.length },
      { key: 'described', label: 'with a Vigil description', value: described.length },
      { key: 'runbook', label: 'with a runbook link', value: described.filter((d) => d.runbook).length },
      {
        key: 'playbook',
        label: 'with a remediation playbook',
        value: described.filter((d) => d.playbook).length,
      },
      ...['critical', 'high', 'warning', 'info'].map((severity) => ({
        key: `severity.${severity}`,
        label: `severity ${severity}`,
        value: described.filter((d) => d.severity === severity).length,
      })),
    ],
    items,
    fix: 'Create the alarm through ServiceMonitoring (or give it formatAlarmDescription(...) as its description).',
  };
}

function dimensionValues(alarm: ReviewedResource): unknown[] {
  const single = (alarm.properties.Dimensions as { Value?: unknown }[] | undefined) ?? [];
  const queries =
    (alarm.properties.Metrics as { MetricStat?: { Metric?: { Dimensions?: { Value?: unknown }[] } } }[]) ??
    [];
  return [
    ...single.map((dimension) => dimension.Value),
    ...queries.flatMap((query) =>
      (query.MetricStat?.Metric?.Dimensions ?? []).map((dimension) => dimension.Value),
    ),
  ];
}

/** The description text, with any reference inside it (a log group name, say) as a placeholder. */
function descriptionText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (!join) return undefined;
  return join[1].map((part) => (typeof part === 'string' ? part : '<reference>')).join(join[0]);
}
