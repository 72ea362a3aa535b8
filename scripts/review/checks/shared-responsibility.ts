import type { EnvironmentConfig } from '../../../config/environment-config';
import { ALARM_SEVERITIES } from '../../../constructs/contracts/alarm-severity';
import { type EvidenceItem, type Statement, statusOf } from '../review-model';
import type { ReviewedApp } from '../reviewed-app';
import { resourcesOf } from '../template-values';

/** Severities whose alerts must reach a person: a topic nobody reads is no alert. */
const MUST_REACH_SOMEONE = ['critical', 'high'];

/** OPS: each severity's alerts reach someone, per the environment's config. */
export function alertDestinations(app: ReviewedApp, config: EnvironmentConfig): Statement {
  const items: EvidenceItem[] = ALARM_SEVERITIES.map((severity) => {
    const destinations = config.alerts[severity];
    const parts = [
      ...(destinations.emails.length > 0 ? [`${destinations.emails.length} email(s)`] : []),
      ...(destinations.httpsEndpoints.length > 0
        ? [`${destinations.httpsEndpoints.length} HTTPS endpoint(s)`]
        : []),
      ...(destinations.chatTopicArn ? ['a chat channel'] : []),
      ...(destinations.pagerDutyRoutingKeySecretName ? ['PagerDuty'] : []),
    ];
    return {
      resource: `config.alerts.${severity}`,
      kind: 'alert destinations',
      detail: parts.length > 0 ? parts.join(', ') : 'none: alerts stay on the topic',
      status: parts.length > 0 || !MUST_REACH_SOMEONE.includes(severity) ? 'met' : 'gap',
    };
  });
  return {
    id: 'alert-destinations',
    pillar: 'Operational excellence',
    claim: 'Critical and high alerts reach a person (email, webhook, chat or PagerDuty) as configured.',
    status: statusOf(items),
    numbers: [
      {
        key: 'severitiesWithDestinations',
        label: 'severities with a destination',
        value: items.filter((i) => !i.detail.startsWith('none')).length,
      },
      {
        key: 'subscriptions',
        label: 'SNS subscriptions in the templates',
        value: resourcesOf(app, 'AWS::SNS::Subscription').length,
      },
    ],
    items,
    fix: 'Set alerts.critical and alerts.high in the environment file: emails, httpsEndpoints, chatTopicArn or pagerDutyRoutingKeySecretName.',
  };
}

/**
 * The customer's side of the shared-responsibility model that no template can show: account settings,
 * people, and data. Derived from config and the templates where they say something.
 */
export function sharedResponsibility(app: ReviewedApp, config: EnvironmentConfig): Statement {
  const emails = [
    ...ALARM_SEVERITIES.flatMap((severity) => config.alerts[severity].emails),
    ...config.cost.emails,
  ];
  const routed = Object.entries(config.alerting.securityEvents)
    .filter(([, on]) => on)
    .map(([source]) => source);
  const trails = resourcesOf(app, 'AWS::CloudTrail::Trail').length;
  const items: EvidenceItem[] = [
    {
      resource: 'account: GuardDuty, Security Hub',
      kind: 'threat detection',
      detail: `Vigil routes findings of ${routed.join(', ') || 'no source'} (alerting.securityEvents) but never enables the services: the account owner turns them on.`,
      status: 'customer',
    },
    {
      resource: 'account: root user and human access',
      kind: 'identity',
      detail:
        'MFA on the root user, no root access keys, people signing in through federation or IAM Identity Center: account settings no template shows.',
      status: 'customer',
    },
    {
      resource: 'account: CloudTrail',
      kind: 'audit',
      detail:
        trails > 0
          ? `${trails} trail(s) in the templates; an organization trail and its retention are still the account owner's.`
          : 'No trail in the templates: a trail (organization or account) and where its logs are kept are the account owner’s.',
      status: 'customer',
    },
    {
      resource: `config: ${emails.length} email subscriber(s)`,
      kind: 'people',
      detail:
        emails.length > 0
          ? 'Each address receives a subscription confirmation from SNS and must confirm it before alerts arrive.'
          : 'No email subscriber is configured: someone must subscribe to the alert and cost topics.',
      status: 'customer',
    },
    {
      resource: `config: cost.allocationTagKeys (${config.cost.allocationTagKeys.join(', ')})`,
      kind: 'billing',
      detail:
        'Cost-allocation tags must be activated in the Billing console before Cost Explorer groups by them.',
      status: 'customer',
    },
    {
      resource: 'workload data',
      kind: 'data',
      detail:
        'What the workload writes into logs, traces and uploads (personal data, secrets) and its classification are the owner’s to decide.',
      status: 'customer',
    },
  ];
  return {
    id: 'shared-responsibility',
    pillar: 'Security',
    claim: 'What the account owner does, which no template can show.',
    status: 'customer',
    numbers: [
      { key: 'responsibilities', label: 'customer responsibilities listed', value: items.length },
      { key: 'securitySourcesRouted', label: 'security and health sources routed', value: routed.length },
      { key: 'emailSubscribers', label: 'email subscribers in config', value: emails.length },
    ],
    items,
  };
}
