import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../config/load-config';
import { readScheduledQueryInput } from '../../lambda/scheduled-query/scheduled-query-input';
import { deployedValue } from '../../scripts/local-loop/deployed-values';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

const QUERY = {
  name: 'orders-timeouts',
  service: 'predictor',
  query: 'filter @message like /Task timed out/ | fields @timestamp, @log, @message | limit 20',
  everyMinutes: 10,
  lookbackMinutes: 30,
  severity: 'critical' as const,
  runbook: 'https://runbooks.example.org/timeouts',
};

describe('scheduled Logs Insights queries (prod ships one)', () => {
  const { app, stacks } = vigilStacks(
    configWith({
      monitoring: {
        scheduledQueries: [
          QUERY,
          {
            ...(loadConfig('prod').monitoring.scheduledQueries[0] as typeof QUERY),
            logGroups: ['/custom/group'],
          },
        ],
      },
    }),
    WITHOUT_BUNDLING,
    WITHOUT_CFN_VALIDATION,
  );
  const stack = stacks.logQueries;
  if (!stack) throw new Error('no log queries stack');
  const template = Template.fromStack(stack);
  app.synth();

  test('one schedule per query, at its rate, invoking the live alias with retries and the dead-letter queue', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(10 minutes)',
      State: 'ENABLED',
      Target: {
        Arn: { Ref: Match.stringLikeRegexp('^ScheduledQueryLive') },
        RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 2 },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScheduledQueryFailures'), 'Arn'] },
        },
      },
    });
  });

  test("each schedule's input is one the function accepts, once Scheduler fills in the scheduled time", () => {
    const inputs = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((schedule) => {
      const text = deployedValue(schedule.Properties.Target.Input, stack) as string;
      expect(text).toContain('"scheduledTime":"<aws.scheduler.scheduled-time>"');
      return readScheduledQueryInput(
        JSON.parse(text.replace('<aws.scheduler.scheduled-time>', '2026-12-07T04:00:00Z')),
      );
    });
    const predictorGroups = stacks.predictor.monitoring.logGroupNames.map((name) =>
      deployedValue(stacks.predictor.resolve(name), stacks.predictor),
    );
    expect(inputs).toEqual([
      expect.objectContaining({
        name: 'orders-timeouts',
        service: 'predictor',
        queryString: QUERY.query,
        lookbackMinutes: 30,
        alertWhenRows: true,
        severity: 'critical',
        runbook: QUERY.runbook,
        logGroupNames: predictorGroups,
      }),
      expect.objectContaining({
        name: 'predictor-unhandled-errors',
        logGroupNames: ['/custom/group'],
        lookbackMinutes: 15,
      }),
    ]);
    // The service's monitored functions: the API and the scorer.
    expect(predictorGroups).toHaveLength(2);
  });

  test('the function may start queries only on those log groups, and put events only on the platform bus', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const resourcesOf = (action: string) =>
      statements
        .filter((statement) => [statement.Action].flat().includes(action))
        .flatMap((statement) => [statement.Resource].flat());
    expect(
      resourcesOf('logs:StartQuery')
        .map((arn) => deployedValue(arn, stack))
        .sort(),
    ).toEqual(
      [
        ...stacks.predictor.monitoring.logGroupNames.map(
          (name) =>
            `arn:aws:logs:eu-west-1:123456789012:log-group:${deployedValue(stacks.predictor.resolve(name), stacks.predictor)}`,
        ),
        'arn:aws:logs:eu-west-1:123456789012:log-group:/custom/group',
      ].sort(),
    );
    expect(resourcesOf('logs:GetQueryResults')).toEqual(['*']);
    expect(resourcesOf('events:PutEvents').map((arn) => deployedValue(arn, stack))).toEqual([
      deployedValue(stacks.core.resolve(stacks.core.platformBus.eventBusArn), stacks.core),
    ]);
  });

  test('failed runs go to the alias’s on-failure destination after two retries, and are alarmed on', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScheduledQueryFailures'), 'Arn'] },
        },
      },
    });
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties.AlarmName,
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'vigil-test-log-queries-runner-error-rate',
        'vigil-test-log-queries-failures-dead-letter-messages',
      ]),
    );
  });
});

test('a query naming a service Vigil does not monitor fails synth, naming the services', () => {
  expect(() =>
    vigilStacks(
      configWith({ monitoring: { scheduledQueries: [{ ...QUERY, service: 'orders' }] } }),
      WITHOUT_BUNDLING,
      WITHOUT_CFN_VALIDATION,
    ),
  ).toThrow(
    /monitoring.scheduledQueries orders-timeouts: no service orders \(services: alerting, remediation, predictor, log-archive\); name its logGroups instead/,
  );
});

test('an environment without scheduled queries has no log queries stack', () => {
  expect(
    vigilStacks(configWith({}), WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION).stacks.logQueries,
  ).toBeUndefined();
});
