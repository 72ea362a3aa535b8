import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { parseAlarmDescription } from '../../../constructs/contracts/alarm-description';
import { routeToTopics } from '../../../constructs/monitoring/alarm-routing';
import { RestApiMonitor, type RestApiMonitorProps } from '../../../constructs/monitoring/rest-api-monitor';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import { alarmsByName, expression, newFunction, query, tag } from '../../support/alarm-template';

/** API integrations get a handler that answers like one, though synth never calls it. */
const respondsOk = { code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });') };

/** A REST API with a slow POST /predict and a GET /health at the default integration timeout. */
function restApi(
  stack: Stack,
  options: { predictTimeout?: Duration; deployOptions?: apigateway.StageOptions; name?: string } = {},
): apigateway.RestApi {
  const fn = newFunction(stack, 'Handler', respondsOk);
  const api = new apigateway.RestApi(stack, 'PredictorApi', {
    restApiName: options.name ?? 'predictor',
    deployOptions: options.deployOptions ?? { stageName: 'live', metricsEnabled: true },
  });
  api.root
    .addResource('predict')
    .addMethod(
      'POST',
      new apigateway.LambdaIntegration(fn, { timeout: options.predictTimeout ?? Duration.seconds(10) }),
    );
  api.root.addResource('health').addMethod('GET', new apigateway.LambdaIntegration(fn));
  return api;
}

function synthAlarms(
  build: (stack: Stack) => Partial<RestApiMonitorProps> & Pick<RestApiMonitorProps, 'api'>,
) {
  const app = new App();
  const stack = new Stack(app, 'Shop');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'shop' });
  new RestApiMonitor(stack, 'Monitor', { monitoring, name: 'a', ...build(stack) });
  return alarmsByName(Template.fromStack(stack));
}

describe('RestApiMonitor on an API with methods', () => {
  const app = new App();
  const stack = new Stack(app, 'Predictor');
  const high = new sns.Topic(stack, 'High');
  const warning = new sns.Topic(stack, 'Warning');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'predictor',
    routing: routeToTopics({ high, warning }),
  });
  const api = restApi(stack);
  const monitor = new RestApiMonitor(stack, 'ApiMonitor', { api, monitoring, methods: ['POST /predict'] });
  const alarms = alarmsByName(Template.fromStack(stack));
  const name = (signal: string) => `vigil-predictor-predictor-api-${signal}`;
  const stageDimensions = [
    { Name: 'ApiName', Value: 'predictor' },
    { Name: 'Stage', Value: stack.resolve(api.deploymentStage.stageName) },
  ];

  it('makes the stage alarms and the alarms of the listed method, named after the construct id', () => {
    expect([...alarms.keys()].sort()).toEqual(
      [
        'client-error-rate',
        'p99-latency',
        'post-predict-p99-latency',
        'post-predict-server-error-rate',
        'server-error-rate',
      ].map(name),
    );
    expect(monitor.alarms).toHaveLength(5);
  });

  it('reads the 5XX rate from the Average of 5XXError, times 100, per ApiName and Stage', () => {
    const alarm = alarms.get(name('server-error-rate'));
    expect(expression(alarm)).toBe('100 * serverErrorShare');
    expect(query(alarm, 'serverErrorShare')?.MetricStat).toEqual({
      Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Dimensions: stageDimensions },
      Period: 300,
      Stat: 'Average',
    });
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(alarm, 'vigil:severity')).toBe('high');
  });

  it('judges the 4XX rate only from 20 requests per period, as a warning', () => {
    const alarm = alarms.get(name('client-error-rate'));
    expect(expression(alarm)).toBe('IF(requests >= 20, 100 * clientErrorShare, 0)');
    expect(query(alarm, 'clientErrorShare')?.MetricStat).toMatchObject({
      Metric: { MetricName: '4XXError', Dimensions: stageDimensions },
      Period: 300,
      Stat: 'Average',
    });
    expect(query(alarm, 'requests')?.MetricStat).toMatchObject({
      Metric: { MetricName: 'Count', Dimensions: stageDimensions },
      Stat: 'Sum',
    });
    expect(alarm).toMatchObject({ Threshold: 10, EvaluationPeriods: 3, TreatMissingData: 'notBreaching' });
    expect(tag(alarm, 'vigil:severity')).toBe('warning');
  });

  it('alarms on p99 latency at 80% of the slowest integration timeout (29 s default of GET /health)', () => {
    expect(alarms.get(name('p99-latency'))).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: stageDimensions,
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: 23_200,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
  });

  it('watches the listed method by ApiName, Method, Resource and Stage, against its own timeout', () => {
    const methodDimensions = [
      { Name: 'ApiName', Value: 'predictor' },
      { Name: 'Method', Value: 'POST' },
      { Name: 'Resource', Value: '/predict' },
      { Name: 'Stage', Value: stack.resolve(api.deploymentStage.stageName) },
    ];
    const errors = alarms.get(name('post-predict-server-error-rate'));
    expect(query(errors, 'serverErrorShare')?.MetricStat?.Metric.Dimensions).toEqual(methodDimensions);
    const latency = alarms.get(name('post-predict-p99-latency'));
    expect(latency).toMatchObject({ Dimensions: methodDimensions, Threshold: 8_000 });
    expect(parseAlarmDescription(latency?.AlarmDescription as string)).toMatchObject({
      resource: 'predictor-api',
      signal: 'post-predict-p99-latency',
      severity: 'high',
      threshold: '80% of the 10 s integration timeout, in 3 consecutive five-minute periods',
    });
  });

  it('routes each alarm to the topic of its severity, for ALARM and OK', () => {
    const highRef = [stack.resolve(high.topicArn)];
    const warningRef = [stack.resolve(warning.topicArn)];
    expect(alarms.get(name('server-error-rate'))).toMatchObject({
      AlarmActions: highRef,
      OKActions: highRef,
    });
    expect(alarms.get(name('client-error-rate'))).toMatchObject({
      AlarmActions: warningRef,
      OKActions: warningRef,
    });
  });

  it('describes each alarm in JSON the enrichment Lambda parses', () => {
    expect(parseAlarmDescription(alarms.get(name('server-error-rate'))?.AlarmDescription as string)).toEqual({
      vigil: 1,
      service: 'predictor',
      resource: 'predictor-api',
      signal: 'server-error-rate',
      severity: 'high',
      summary: 'A growing share of requests fail with 5XX; callers see server errors.',
      threshold: 'more than 1% of requests, in 3 consecutive five-minute periods',
    });
  });
});

describe('RestApiMonitor thresholds', () => {
  it('derives the latency threshold from each API’s own integration timeouts', () => {
    const defaultTimeouts = synthAlarms((stack) => ({ api: restApi(stack) }));
    const onlyFast = synthAlarms((stack) => {
      const api = new apigateway.RestApi(stack, 'Fast');
      api.root.addMethod(
        'GET',
        new apigateway.LambdaIntegration(newFunction(stack, 'Handler', respondsOk), {
          timeout: Duration.seconds(3),
        }),
      );
      return { api };
    });
    expect(defaultTimeouts.get('vigil-shop-a-p99-latency')?.Threshold).toBe(23_200);
    expect(onlyFast.get('vigil-shop-a-p99-latency')?.Threshold).toBe(2_400);
  });

  it('uses a backend timeout shorter than the integration timeout', () => {
    const alarms = synthAlarms((stack) => ({ api: restApi(stack), backendTimeout: Duration.seconds(15) }));
    const alarm = alarms.get('vigil-shop-a-p99-latency');
    expect(alarm?.Threshold).toBe(12_000);
    expect(parseAlarmDescription(alarm?.AlarmDescription as string)?.threshold).toBe(
      '80% of the 15 s backend timeout, in 3 consecutive five-minute periods',
    );
  });

  it('changes only the alarm whose threshold is overridden', () => {
    const defaults = synthAlarms((stack) => ({ api: restApi(stack) }));
    const tuned = synthAlarms((stack) => ({ api: restApi(stack), serverErrorRatePercent: 5 }));
    expect(tuned.get('vigil-shop-a-server-error-rate')?.Threshold).toBe(5);
    expect(defaults.get('vigil-shop-a-server-error-rate')?.Threshold).toBe(1);
    for (const signal of ['client-error-rate', 'p99-latency']) {
      expect(tuned.get(`vigil-shop-a-${signal}`)).toEqual(defaults.get(`vigil-shop-a-${signal}`));
    }
  });

  it('drops a signal a team switched off for the service', () => {
    const app = new App();
    const stack = new Stack(app, 'Shop');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
      service: 'shop',
      overrides: { 'rest-api/client-error-rate': { enabled: false } },
    });
    new RestApiMonitor(stack, 'Monitor', { api: restApi(stack), monitoring });
    expect([...alarmsByName(Template.fromStack(stack)).keys()].sort()).toEqual([
      'vigil-shop-predictor-api-p99-latency',
      'vigil-shop-predictor-api-server-error-rate',
    ]);
  });

  it('watches an explicitly given stage', () => {
    const alarms = synthAlarms((stack) => {
      const api = restApi(stack);
      const canary = new apigateway.Stage(stack, 'Canary', {
        deployment: new apigateway.Deployment(stack, 'CanaryDeployment', { api }),
        stageName: 'canary',
      });
      return { api, stage: canary };
    });
    expect(alarms.get('vigil-shop-a-p99-latency')?.Dimensions).toEqual([
      { Name: 'ApiName', Value: 'predictor' },
      { Name: 'Stage', Value: { Ref: expect.stringMatching(/^Canary/) } },
    ]);
  });
});

describe('RestApiMonitor method alarms', () => {
  it('fail synthesis when the stage does not publish method metrics', () => {
    const app = new App();
    const stack = new Stack(app, 'Shop');
    const api = restApi(stack, { deployOptions: { stageName: 'live' } });
    new RestApiMonitor(stack, 'Monitor', { api, methods: ['POST /predict'] });
    expect(() => app.synth()).toThrow(/methods POST \/predict have alarms but their stage does not publish/);
  });

  it('accept metrics enabled for the method alone, and reject them switched off for it', () => {
    const enabled = new App();
    const enabledStack = new Stack(enabled, 'Shop');
    new RestApiMonitor(enabledStack, 'Monitor', {
      api: restApi(enabledStack, {
        deployOptions: { stageName: 'live', methodOptions: { '/predict/POST': { metricsEnabled: true } } },
      }),
      methods: ['POST /predict'],
    });
    expect(() => enabled.synth()).not.toThrow();

    const disabled = new App();
    const disabledStack = new Stack(disabled, 'Shop');
    new RestApiMonitor(disabledStack, 'Monitor', {
      api: restApi(disabledStack, {
        deployOptions: {
          stageName: 'live',
          metricsEnabled: true,
          methodOptions: { '/predict/POST': { metricsEnabled: false } },
        },
      }),
      methods: ['POST /predict'],
    });
    expect(() => disabled.synth()).toThrow(/methods POST \/predict have alarms/);
  });

  it('refuse a method the API does not have, and an API without a stage', () => {
    const app = new App();
    const stack = new Stack(app, 'Shop');
    expect(
      () => new RestApiMonitor(stack, 'Typo', { api: restApi(stack), methods: ['GET /predict'] }),
    ).toThrow(
      'method "GET /predict" is not a method of Shop/PredictorApi (it has POST /predict, GET /health)',
    );
    const undeployed = new apigateway.RestApi(stack, 'Undeployed', { deploy: false });
    undeployed.root.addMethod('GET', new apigateway.MockIntegration());
    expect(() => new RestApiMonitor(stack, 'NoStage', { api: undeployed })).toThrow(
      /Shop\/Undeployed has no deployment stage; pass the `stage` callers use/,
    );
  });
});
