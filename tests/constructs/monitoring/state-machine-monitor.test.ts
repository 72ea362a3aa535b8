import { App, CfnParameter, Duration, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { parseAlarmDescription } from '../../../constructs/contracts/alarm-description';
import { routeToTopics } from '../../../constructs/monitoring/alarm-routing';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import {
  StateMachineMonitor,
  type StateMachineMonitorProps,
} from '../../../constructs/monitoring/state-machine-monitor';
import {
  type AlarmProperties,
  alarmsByName,
  newFunction,
  tag,
  thresholdReason,
} from '../../support/alarm-template';

/** A one-state machine with its own timeout; the Pass state keeps the definition a plain string. */
function passMachine(stack: Stack, id: string, props: Partial<sfn.StateMachineProps> = {}): sfn.StateMachine {
  return new sfn.StateMachine(stack, id, {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, `${id}Start`)),
    ...props,
  });
}

describe('StateMachineMonitor on a state machine that calls a Lambda', () => {
  const app = new App();
  const stack = new Stack(app, 'Orders');
  const high = new sns.Topic(stack, 'High');
  const warning = new sns.Topic(stack, 'Warning');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'orders',
    routing: routeToTopics({ high, warning }),
    runbookBaseUrl: 'https://runbooks.example.org/vigil',
  });
  const fn = newFunction(stack, 'Refund');
  // The task's own 30 s timeout is also a TimeoutSeconds in the definition: it must not be taken
  // for the state machine's, and the Lambda ARN makes the definition an Fn::Join.
  const stateMachine = new sfn.StateMachine(stack, 'Remediation', {
    definitionBody: sfn.DefinitionBody.fromChainable(
      new tasks.LambdaInvoke(stack, 'CallRefund', {
        lambdaFunction: fn,
        taskTimeout: sfn.Timeout.duration(Duration.seconds(30)),
      }),
    ),
    timeout: Duration.minutes(10),
  });
  const monitor = new StateMachineMonitor(stack, 'RemediationMonitor', { stateMachine, monitoring });
  const alarms = alarmsByName(Template.fromStack(stack));
  const name = (signal: string) => `vigil-orders-remediation-${signal}`;

  it('creates one alarm per signal, named by the one rule, and reports them all', () => {
    expect([...alarms.keys()].sort()).toEqual(
      [
        'executions-aborted',
        'executions-failed',
        'executions-throttled',
        'executions-timed-out',
        'p99-execution-time',
      ].map(name),
    );
    expect(monitor.alarms).toHaveLength(5);
    expect(monitoring.createdAlarms()).toHaveLength(5);
  });

  it.each([
    // signal, metric, statistic, threshold, comparison, evaluation periods, datapoints, severity
    ['executions-failed', 'ExecutionsFailed', 'Sum', 1, 'GreaterThanOrEqualToThreshold', 1, 1, 'high'],
    ['executions-timed-out', 'ExecutionsTimedOut', 'Sum', 1, 'GreaterThanOrEqualToThreshold', 1, 1, 'high'],
    ['executions-aborted', 'ExecutionsAborted', 'Sum', 1, 'GreaterThanOrEqualToThreshold', 1, 1, 'warning'],
    [
      'executions-throttled',
      'ExecutionThrottled',
      'Sum',
      1,
      'GreaterThanOrEqualToThreshold',
      3,
      2,
      'warning',
    ],
    // 80% of the 600 s state machine timeout, in milliseconds.
    ['p99-execution-time', 'ExecutionTime', 'p99', 480_000, 'GreaterThanOrEqualToThreshold', 1, 1, 'warning'],
  ] as const)(
    '%s: %s %s, threshold %s',
    (signal, metric, statistic, threshold, comparison, evaluations, datapoints, severity) => {
      const alarm = alarms.get(name(signal));
      expect(alarm).toMatchObject({
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: expect.stringMatching(/^Remediation/) } }],
        Period: 300,
        Threshold: threshold,
        ComparisonOperator: comparison,
        EvaluationPeriods: evaluations,
        DatapointsToAlarm: datapoints,
        TreatMissingData: 'notBreaching',
        ...(statistic === 'p99' ? { ExtendedStatistic: statistic } : { Statistic: statistic }),
      });
      expect(tag(alarm, 'vigil:severity')).toBe(severity);
    },
  );

  it('routes each alarm to the topic of its severity, for ALARM and OK', () => {
    for (const signal of ['executions-failed', 'executions-timed-out']) {
      expect(alarms.get(name(signal))).toMatchObject({
        AlarmActions: [{ Ref: expect.stringMatching(/^High/) }],
        OKActions: [{ Ref: expect.stringMatching(/^High/) }],
      });
    }
    for (const signal of ['executions-aborted', 'executions-throttled', 'p99-execution-time']) {
      expect(alarms.get(name(signal))).toMatchObject({
        AlarmActions: [{ Ref: expect.stringMatching(/^Warning/) }],
        OKActions: [{ Ref: expect.stringMatching(/^Warning/) }],
      });
    }
  });

  it('describes each alarm in JSON the enrichment Lambda parses, saying how the threshold was derived', () => {
    const alarm = alarms.get(name('p99-execution-time'));
    expect(parseAlarmDescription(alarm?.AlarmDescription as string)).toEqual({
      vigil: 1,
      service: 'orders',
      resource: 'remediation',
      signal: 'p99-execution-time',
      severity: 'warning',
      summary: 'The slowest executions approach the timeout; timed-out executions follow.',
      threshold: '80% of the 600 s state machine timeout, in one five-minute period',
      runbook: 'https://runbooks.example.org/vigil/state-machine-p99-execution-time',
    });
    const thresholds = Object.fromEntries(
      ['executions-failed', 'executions-timed-out', 'executions-aborted', 'executions-throttled'].map(
        (signal) => [
          signal,
          parseAlarmDescription(alarms.get(name(signal))?.AlarmDescription as string)?.threshold,
        ],
      ),
    );
    expect(thresholds).toEqual({
      'executions-failed': 'at least 1 failed execution(s), in one five-minute period',
      'executions-timed-out': 'at least 1 timed-out execution(s), in one five-minute period',
      'executions-aborted': 'at least 1 aborted execution(s), in one five-minute period',
      'executions-throttled': 'at least 1 throttled transition(s), in 2 of 3 five-minute periods',
    });
    expect(tag(alarm, 'vigil:resource')).toBe('remediation');
  });
});

describe('StateMachineMonitor thresholds derived from the state machine', () => {
  function p99Alarm(stack: Stack, resource: string) {
    return alarmsByName(Template.fromStack(stack)).get(`vigil-s-${resource}-p99-execution-time`);
  }

  it('is complete with one line, and gives two state machines with different timeouts different thresholds', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new StateMachineMonitor(stack, 'QuickMonitor', {
      stateMachine: passMachine(stack, 'Quick', { timeout: Duration.minutes(2) }),
    });
    new StateMachineMonitor(stack, 'SlowMonitor', {
      stateMachine: passMachine(stack, 'Slow', { timeout: Duration.hours(2) }),
    });
    expect(p99Alarm(stack, 'quick')?.Threshold).toBe(96_000);
    expect(p99Alarm(stack, 'slow')?.Threshold).toBe(5_760_000);
    expect(thresholdReason(p99Alarm(stack, 'slow'))).toBe(
      '80% of the 7200 s state machine timeout, in one five-minute period',
    );
  });

  it('reads TimeoutSeconds from a definition given as a string', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const stateMachine = new sfn.StateMachine(stack, 'Imported', {
      definitionBody: sfn.DefinitionBody.fromString(
        JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } }, TimeoutSeconds: 90 }),
      ),
    });
    new StateMachineMonitor(stack, 'Monitor', { stateMachine });
    expect(p99Alarm(stack, 'imported')?.Threshold).toBe(72_000);
  });

  it('reads TimeoutSeconds past references that are bare values in the definition', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const pause = new CfnParameter(stack, 'PauseSeconds', { type: 'Number' });
    const stateMachine = new sfn.StateMachine(stack, 'Backoff', {
      definitionBody: sfn.DefinitionBody.fromChainable(
        new sfn.Wait(stack, 'Pause', {
          time: sfn.WaitTime.duration(Duration.seconds(Token.asNumber(pause))),
        }),
      ),
      timeout: Duration.minutes(15),
    });
    new StateMachineMonitor(stack, 'Monitor', { stateMachine });
    expect(p99Alarm(stack, 'backoff')?.Threshold).toBe(720_000);
  });

  it.each([
    [
      'an Express workflow without a timeout: its 5-minute limit',
      { stateMachineType: sfn.StateMachineType.EXPRESS },
      240_000,
      '80% of the 300 s Express limit, in one five-minute period',
    ],
    [
      'an Express workflow whose timeout exceeds the limit: the limit',
      { stateMachineType: sfn.StateMachineType.EXPRESS, timeout: Duration.minutes(30) },
      240_000,
      '80% of the 300 s Express limit, in one five-minute period',
    ],
    [
      'a Standard workflow without a timeout: the documented 1-hour budget',
      {},
      2_880_000,
      '80% of a 3600 s budget (the state machine sets no TimeoutSeconds), in one five-minute period',
    ],
  ] as const)('falls back for %s', (_case, props, threshold, reason) => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new StateMachineMonitor(stack, 'Monitor', { stateMachine: passMachine(stack, 'Flow', props) });
    const alarm = p99Alarm(stack, 'flow');
    expect(alarm?.Threshold).toBe(threshold);
    expect(thresholdReason(alarm)).toBe(reason);
  });

  it('falls back, and says so, when the definition only becomes JSON after substitution', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const stateMachine = new sfn.StateMachine(stack, 'Flow', {
      definitionBody: sfn.DefinitionBody.fromString(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Step Functions definition substitution
        '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}},"TimeoutSeconds":${Timeout}}',
      ),
      definitionSubstitutions: { Timeout: '120' },
    });
    new StateMachineMonitor(stack, 'Monitor', { stateMachine });
    const alarm = p99Alarm(stack, 'flow');
    expect(alarm?.Threshold).toBe(2_880_000);
    expect(thresholdReason(alarm)).toBe(
      '80% of a 3600 s budget (its definition cannot be read at synth time), in one five-minute period',
    );
  });

  it('watches an imported state machine with the budget, and says its timeout is unknown', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const stateMachine = sfn.StateMachine.fromStateMachineArn(
      stack,
      'LegacyFlow',
      'arn:aws:states:eu-west-1:123456789012:stateMachine:legacy-flow',
    );
    new StateMachineMonitor(stack, 'Monitor', { stateMachine });
    const alarm = p99Alarm(stack, 'legacy-flow');
    expect(alarm).toMatchObject({
      Threshold: 2_880_000,
      Dimensions: [
        { Name: 'StateMachineArn', Value: 'arn:aws:states:eu-west-1:123456789012:stateMachine:legacy-flow' },
      ],
    });
    expect(thresholdReason(alarm)).toBe(
      '80% of a 3600 s budget (imported state machine: its timeout is unknown), in one five-minute period',
    );
  });
});

describe('StateMachineMonitor tuning', () => {
  function build(props: Partial<StateMachineMonitorProps>, overrides = {}): Map<string, AlarmProperties> {
    const app = new App();
    const stack = new Stack(app, 'S');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'orders', overrides });
    new StateMachineMonitor(stack, 'Monitor', {
      stateMachine: passMachine(stack, 'Flow', { timeout: Duration.minutes(5) }),
      monitoring,
      ...props,
    });
    return alarmsByName(Template.fromStack(stack));
  }
  const baseline = build({});

  it.each([
    ['failedExecutions', { failedExecutions: 3 }, 'executions-failed', 3],
    ['timedOutExecutions', { timedOutExecutions: 2 }, 'executions-timed-out', 2],
    ['abortedExecutions', { abortedExecutions: 5 }, 'executions-aborted', 5],
    ['throttledExecutions', { throttledExecutions: 10 }, 'executions-throttled', 10],
    ['executionTimeShareOfTimeout', { executionTimeShareOfTimeout: 0.5 }, 'p99-execution-time', 150_000],
  ] as const)('%s changes only its own alarm', (_prop, props, signal, threshold) => {
    const tuned = build(props);
    const changed = `vigil-orders-flow-${signal}`;
    expect(baseline.get(changed)?.Threshold).not.toBe(threshold);
    expect(tuned.get(changed)?.Threshold).toBe(threshold);
    for (const [alarmName, alarm] of baseline) {
      if (alarmName !== changed) expect(tuned.get(alarmName)).toEqual(alarm);
    }
  });

  it('drops a signal a team switched off, and takes a severity override', () => {
    const alarms = build(
      {},
      {
        'state-machine/executions-aborted': { enabled: false },
        'state-machine/executions-throttled': { severity: 'high' },
      },
    );
    expect(alarms.has('vigil-orders-flow-executions-aborted')).toBe(false);
    expect(alarms.size).toBe(4);
    expect(tag(alarms.get('vigil-orders-flow-executions-throttled'), 'vigil:severity')).toBe('high');
  });
});
