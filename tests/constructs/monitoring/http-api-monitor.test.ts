import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { parseAlarmDescription } from '../../../constructs/contracts/alarm-description';
import { routeToTopics } from '../../../constructs/monitoring/alarm-routing';
import { HttpApiMonitor, type HttpApiMonitorProps } from '../../../constructs/monitoring/http-api-monitor';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import { alarmsByName, expression, newFunction, query, tag } from '../../support/alarm-template';

/** API integrations get a handler that answers like one, though synth never calls it. */
const respondsOk = { code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });') };

/** An API shaped like the predictor's: a separate `$default` stage, a slow and a fast route. */
function predictorLikeApi(
  stack: Stack,
  options: { detailedMetrics?: boolean; predictTimeout?: Duration } = {},
) {
  const fn = newFunction(stack, 'Handler', respondsOk);
  const api = new apigwv2.HttpApi(stack, 'PredictorApi', { createDefaultStage: false });
  const stage = new apigwv2.HttpStage(stack, 'DefaultStage', {
    httpApi: api,
    stageName: '$default',
    autoDeploy: true,
    detailedMetricsEnabled: options.detailedMetrics ?? true,
  });
  api.addRoutes({
    path: '/predict',
    methods: [apigwv2.HttpMethod.POST],
    integration: new HttpLambdaIntegration('Predict', fn, {
      timeout: options.predictTimeout ?? Duration.seconds(10),
    }),
  });
  api.addRoutes({
    path: '/health',
    methods: [apigwv2.HttpMethod.GET],
    integration: new HttpLambdaIntegration('Health', fn),
  });
  return { api, stage };
}

function synthAlarms(
  build: (stack: Stack) => Partial<HttpApiMonitorProps> & Pick<HttpApiMonitorProps, 'api'>,
) {
  const app = new App();
  const stack = new Stack(app, 'Shop');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', { service: 'shop' });
  new HttpApiMonitor(stack, 'Monitor', { monitoring, ...build(stack) });
  return alarmsByName(Template.fromStack(stack));
}

describe('HttpApiMonitor on an API with routes', () => {
  const app = new App();
  const stack = new Stack(app, 'Predictor');
  const high = new sns.Topic(stack, 'High');
  const warning = new sns.Topic(stack, 'Warning');
  const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
    service: 'predictor',
    routing: routeToTopics({ high, warning }),
    runbookBaseUrl: 'https://runbooks.example.org/vigil',
  });
  const { api, stage } = predictorLikeApi(stack);
  const monitor = new HttpApiMonitor(stack, 'ApiMonitor', {
    api,
    stage,
    monitoring,
    name: 'predictor-api',
    routes: ['POST /predict'],
  });
  const template = Template.fromStack(stack);
  const alarms = alarmsByName(template);
  const name = (signal: string) => `vigil-predictor-predictor-api-${signal}`;
  const apiRef = stack.resolve(api.apiId);

  it('makes the API alarms and the alarms of the listed route, and reports them all', () => {
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
    expect(monitoring.createdAlarms()).toHaveLength(5);
  });

  it('computes the 5XX rate as metric math over the request count, so an idle API reads 0%', () => {
    const alarm = alarms.get(name('server-error-rate'));
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(expression(alarm)).toBe('IF(requests > 0, 100 * serverErrors / requests, 0)');
    // The $default stage is watched through the API's own metrics: ApiId alone.
    const dimensions = [{ Name: 'ApiId', Value: apiRef }];
    expect(query(alarm, 'serverErrors')?.MetricStat).toEqual({
      Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5xx', Dimensions: dimensions },
      Period: 300,
      Stat: 'Sum',
    });
    expect(query(alarm, 'requests')?.MetricStat).toEqual({
      Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count', Dimensions: dimensions },
      Period: 300,
      Stat: 'Sum',
    });
    expect(tag(alarm, 'vigil:severity')).toBe('high');
  });

  it('judges the 4XX rate only from 20 requests per period, as a warning', () => {
    const alarm = alarms.get(name('client-error-rate'));
    expect(alarm).toMatchObject({
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(expression(alarm)).toBe('IF(requests >= 20, 100 * clientErrors / requests, 0)');
    expect(query(alarm, 'clientErrors')?.MetricStat).toMatchObject({
      Metric: { Namespace: 'AWS/ApiGateway', MetricName: '4xx' },
      Period: 300,
      Stat: 'Sum',
    });
    expect(tag(alarm, 'vigil:severity')).toBe('warning');
  });

  it('alarms on p99 latency at 80% of the slowest integration timeout (the 30 s default of /health)', () => {
    const alarm = alarms.get(name('p99-latency'));
    expect(alarm).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: [{ Name: 'ApiId', Value: apiRef }],
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: 24_000,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(tag(alarm, 'vigil:severity')).toBe('high');
  });

  it('watches the listed route by ApiId, Stage, Resource and Method, against its own 10 s integration timeout', () => {
    const routeDimensions = [
      { Name: 'ApiId', Value: apiRef },
      { Name: 'Method', Value: 'POST' },
      { Name: 'Resource', Value: '/predict' },
      { Name: 'Stage', Value: '$default' },
    ];
    const errors = alarms.get(name('post-predict-server-error-rate'));
    expect(query(errors, 'serverErrors')?.MetricStat?.Metric).toEqual({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: routeDimensions,
    });
    expect(query(errors, 'requests')?.MetricStat?.Metric.Dimensions).toEqual(routeDimensions);
    expect(errors?.Threshold).toBe(1);
    const latency = alarms.get(name('post-predict-p99-latency'));
    expect(latency).toMatchObject({
      Dimensions: routeDimensions,
      ExtendedStatistic: 'p99',
      Threshold: 8_000,
    });
    expect(parseAlarmDescription(latency?.AlarmDescription as string)?.threshold).toBe(
      '80% of the 10 s integration timeout, in 3 consecutive five-minute periods',
    );
  });

  it('routes each alarm to the topic of its severity, for ALARM and OK', () => {
    const highRef = [stack.resolve(high.topicArn)];
    const warningRef = [stack.resolve(warning.topicArn)];
    expect(alarms.get(name('server-error-rate'))).toMatchObject({
      AlarmActions: highRef,
      OKActions: highRef,
    });
    expect(alarms.get(name('p99-latency'))).toMatchObject({ AlarmActions: highRef, OKActions: highRef });
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
      runbook: 'https://runbooks.example.org/vigil/http-api-server-error-rate',
    });
    expect(
      parseAlarmDescription(alarms.get(name('client-error-rate'))?.AlarmDescription as string)?.threshold,
    ).toBe('more than 10% of requests, from 20 requests per period, in 3 consecutive five-minute periods');
  });
});

describe('HttpApiMonitor thresholds', () => {
  it('is complete with one line on an API with a default stage, named after the construct id', () => {
    const app = new App();
    const stack = new Stack(app, 'Orders');
    const api = new apigwv2.HttpApi(stack, 'OrdersApi');
    api.addRoutes({
      path: '/orders',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Orders', newFunction(stack, 'Handler', respondsOk)),
    });
    new HttpApiMonitor(stack, 'Monitor', { api });
    const alarms = alarmsByName(Template.fromStack(stack));
    expect([...alarms.keys()].sort()).toEqual(
      ['client-error-rate', 'p99-latency', 'server-error-rate'].map(
        (signal) => `vigil-orders-orders-api-${signal}`,
      ),
    );
    expect(alarms.get('vigil-orders-orders-api-p99-latency')?.Threshold).toBe(24_000);
  });

  it('derives the latency threshold from each API’s own integration timeouts', () => {
    const slow = synthAlarms((stack) => ({ api: predictorLikeApi(stack).api, name: 'a' }));
    const fast = synthAlarms((stack) => {
      const api = new apigwv2.HttpApi(stack, 'Fast');
      api.addRoutes({
        path: '/ping',
        methods: [apigwv2.HttpMethod.GET],
        integration: new HttpLambdaIntegration('Ping', newFunction(stack, 'Handler', respondsOk), {
          timeout: Duration.seconds(5),
        }),
      });
      return { api, name: 'a' };
    });
    expect(slow.get('vigil-shop-a-p99-latency')?.Threshold).toBe(24_000);
    expect(fast.get('vigil-shop-a-p99-latency')?.Threshold).toBe(4_000);
    expect(
      parseAlarmDescription(fast.get('vigil-shop-a-p99-latency')?.AlarmDescription as string)?.threshold,
    ).toBe('80% of the 5 s integration timeout, in 3 consecutive five-minute periods');
  });

  it('uses a backend timeout shorter than the integration timeout, and ignores a longer one', () => {
    const lambdaBound = synthAlarms((stack) => ({
      api: predictorLikeApi(stack).api,
      name: 'a',
      backendTimeout: Duration.seconds(29),
    }));
    const alarm = lambdaBound.get('vigil-shop-a-p99-latency');
    expect(alarm?.Threshold).toBe(23_200);
    expect(parseAlarmDescription(alarm?.AlarmDescription as string)?.threshold).toBe(
      '80% of the 29 s backend timeout, in 3 consecutive five-minute periods',
    );
    const generous = synthAlarms((stack) => ({
      api: predictorLikeApi(stack).api,
      name: 'a',
      backendTimeout: Duration.minutes(2),
    }));
    expect(generous.get('vigil-shop-a-p99-latency')?.Threshold).toBe(24_000);
  });

  it('narrows the metrics of a named stage with the Stage dimension', () => {
    const alarms = synthAlarms((stack) => {
      const api = new apigwv2.HttpApi(stack, 'Api', { createDefaultStage: false });
      const stage = api.addStage('Prod', { stageName: 'prod' });
      return { api, stage, name: 'a' };
    });
    expect(alarms.get('vigil-shop-a-p99-latency')?.Dimensions).toEqual([
      { Name: 'ApiId', Value: { Ref: expect.stringMatching(/^Api/) } },
      { Name: 'Stage', Value: 'prod' },
    ]);
  });

  it('changes only the alarm whose threshold is overridden', () => {
    const defaults = synthAlarms((stack) => ({ api: predictorLikeApi(stack).api, name: 'a' }));
    const tuned = synthAlarms((stack) => ({
      api: predictorLikeApi(stack).api,
      name: 'a',
      clientErrorRatePercent: 25,
    }));
    expect(tuned.get('vigil-shop-a-client-error-rate')?.Threshold).toBe(25);
    expect(defaults.get('vigil-shop-a-client-error-rate')?.Threshold).toBe(10);
    for (const signal of ['server-error-rate', 'p99-latency']) {
      expect(tuned.get(`vigil-shop-a-${signal}`)).toEqual(defaults.get(`vigil-shop-a-${signal}`));
    }
  });

  it('drops a signal a team switched off for the service', () => {
    const app = new App();
    const stack = new Stack(app, 'Shop');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
      service: 'shop',
      overrides: {
        'http-api/client-error-rate': { enabled: false },
        'http-api/p99-latency': { severity: 'critical' },
      },
    });
    const monitor = new HttpApiMonitor(stack, 'Monitor', { api: predictorLikeApi(stack).api, monitoring });
    const alarms = alarmsByName(Template.fromStack(stack));
    expect([...alarms.keys()].sort()).toEqual([
      'vigil-shop-predictor-api-p99-latency',
      'vigil-shop-predictor-api-server-error-rate',
    ]);
    expect(monitor.alarms).toHaveLength(2);
    expect(tag(alarms.get('vigil-shop-predictor-api-p99-latency'), 'vigil:severity')).toBe('critical');
  });
});

describe('HttpApiMonitor route alarms', () => {
  it('fail synthesis when the stage does not publish detailed metrics', () => {
    const app = new App();
    const stack = new Stack(app, 'Shop');
    const { api, stage } = predictorLikeApi(stack, { detailedMetrics: false });
    new HttpApiMonitor(stack, 'Monitor', { api, stage, routes: ['POST /predict'] });
    expect(() => app.synth()).toThrow(
      /routes POST \/predict have alarms but stage \$default does not publish/,
    );
  });

  it('accept detailed metrics switched on for the route alone in the stage route settings', () => {
    const app = new App();
    const stack = new Stack(app, 'Shop');
    const { api, stage } = predictorLikeApi(stack, { detailedMetrics: false });
    (stage.node.defaultChild as apigwv2.CfnStage).routeSettings = {
      'POST /predict': { DetailedMetricsEnabled: true },
    };
    new HttpApiMonitor(stack, 'Monitor', { api, stage, routes: ['POST /predict'] });
    expect(() => app.synth()).not.toThrow();
  });

  it('refuse a route the API does not have, and routes without a stage', () => {
    const app = new App();
    const stack = new Stack(app, 'Shop');
    const { api, stage } = predictorLikeApi(stack);
    expect(() => new HttpApiMonitor(stack, 'Typo', { api, stage, routes: ['POST /predcit'] })).toThrow(
      'route "POST /predcit" is not a route of Shop/PredictorApi (it has POST /predict, GET /health)',
    );
    expect(() => new HttpApiMonitor(stack, 'NoStage', { api, routes: ['POST /predict'] })).toThrow(
      /route alarms need the stage that serves the routes/,
    );
  });
});
