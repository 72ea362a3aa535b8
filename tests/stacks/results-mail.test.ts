import { Match, Template } from 'aws-cdk-lib/assertions';
import { alarmsByName } from '../support/alarm-template';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

const MAIL = { enabled: true, fromAddress: 'predictor@example.org', identity: 'example.org' };
const enabled = Template.fromStack(
  vigilStacks(
    configWith({
      predictor: {
        resultsMail: MAIL,
        uploadSite: { siteUrl: 'https://uploads.example.org' },
      },
    }),
    WITHOUT_BUNDLING,
    WITHOUT_CFN_VALIDATION,
  ).stacks.predictor,
);
const disabled = Template.fromStack(
  vigilStacks(configWith({}), WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION).stacks.predictor,
);

function only(source: Template, type: string): Record<string, unknown> {
  const resources = Object.values(source.findResources(type));
  expect(resources).toHaveLength(1);
  return (resources[0]?.Properties ?? {}) as Record<string, unknown>;
}

describe('results mail disabled (the default)', () => {
  it('creates no mailer, no stream, no configuration set and no SES alarm', () => {
    for (const type of [
      'AWS::Lambda::EventSourceMapping',
      'AWS::SES::ConfigurationSet',
      'AWS::SES::ConfigurationSetEventDestination',
    ]) {
      // The scorer's SQS mapping is the only event source mapping.
      const count = type === 'AWS::Lambda::EventSourceMapping' ? 1 : 0;
      expect(Object.keys(disabled.findResources(type))).toHaveLength(count);
    }
    disabled.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: Match.absent() });
    expect(
      [...alarmsByName(disabled).keys()].filter(
        (name) => name.includes('-ses-') || name.includes('account-'),
      ),
    ).toEqual([]);
    expect(JSON.stringify(disabled.toJSON())).not.toContain('results-mailer');
  });

  it('still gives the user pool its opt-out attribute', () => {
    disabled.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'results_mail', AttributeDataType: 'String', Mutable: true }),
      ]),
    });
  });
});

describe('results mail enabled', () => {
  it('streams both images of the results table', () => {
    enabled.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('feeds the mailer only final statuses with an uploader address, bisecting, retrying 3 times, then the dead-letter queue', () => {
    const mappings = enabled.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { StartingPosition: 'LATEST' },
    });
    const [mapping] = Object.values(mappings);
    expect(Object.keys(mappings)).toHaveLength(1);
    const properties = mapping?.Properties;
    expect(properties).toMatchObject({
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(JSON.parse(properties.FilterCriteria.Filters[0].Pattern)).toEqual({
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: {
        NewImage: {
          status: { S: ['SUCCEEDED', 'PARTIAL', 'FAILED'] },
          uploaderEmail: { S: [{ exists: true }] },
        },
      },
    });
    expect(properties.DestinationConfig.OnFailure.Destination).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ResultsMailDeadLetters/), 'Arn'],
    });
  });

  it('sends through a configuration set that suppresses bounces and complaints', () => {
    expect(only(enabled, 'AWS::SES::ConfigurationSet')).toMatchObject({
      Name: 'vigil-test-predictor-results-mail',
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      ReputationOptions: { ReputationMetricsEnabled: true },
    });
  });

  it('publishes bounces, complaints and rejects to the default event bus', () => {
    const destination = only(enabled, 'AWS::SES::ConfigurationSetEventDestination')
      .EventDestination as Record<string, unknown>;
    expect(destination).toMatchObject({
      Enabled: true,
      MatchingEventTypes: ['bounce', 'complaint', 'reject'],
    });
    expect(JSON.stringify(destination.EventBridgeDestination)).toContain('event-bus/default');
  });

  it('lets the mailer send only as the sender, through the identity and the configuration set', () => {
    const statements = Object.values(enabled.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[],
    );
    const send = statements.filter((statement) => JSON.stringify(statement.Action).includes('ses:'));
    expect(send).toHaveLength(1);
    expect(send[0]).toMatchObject({
      Action: 'ses:SendEmail',
      Condition: { StringEquals: { 'ses:FromAddress': 'predictor@example.org' } },
    });
    const resources = JSON.stringify(send[0]?.Resource);
    expect(resources).toContain(':identity/example.org');
    expect(resources).toMatch(/:configuration-set\/",\{"Ref":"ResultsMailConfigurationSet[0-9A-F]+"\}/);
    expect(resources).not.toContain('*');
  });

  it('tells the mailer its sender, configuration set and site', () => {
    enabled.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          MAIL_FROM_ADDRESS: 'predictor@example.org',
          MAIL_CONFIGURATION_SET: Match.anyValue(),
          SITE_URL: 'https://uploads.example.org',
        }),
      },
    });
  });

  it('alarms on the account bounce and complaint rates at SES review (high) and pause (critical) thresholds', () => {
    const alarms = alarmsByName(enabled);
    const ses = [...alarms.entries()].filter(
      ([name]) => name.includes('-ses-') || name.includes('-account-'),
    );
    const facts = Object.fromEntries(
      ses.map(([name, alarm]) => [
        name.replace(/^.*-account-/, ''),
        { metric: alarm.MetricName, namespace: alarm.Namespace, threshold: alarm.Threshold },
      ]),
    );
    expect(facts).toEqual({
      'bounce-rate-review': { metric: 'Reputation.BounceRate', namespace: 'AWS/SES', threshold: 0.05 },
      'bounce-rate-pause': { metric: 'Reputation.BounceRate', namespace: 'AWS/SES', threshold: 0.1 },
      'complaint-rate-review': { metric: 'Reputation.ComplaintRate', namespace: 'AWS/SES', threshold: 0.001 },
      'complaint-rate-pause': { metric: 'Reputation.ComplaintRate', namespace: 'AWS/SES', threshold: 0.005 },
    });
    const descriptions = ses.map(([, alarm]) => String(alarm.AlarmDescription)).join('\n');
    expect(descriptions).toMatch(/high/i);
    expect(descriptions).toMatch(/critical/i);
  });

  it('monitors the mailer and its dead-letter queue like the other functions', () => {
    const names = [...alarmsByName(enabled).keys()];
    expect(names.some((name) => name.includes('-results-mailer-'))).toBe(true);
    expect(names.some((name) => name.includes('-results-mail-dead-letters-'))).toBe(true);
  });
});
