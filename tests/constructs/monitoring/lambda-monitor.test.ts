import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { routeToTopics } from '../../../constructs/monitoring/alarm-routing';
import { LambdaMonitor } from '../../../constructs/monitoring/lambda-monitor';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import { alarmsByName, description, newFunction, tag } from '../../support/alarm-template';

// CDK makes each function's log group with this flag (on in cdk.json); without it a function has none.
const MANAGED_LOG_GROUPS = { '@aws-cdk/aws-lambda:useCdkManagedLogGroup': true };

describe('LambdaMonitor on a fully configured function', () => {
  const app = new App({ context: MANAGED_LOG_GROUPS });
  const stack = new Stack(app, 'Orders');
  const critical = new sns.Topic(stack, 'Critical');
  const high = new sns.Topic(stack, 'High');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'orders',
    routing: routeToTopics({ critical, high }),
    runbookBaseUrl: 'https://runbooks.example.org/vigil',
  });
  const fn = newFunction(stack, 'Checkout', {
    timeout: Duration.seconds(30),
    reservedConcurrentExecutions: 10,
    deadLetterQueueEnabled: true,
  });
  const alias = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
  alias.configureAsyncInvoke({
    maxEventAge: Duration.hours(2),
    retryAttempts: 1,
    onFailure: new destinations.SqsDestination(new sqs.Queue(stack, 'Failed')),
  });
  new lambda.EventSourceMapping(stack, 'Stream', {
    target: fn,
    eventSourceArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/orders',
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    maxRecordAge: Duration.hours(1),
  });
  const monitor = new LambdaMonitor(stack, 'CheckoutMonitor', { fn, alias, monitoring });
  const template = Template.fromStack(stack);
  const alarms = alarmsByName(template);
  const name = (signal: string) => `vigil-orders-checkout-${signal}`;

  it('creates every signal the function has, named by the one rule, and reports them all', () => {
    expect([...alarms.keys()].sort()).toEqual(
      [
        'async-event-age',
        'async-events-dropped',
        'concurrency',
        'dead-letter-errors',
        'destination-delivery-failures',
        'error-logs',
        'error-rate',
        'errors',
        'iterator-age',
        'p99-duration',
        'throttles',
      ]
        .map(name)
        .sort(),
    );
    expect(monitor.alarms).toHaveLength(11);
    expect(monitoring.createdAlarms()).toHaveLength(11);
  });

  it.each([
    // signal, metric, statistic, period, threshold, comparison, evaluation periods, datapoints, severity
    ['p99-duration', 'Duration', 'p99', 300, 24_000, 'GreaterThanOrEqualToThreshold', 3, 3, 'high'],
    ['throttles', 'Throttles', 'Sum', 300, 1, 'GreaterThanOrEqualToThreshold', 3, 2, 'warning'],
    ['errors', 'Errors', 'Sum', 300, 1, 'GreaterThanOrEqualToThreshold', 3, 3, 'warning'],
    [
      'concurrency',
      'ConcurrentExecutions',
      'Maximum',
      60,
      8,
      'GreaterThanOrEqualToThreshold',
      5,
      3,
      'warning',
    ],
    ['iterator-age', 'IteratorAge', 'Maximum', 300, 1_800_000, 'GreaterThanOrEqualToThreshold', 3, 3, 'high'],
    [
      'async-event-age',
      'AsyncEventAge',
      'Maximum',
      300,
      3_600_000,
      'GreaterThanOrEqualToThreshold',
      2,
      2,
      'high',
    ],
    // Its failed events are kept (a dead-letter queue and an on-failure destination): the queue's alarm pages.
    [
      'async-events-dropped',
      'AsyncEventsDropped',
      'Sum',
      300,
      1,
      'GreaterThanOrEqualToThreshold',
      1,
      1,
      'warning',
    ],
    [
      'dead-letter-errors',
      'DeadLetterErrors',
      'Sum',
      300,
      1,
      'GreaterThanOrEqualToThreshold',
      1,
      1,
      'critical',
    ],
  ] as const)(
    '%s: %s %s over %ss, threshold %s',
    (signal, metric, statistic, period, threshold, comparison, evaluations, datapoints, severity) => {
      const alarm = alarms.get(name(signal));
      const isPercentile = statistic.startsWith('p');
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Period: period,
        Threshold: threshold,
        ComparisonOperator: comparison,
        EvaluationPeriods: evaluations,
        DatapointsToAlarm: datapoints,
        TreatMissingData: 'notBreaching',
        ...(isPercentile ? { ExtendedStatistic: statistic } : { Statistic: statistic }),
      });
      expect(tag(alarm, 'vigil:severity')).toBe(severity);
    },
  );

  it('computes the error rate with metric math that reads zero when there is no traffic', () => {
    const alarm = alarms.get(name('error-rate'));
    expect(alarm).toMatchObject({
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
    });
    const expression = ((alarm?.Metrics ?? []) as { Expression?: string }[]).find(
      (query) => query.Expression,
    );
    expect(expression?.Expression).toBe('IF(invocations > 0, 100 * errors / invocations, 0)');
    expect(tag(alarm, 'vigil:playbook')).toBe('lambda-alias-rollback');
    // The dispatcher moves the alias the monitor watches, named in the description it parses.
    // (The description is an Fn::Join: it names the function's log group.)
    expect(JSON.stringify(alarm?.AlarmDescription)).toContain(
      String.raw`\"playbook\":\"lambda-alias-rollback\",\"alias\":\"live\"`,
    );
  });

  it('offers the concurrency playbook on throttles, which more concurrency clears, not on the concurrency alarm', () => {
    expect(tag(alarms.get(name('throttles')), 'vigil:playbook')).toBe('lambda-concurrency');
    // ConcurrentExecutions against a threshold fixed at synth: a larger reservation never brings it back under.
    expect(tag(alarms.get(name('concurrency')), 'vigil:playbook')).toBeUndefined();
  });

  it('routes each alarm to the topic of its severity, for ALARM and OK', () => {
    expect(alarms.get(name('dead-letter-errors'))).toMatchObject({
      AlarmActions: [{ Ref: expect.stringMatching(/^Critical/) }],
      OKActions: [{ Ref: expect.stringMatching(/^Critical/) }],
    });
    expect(alarms.get(name('p99-duration'))?.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^High/) }]);
    expect(alarms.get(name('throttles'))?.AlarmActions).toBeUndefined();
    expect(alarms.get(name('async-events-dropped'))?.AlarmActions).toBeUndefined();
  });

  it('describes each alarm in JSON the enrichment Lambda parses, and tags it', () => {
    const alarm = alarms.get(name('p99-duration'));
    expect(description(alarm)).toEqual({
      vigil: 1,
      service: 'orders',
      resource: 'checkout',
      signal: 'p99-duration',
      severity: 'high',
      summary: 'The slowest invocations approach the timeout; timeouts and retries follow.',
      threshold: '80% of the 30 s timeout, in 3 consecutive five-minute periods',
      runbook: 'https://runbooks.example.org/vigil/lambda-p99-duration',
      logGroup: expect.stringMatching(/^\$\{CheckoutLog[\w.]+\}$/),
    });
    expect(tag(alarm, 'vigil:service')).toBe('orders');
    expect(tag(alarm, 'vigil:runbook')).toBe('https://runbooks.example.org/vigil/lambda-p99-duration');
  });

  it.each([
    ['error-rate', 'more than 5% of invocations, in 2 of 3 five-minute periods'],
    ['errors', 'at least 1 error(s), in 3 consecutive five-minute periods'],
    ['throttles', 'any throttle (reserved concurrency 10), in 2 of 3 five-minute periods'],
    ['concurrency', '80% of the reserved concurrency of 10, in 3 of 5 one-minute periods'],
    ['iterator-age', 'half the 3600 s maximum record age, in 3 consecutive five-minute periods'],
    ['async-event-age', 'half the 7200 s maximum event age, in 2 consecutive five-minute periods'],
    ['error-logs', 'any JSON log line with level ERROR, in one five-minute period'],
  ])('explains the %s threshold and says when it fires: %s', (signal, threshold) => {
    expect(description(alarms.get(name(signal)))?.threshold).toBe(threshold);
  });

  it('counts ERROR lines of the JSON logs with a metric filter', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.level = "ERROR" }',
      MetricTransformations: [
        { MetricNamespace: 'Vigil/Logs', MetricName: 'orders-checkout-error-logs', MetricValue: '1' },
      ],
    });
    expect(alarms.get(name('error-logs'))).toMatchObject({
      Namespace: 'Vigil/Logs',
      Statistic: 'Sum',
      Threshold: 1,
    });
  });
});

describe('LambdaMonitor on a plain function', () => {
  it('is complete with one line, derives from the default timeout, and skips signals the function cannot have', () => {
    const app = new App({ context: MANAGED_LOG_GROUPS });
    const stack = new Stack(app, 'Plain');
    new LambdaMonitor(stack, 'Monitor', {
      fn: newFunction(stack, 'Worker', { timeout: Duration.seconds(10) }),
    });
    const alarms = alarmsByName(Template.fromStack(stack));
    expect([...alarms.keys()].sort()).toEqual(
      ['error-logs', 'error-rate', 'errors', 'p99-duration', 'throttles'].map(
        (signal) => `vigil-plain-worker-${signal}`,
      ),
    );
    expect(alarms.get('vigil-plain-worker-p99-duration')?.Threshold).toBe(8_000);
    expect(tag(alarms.get('vigil-plain-worker-throttles'), 'vigil:playbook')).toBeUndefined();
  });

  it('takes per-resource thresholds and service-wide overrides', () => {
    const app = new App();
    const stack = new Stack(app, 'Tuned');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
      service: 'tuned',
      overrides: { 'lambda/errors': { enabled: false }, 'lambda/throttles': { severity: 'high' } },
    });
    new LambdaMonitor(stack, 'Monitor', {
      fn: newFunction(stack, 'Api'),
      monitoring,
      errorRatePercent: 1,
      durationShareOfTimeout: 0.5,
    });
    const alarms = alarmsByName(Template.fromStack(stack));
    expect(alarms.has('vigil-tuned-api-errors')).toBe(false);
    expect(tag(alarms.get('vigil-tuned-api-throttles'), 'vigil:severity')).toBe('high');
    expect(alarms.get('vigil-tuned-api-error-rate')?.Threshold).toBe(1);
    expect(alarms.get('vigil-tuned-api-p99-duration')?.Threshold).toBe(1_500);
  });

  it('alarms on a traffic drop below the learned band only when asked', () => {
    const app = new App();
    const stack = new Stack(app, 'Traffic');
    new LambdaMonitor(stack, 'Monitor', { fn: newFunction(stack, 'Api'), trafficDrop: true });
    const drop = alarmsByName(Template.fromStack(stack)).get('vigil-traffic-api-traffic-drop');
    expect(drop).toMatchObject({
      ComparisonOperator: 'LessThanLowerThreshold',
      TreatMissingData: 'breaching',
      EvaluationPeriods: 3,
    });
    const band = (drop?.Metrics as { Expression?: string }[] | undefined)?.find((query) => query.Expression);
    expect(band?.Expression).toMatch(/^ANOMALY_DETECTION_BAND\(\w+, 3\)$/);
    expect(description(drop)?.threshold).toBe(
      'below the 3-standard-deviation anomaly band, no data counting as a drop, in 3 consecutive five-minute periods',
    );
  });

  it("applies the service's log retention to the log group CDK made, not to one the team made", () => {
    const app = new App({ context: { '@aws-cdk/aws-lambda:useCdkManagedLogGroup': true } });
    const stack = new Stack(app, 'Logs');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'logs', logRetentionDays: 14 });
    const own = new logs.LogGroup(stack, 'OwnLogs', { retention: logs.RetentionDays.ONE_YEAR });
    new LambdaMonitor(stack, 'DefaultMonitor', { fn: newFunction(stack, 'Default'), monitoring });
    new LambdaMonitor(stack, 'OwnMonitor', { fn: newFunction(stack, 'Own', { logGroup: own }), monitoring });
    const groups = Template.fromStack(stack).findResources('AWS::Logs::LogGroup');
    const retentions = Object.entries(groups).map(([id, group]) => [
      id.startsWith('OwnLogs') ? 'own' : 'managed',
      group.Properties.RetentionInDays,
    ]);
    expect(retentions.sort()).toEqual([
      ['managed', 14],
      ['own', 365],
    ]);
  });

  it.each([
    [
      'an on-failure destination',
      { destination: true, deadLetterQueue: false },
      ['destination-delivery-failures'],
    ],
    ['a dead-letter queue', { destination: false, deadLetterQueue: true }, ['dead-letter-errors']],
    ['neither', { destination: false, deadLetterQueue: false }, []],
  ] as const)(
    'watches only the failure delivery an asynchronous function has: %s',
    (_, { destination, deadLetterQueue }, expected) => {
      const app = new App();
      const stack = new Stack(app, 'Async');
      const fn = newFunction(stack, 'Worker', { deadLetterQueueEnabled: deadLetterQueue });
      fn.configureAsyncInvoke({
        onFailure: destination ? new destinations.SqsDestination(new sqs.Queue(stack, 'Failed')) : undefined,
      });
      new LambdaMonitor(stack, 'Monitor', { fn });
      const signals = [...alarmsByName(Template.fromStack(stack)).keys()].map((alarm) =>
        alarm.replace('vigil-async-worker-', ''),
      );
      expect(signals.filter((signal) => /dead-letter|destination/.test(signal))).toEqual(expected);
      expect(signals).toContain('async-events-dropped');
    },
  );

  it('refuses two alarms with the same name anywhere in the app', () => {
    const app = new App();
    const first = new Stack(app, 'First');
    const second = new Stack(app, 'Second');
    const shared = { service: 'orders' };
    new LambdaMonitor(first, 'M', {
      fn: newFunction(first, 'Api'),
      monitoring: new ServiceMonitoring(first, 'S', shared),
    });
    expect(
      () =>
        new LambdaMonitor(second, 'M', {
          fn: newFunction(second, 'Api'),
          monitoring: new ServiceMonitoring(second, 'S', shared),
        }),
    ).toThrow('alarm name vigil-orders-api-error-rate is used twice: by First/M and by Second/M');
  });
});

describe('LambdaMonitor on asynchronous failures: one failure, one page', () => {
  function asyncSignals(keep: { destination: boolean; deadLetterQueue: boolean }) {
    const app = new App();
    const stack = new Stack(app, 'Async');
    const fn = newFunction(stack, 'Worker', { deadLetterQueueEnabled: keep.deadLetterQueue });
    fn.configureAsyncInvoke({
      onFailure: keep.destination
        ? new destinations.SqsDestination(new sqs.Queue(stack, 'Failed'))
        : undefined,
    });
    new LambdaMonitor(stack, 'Monitor', { fn, errorLogs: false });
    return alarmsByName(Template.fromStack(stack));
  }

  it.each([
    ['an on-failure destination', { destination: true, deadLetterQueue: false }, 'on-failure destination'],
    ['a dead-letter queue', { destination: false, deadLetterQueue: true }, 'dead-letter queue'],
  ] as const)(
    'does not page on AsyncEventsDropped when failed events are kept in %s, whose own alarm pages',
    (_, keep, where) => {
      const dropped = asyncSignals(keep).get('vigil-async-worker-async-events-dropped');
      expect(dropped).toMatchObject({ MetricName: 'AsyncEventsDropped', Threshold: 1 });
      expect(tag(dropped, 'vigil:severity')).toBe('warning');
      expect(description(dropped)?.summary).toContain(`handed to the ${where}`);
      // Losing an event is when the handoff fails: that alarm pages.
      const handoff = keep.destination ? 'destination-delivery-failures' : 'dead-letter-errors';
      expect(tag(asyncSignals(keep).get(`vigil-async-worker-${handoff}`), 'vigil:severity')).toBe('critical');
    },
  );

  it('pages on AsyncEventsDropped as work lost when the function keeps failed events nowhere', () => {
    const dropped = asyncSignals({ destination: false, deadLetterQueue: false }).get(
      'vigil-async-worker-async-events-dropped',
    );
    expect(tag(dropped, 'vigil:severity')).toBe('critical');
    expect(description(dropped)?.threshold).toBe(
      'any event (each one is work lost), in one five-minute period',
    );
  });

  it('keeps paging when only an on-success destination is set: success records keep no failed event', () => {
    const app = new App();
    const stack = new Stack(app, 'Async');
    const fn = newFunction(stack, 'Worker');
    fn.configureAsyncInvoke({ onSuccess: new destinations.SqsDestination(new sqs.Queue(stack, 'Done')) });
    new LambdaMonitor(stack, 'Monitor', { fn, errorLogs: false });
    const alarms = alarmsByName(Template.fromStack(stack));
    expect(tag(alarms.get('vigil-async-worker-async-events-dropped'), 'vigil:severity')).toBe('critical');
    expect(alarms.has('vigil-async-worker-destination-delivery-failures')).toBe(true);
  });
});

describe('LambdaMonitor adds no resource the team did not ask for', () => {
  it('makes no LogRetention custom resource for a function without a log group, and says how to give it one', () => {
    const app = new App();
    const stack = new Stack(app, 'Bare');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'bare', logRetentionDays: 14 });
    new LambdaMonitor(stack, 'Monitor', { fn: newFunction(stack, 'Worker'), monitoring });
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::LogRetention', 0);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    const alarms = alarmsByName(template);
    expect(alarms.has('vigil-bare-worker-error-logs')).toBe(false);
    expect(alarms.has('vigil-bare-worker-error-rate')).toBe(true);
    // The enricher still finds the logs where Lambda writes them.
    expect(JSON.stringify(alarms.get('vigil-bare-worker-error-rate')?.AlarmDescription)).toContain(
      '/aws/lambda/',
    );
    Annotations.fromStack(stack).hasWarning(
      '/Bare/Monitor',
      Match.stringLikeRegexp(
        "Bare/Worker has no log group in the app, so Vigil skips the ERROR-log alarm, the service's 14-day log retention .*logGroup: new logs.LogGroup.*useCdkManagedLogGroup",
      ),
    );
  });

  it("watches and keeps the team's own log group without touching its retention", () => {
    const app = new App();
    const stack = new Stack(app, 'Own');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'own', logRetentionDays: 14 });
    const logGroup = new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_YEAR });
    new LambdaMonitor(stack, 'Monitor', { fn: newFunction(stack, 'Worker', { logGroup }), monitoring });
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::LogRetention', 0);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: Match.stringLikeRegexp('^Logs') },
    });
    expect(
      Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('has no log group in the app')),
    ).toEqual([]);
  });

  it('uses the log group the team asked CDK for with logRetention, adding nothing more', () => {
    const app = new App();
    const stack = new Stack(app, 'Retained');
    new LambdaMonitor(stack, 'Monitor', {
      fn: newFunction(stack, 'Worker', { logRetention: logs.RetentionDays.ONE_WEEK }),
    });
    const template = Template.fromStack(stack);
    // The team's own LogRetention, not a second one.
    template.resourceCountIs('Custom::LogRetention', 1);
    template.hasResourceProperties('Custom::LogRetention', { RetentionInDays: 7 });
    template.resourceCountIs('AWS::Logs::MetricFilter', 1);
  });

  it('stays quiet when nothing was skipped', () => {
    const app = new App();
    const stack = new Stack(app, 'Quiet');
    new LambdaMonitor(stack, 'Monitor', { fn: newFunction(stack, 'Worker'), errorLogs: false });
    expect(
      Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('has no log group in the app')),
    ).toEqual([]);
  });
});
