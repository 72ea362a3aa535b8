import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { addAlarmLint, lintAlarms } from '../../../constructs/alarm-lint/alarm-lint';
import { measureAlarmRule } from '../../../constructs/alarm-lint/composite-size';
import { PLAYBOOK_SCOPES } from '../../../constructs/alarm-lint/playbook-fit';
import { PLAYBOOK_IDS } from '../../../constructs/contracts/remediation';
import type { AlarmSpec } from '../../../constructs/monitoring/alarm-spec';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import { remediationTarget } from '../../../lambda/remediation/dispatcher/dispatch';
import { newFunction } from '../../support/alarm-template';

const FIVE_MINUTES = Duration.minutes(5);

function setup() {
  const app = new App();
  const stack = new Stack(app, 'Team', { env: { account: '123456789012', region: 'eu-west-1' } });
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'team' });
  return { app, stack, monitoring };
}

/** A metric alarm made the way a team makes one through Vigil, with only what the lint reads varying. */
function teamAlarm(
  monitoring: ServiceMonitoring,
  resource: string,
  spec: Pick<AlarmSpec, 'signal' | 'metric'> & Partial<AlarmSpec>,
): void {
  const scope =
    (monitoring.node.tryFindChild(resource) as Construct | undefined) ?? new Construct(monitoring, resource);
  monitoring.addAlarm(
    scope,
    { kind: 'custom', name: resource },
    {
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      summary: 'A test alarm.',
      thresholdReason: 'any',
      ...spec,
    },
  );
}

const sum = (fn: lambda.IFunction, metricName: string) =>
  fn.metric(metricName, { period: FIVE_MINUTES, statistic: 'Sum' });

describe('metrics a resource cannot publish (Lambda "Types of metrics for Lambda functions" page)', () => {
  it('fails synth for DeadLetterErrors of a function without a DeadLetterConfig, naming the alarm and why', () => {
    const { app, stack } = setup();
    const fn = newFunction(stack, 'Worker');
    fn.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(new sqs.Queue(stack, 'Failed')) });
    new cloudwatch.Alarm(stack, 'HandMade', {
      alarmName: 'team-worker-dead-letters',
      metric: sum(fn, 'DeadLetterErrors'),
      threshold: 1,
      evaluationPeriods: 1,
    });
    addAlarmLint(app);
    expect(() => app.synth()).toThrow(
      /alarm team-worker-dead-letters \(Team\/HandMade\/Resource\): AWS\/Lambda DeadLetterErrors is never published for Team\/Worker: Lambda publishes it only for a function with a dead-letter queue \(DeadLetterConfig\)/,
    );
  });

  it('accepts DeadLetterErrors once the function has a dead-letter queue', () => {
    const { app, stack, monitoring } = setup();
    const fn = newFunction(stack, 'Worker', { deadLetterQueueEnabled: true });
    teamAlarm(monitoring, 'worker', { signal: 'dead-letter-errors', metric: sum(fn, 'DeadLetterErrors') });
    expect(lintAlarms(app)).toEqual([]);
  });

  it.each([
    ['DestinationDeliveryFailures', 'an on-success or on-failure destination'],
    ['IteratorAge', 'an event source mapping that reads a stream'],
    ['ProvisionedConcurrencyUtilization', 'provisioned concurrency on a version or alias'],
  ])('catches %s on a function without %s, made through Vigil', (metricName, needs) => {
    const { app, stack, monitoring } = setup();
    const fn = newFunction(stack, 'Worker');
    teamAlarm(monitoring, 'worker', { signal: 'watched', metric: sum(fn, metricName) });
    expect(lintAlarms(app)).toEqual([
      expect.stringContaining(
        `alarm vigil-team-worker-watched (Team/Monitoring/worker/Watched/Resource): AWS/Lambda ${metricName}`,
      ),
    ]);
    expect(lintAlarms(app)[0]).toContain(`a function with ${needs}`);
  });

  it('accepts the same metrics when the function is configured for them', () => {
    const { app, stack, monitoring } = setup();
    const fn = newFunction(stack, 'Worker');
    const alias = new lambda.Alias(stack, 'Live', {
      aliasName: 'live',
      version: fn.currentVersion,
      provisionedConcurrentExecutions: 2,
    });
    alias.configureAsyncInvoke({ onSuccess: new destinations.SqsDestination(new sqs.Queue(stack, 'Done')) });
    new lambda.EventSourceMapping(stack, 'Stream', {
      target: fn,
      eventSourceArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/orders',
      startingPosition: lambda.StartingPosition.LATEST,
    });
    for (const metricName of [
      'DestinationDeliveryFailures',
      'IteratorAge',
      'ProvisionedConcurrencyUtilization',
    ]) {
      teamAlarm(monitoring, 'worker', { signal: metricName.toLowerCase(), metric: sum(fn, metricName) });
    }
    expect(lintAlarms(app)).toEqual([]);
  });

  it('says nothing about a function the app does not define: its configuration is unknown', () => {
    const { app, stack, monitoring } = setup();
    const imported = lambda.Function.fromFunctionName(stack, 'Imported', 'elsewhere');
    teamAlarm(monitoring, 'imported', {
      signal: 'dead-letter-errors',
      metric: sum(imported, 'DeadLetterErrors'),
    });
    expect(lintAlarms(app)).toEqual([]);
  });
});

describe('composites over PutCompositeAlarm limits (CloudWatch API Reference, PutCompositeAlarm)', () => {
  function children(stack: Stack, count: number, nameLength = 20): cloudwatch.Alarm[] {
    return Array.from({ length: count }, (_, index) => {
      const name = `child-${index}`.padEnd(nameLength, 'x');
      return new cloudwatch.Alarm(stack, `Child${index}`, {
        alarmName: name,
        metric: new cloudwatch.Metric({ namespace: 'Team', metricName: `M${index}`, period: FIVE_MINUTES }),
        threshold: 1,
        evaluationPeriods: 1,
      });
    });
  }

  it('fails synth for a hand-made composite over 101 alarms', () => {
    const { app, stack } = setup();
    new cloudwatch.CompositeAlarm(stack, 'Everything', {
      compositeAlarmName: 'team-everything',
      alarmRule: cloudwatch.AlarmRule.anyOf(...children(stack, 101)),
    });
    addAlarmLint(app);
    expect(() => app.synth()).toThrow(
      /alarm team-everything \(Team\/Everything\/Resource\): its rule names 101 alarms, PutCompositeAlarm allows 100/,
    );
  });

  it('accepts 100 alarms with short names', () => {
    const { app, stack } = setup();
    new cloudwatch.CompositeAlarm(stack, 'Everything', {
      compositeAlarmName: 'team-everything',
      alarmRule: cloudwatch.AlarmRule.anyOf(...children(stack, 100)),
    });
    expect(lintAlarms(app)).toEqual([]);
  });

  it('counts the rule as CloudFormation renders it: full ARNs of long names break 10,240 characters', () => {
    const { app, stack } = setup();
    // 50 ARNs of 255-character names in eu-west-1: 50 × (9 + 48 + 255) + 49 × 4 + 2 = 15,798 characters.
    new cloudwatch.CompositeAlarm(stack, 'Long', {
      compositeAlarmName: 'team-long',
      alarmRule: cloudwatch.AlarmRule.anyOf(...children(stack, 50, 255)),
    });
    const [finding, ...rest] = lintAlarms(app);
    expect(rest).toEqual([]);
    expect(finding).toMatch(
      /^alarm team-long \(Team\/Long\/Resource\): its rule is about 15\d{3} characters as CloudFormation renders it .*PutCompositeAlarm allows 10240/,
    );
  });

  it('fails a rule written as text over the limit (CDK checks only the L2 literal)', () => {
    const { app, stack } = setup();
    const names = Array.from({ length: 45 }, (_, index) => `ALARM("${`literal-${index}`.padEnd(240, 'y')}")`);
    new cloudwatch.CfnCompositeAlarm(stack, 'Text', {
      alarmName: 'team-text',
      alarmRule: names.join(' OR '),
    });
    expect(lintAlarms(app)).toEqual([
      expect.stringMatching(/^alarm team-text .*rule is about 11381 characters/),
    ]);
  });

  it('measures a rule: distinct alarms in every function form, tokens as generous ARNs', () => {
    const rule = 'ALARM("a") AND (OK(b) OR INSUFFICIENT_DATA("a")) AND AT_LEAST(2, ALARM, ("c", "d"))';
    expect(measureAlarmRule(rule)).toEqual({ children: 4, length: rule.length });
    const { stack } = setup();
    const [child] = children(stack, 1, 30);
    // In eu-west-1 the ARN is known but for the account: arn:aws:cloudwatch:eu-west-1:<12>:alarm:<30>.
    expect(measureAlarmRule(`ALARM("${child?.alarmArn}")`).length).toBe(
      9 + 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:'.length + 30,
    );
  });
});

describe('playbooks on alarms they cannot clear', () => {
  it('fails synth for the concurrency playbook on a ConcurrentExecutions alarm, made through Vigil', () => {
    const { app, stack, monitoring } = setup();
    const fn = newFunction(stack, 'Worker', { reservedConcurrentExecutions: 10 });
    teamAlarm(monitoring, 'worker', {
      signal: 'concurrency',
      metric: fn.metric('ConcurrentExecutions', { period: Duration.minutes(1), statistic: 'Maximum' }),
      playbook: 'lambda-concurrency',
    });
    expect(() => app.synth()).toThrow(
      /alarm vigil-team-worker-concurrency \(Team\/Monitoring\/worker\/Concurrency\/Resource\): playbook lambda-concurrency can only clear AWS\/Lambda\/Throttles, and the alarm reads AWS\/Lambda\/ConcurrentExecutions/,
    );
  });

  it('refuses a rollback the dispatcher cannot target: a metric without FunctionName', () => {
    const { app, monitoring } = setup();
    teamAlarm(monitoring, 'model', {
      signal: 'drift',
      metric: new cloudwatch.Metric({
        namespace: 'Team/Model',
        metricName: 'MeanProbability',
        dimensionsMap: { service: 'scorer' },
        period: Duration.hours(1),
      }),
      playbook: 'lambda-alias-rollback',
    });
    expect(lintAlarms(app)).toEqual([
      expect.stringContaining(
        "vigil-team-model-drift (Team/Monitoring/model/Drift/Resource): playbook lambda-alias-rollback needs exactly one FunctionName in the alarm's metric dimensions",
      ),
    ]);
  });

  it('refuses a rollback of a function with no alias, and accepts the error rate of one with an alias', () => {
    const { app, stack, monitoring } = setup();
    const plain = newFunction(stack, 'Plain');
    const released = newFunction(stack, 'Released');
    new lambda.Alias(stack, 'Live', { aliasName: 'live', version: released.currentVersion });
    const errorRate = (fn: lambda.IFunction) =>
      new cloudwatch.MathExpression({
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: { errors: sum(fn, 'Errors'), invocations: sum(fn, 'Invocations') },
        period: FIVE_MINUTES,
      });
    teamAlarm(monitoring, 'plain', {
      signal: 'error-rate',
      metric: errorRate(plain),
      playbook: 'lambda-alias-rollback',
    });
    teamAlarm(monitoring, 'released', {
      signal: 'error-rate',
      metric: errorRate(released),
      playbook: 'lambda-alias-rollback',
    });
    expect(lintAlarms(app)).toEqual([
      expect.stringMatching(
        /^alarm vigil-team-plain-error-rate .*: playbook lambda-alias-rollback needs a target that has an alias to move back, and Team\/Plain is not one$/,
      ),
    ]);
  });

  it('redrives only a dead-letter queue of another queue, not a Lambda on-failure queue', () => {
    const { app, stack, monitoring } = setup();
    const deadLetters = new sqs.Queue(stack, 'DeadLetters');
    new sqs.Queue(stack, 'Work', { deadLetterQueue: { queue: deadLetters, maxReceiveCount: 3 } });
    const onFailure = new sqs.Queue(stack, 'OnFailure');
    for (const [name, queue] of [
      ['dead-letters', deadLetters],
      ['on-failure', onFailure],
    ] as const) {
      teamAlarm(monitoring, name, {
        signal: 'visible',
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: FIVE_MINUTES,
          statistic: 'Maximum',
        }),
        playbook: 'dlq-redrive',
      });
    }
    expect(lintAlarms(app)).toEqual([
      expect.stringMatching(
        /^alarm vigil-team-on-failure-visible .*is the dead-letter queue of another SQS queue/,
      ),
    ]);
  });

  it('refuses a playbook on a composite alarm: its state change carries no metrics', () => {
    const { app, stack, monitoring } = setup();
    const fn = newFunction(stack, 'Worker');
    teamAlarm(monitoring, 'worker', {
      signal: 'errors',
      metric: sum(fn, 'Errors'),
      partOf: 'vigil-team-worker-any',
    });
    const [child] = monitoring.createdAlarms();
    monitoring.addCompositeAlarm(
      new Construct(monitoring, 'composite'),
      { kind: 'custom', name: 'worker' },
      {
        signal: 'any',
        rule: cloudwatch.AlarmRule.anyOf(child as cloudwatch.AlarmBase),
        severity: 'high',
        summary: 'Anything.',
        thresholdReason: 'any',
        playbook: 'lambda-alias-rollback',
      },
    );
    expect(lintAlarms(app)).toEqual([
      expect.stringContaining(
        'vigil-team-worker-any (Team/Monitoring/composite/Any/Resource): playbook lambda-alias-rollback cannot run from a composite alarm',
      ),
    ]);
  });

  it.each(PLAYBOOK_IDS)('%s: reads its target from the dimension the dispatcher reads', (playbook) => {
    const dimension = PLAYBOOK_SCOPES[playbook].targetDimension;
    const metricStat = {
      namespace: 'X',
      metricName: 'Y',
      period: 60,
      stat: 'Sum',
      dimensions: { [dimension]: 'name' },
    };
    expect(
      remediationTarget(playbook, { metrics: [{ id: 'm', metricStat, returnData: true }] }, 'live'),
    ).toHaveProperty('target');
  });
});
