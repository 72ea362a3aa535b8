import { readEnricherConfig } from '../../../lambda/alert-enricher/enricher-config';

describe('where the enricher runs (readEnricherConfig)', () => {
  const env = {
    CRITICAL_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:vigil-dev-alerts-critical',
    HIGH_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:vigil-dev-alerts-high',
    WARNING_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:vigil-dev-alerts-warning',
    INFO_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:vigil-dev-alerts-info',
    EPISODE_TABLE_NAME: 'vigil-dev-episodes',
    ARTIFACTS_BUCKET_NAME: 'vigil-dev-alert-artifacts',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/vigil-dev-alert-dead-letters',
    GRAPH_URL_TTL_SECONDS: '3600',
    CONTEXT_DEADLINE_MS: '2500',
    FLAP_TRANSITIONS: '4',
    FLAP_WINDOW_MINUTES: '30',
    EPISODE_RETENTION_DAYS: '30',
    OUTSIDE_ALARM_SEVERITY: 'high',
    REMEDIATION_PLAYBOOKS: '{}',
  };

  it('is the region Lambda sets and the account of the stack’s own topics', () => {
    expect(readEnricherConfig({ ...env, AWS_REGION: 'eu-west-1' }).home).toEqual({
      region: 'eu-west-1',
      account: '123456789012',
    });
  });

  it('is unknown outside Lambda, so every alarm is taken as home', () => {
    expect(readEnricherConfig(env).home).toBeUndefined();
  });
});
