import { type EvidenceItem, type Statement, statusOf } from '../review-model';
import type { ReviewedApp, ReviewedResource } from '../reviewed-app';
import { resourceName, resourcesOf } from '../template-values';

/** cdk-nag's finding id for an IAM statement on every resource (AwsSolutions-IAM5, `Resource::*`). */
export const WILDCARD_RESOURCE_RULE = 'AwsSolutions-IAM5[Resource::*]';

interface PolicyStatement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

/** Every Allow statement of the app's identity policies whose Resource is `*`, with its actions. */
function wildcardStatements(
  app: ReviewedApp,
): { resource: ReviewedResource; policy: string; actions: string[] }[] {
  return resourcesOf(app, 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role').flatMap(
    (resource) =>
      documentsOf(resource).flatMap(({ policy, document }) =>
        statementsOf(document)
          .filter((statement) => statement.Effect === 'Allow' && asList(statement.Resource).includes('*'))
          .map((statement) => ({ resource, policy, actions: asList(statement.Action) })),
      ),
  );
}

/**
 * SEC03-BP02: every statement that grants actions on `*` is either needed (the API has no
 * resource-level permissions) and says so in its acknowledgement, or is a gap. Only identity
 * policies count, the set cdk-nag's IAM5 reads: a key policy's statements name Resource "*" as a
 * rule (the examples of https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html).
 */
export function leastPrivilege(app: ReviewedApp): Statement {
  const found = wildcardStatements(app);
  const items: EvidenceItem[] = found.map(({ resource, policy, actions }) => {
    const reasons = app.reasonsFor(resource, WILDCARD_RESOURCE_RULE);
    return {
      resource: resourceName(resource),
      kind: policy,
      detail: `Allow ${actions.join(', ')} on *`,
      status: reasons.length > 0 ? 'met' : 'gap',
      ...(reasons.length > 0 ? { reason: reasons.join(' / ') } : {}),
    };
  });
  const actions = new Set(found.flatMap((entry) => entry.actions));
  return {
    id: 'least-privilege',
    pillar: 'Security',
    claim:
      'IAM statements grant actions on every resource (Resource "*") only where each is acknowledged with its reason.',
    bestPractice: {
      id: 'SEC03-BP02',
      title: 'Grant least privilege access',
      url: 'https://docs.aws.amazon.com/wellarchitected/latest/framework/sec_permissions_least_privileges.html',
    },
    status: statusOf(items),
    numbers: [
      {
        key: 'policies',
        label: 'identity policies',
        value: resourcesOf(app, 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy').length,
      },
      { key: 'wildcardStatements', label: 'statements on Resource "*"', value: items.length },
      { key: 'wildcardActions', label: 'distinct actions granted on "*"', value: actions.size },
      {
        key: 'acknowledged',
        label: 'acknowledged',
        value: items.filter((item) => item.status === 'met').length,
      },
      {
        key: 'unacknowledged',
        label: 'without an acknowledgement',
        value: items.filter((item) => item.status === 'gap').length,
      },
    ],
    items,
    fix:
      'Name the resources the actions need (an ARN or a prefix); where the API has no resource-level permissions, ' +
      `say so on the role: Validations.of(role).acknowledge({ id: '${WILDCARD_RESOURCE_RULE}', reason }).`,
    note:
      'cdk-nag keys an acknowledgement by rule id, not by statement, so every reason given for Resource::* on the ' +
      'role (or above it) is listed against each of its wildcard statements.',
  };
}

function documentsOf(resource: ReviewedResource): { policy: string; document: unknown }[] {
  const properties = resource.properties as {
    PolicyDocument?: unknown;
    PolicyName?: unknown;
    Policies?: { PolicyName?: unknown; PolicyDocument?: unknown }[];
  };
  if (resource.type !== 'AWS::IAM::Role') {
    return [{ policy: resource.type.replace('AWS::IAM::', ''), document: properties.PolicyDocument }];
  }
  return (properties.Policies ?? []).map((inline) => ({
    policy: `inline policy ${typeof inline.PolicyName === 'string' ? inline.PolicyName : ''}`.trim(),
    document: inline.PolicyDocument,
  }));
}

function statementsOf(document: unknown): PolicyStatement[] {
  const statement = (document as { Statement?: unknown } | undefined)?.Statement;
  return (Array.isArray(statement) ? statement : statement ? [statement] : []) as PolicyStatement[];
}

function asList(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((entry) => (typeof entry === 'string' ? entry : JSON.stringify(entry)));
}
