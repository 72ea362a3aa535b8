import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { kebab } from '../construct-names';
import { type ApiLatencyOptions, p99LatencySpec, seconds, type Timeout } from './api-latency';
import type { MonitoringScope } from './monitoring-scope';
import { ResourceMonitor } from './resource-monitor';
import type { SignalOverrides } from './signal-overrides';
import { resourcesReferencing } from './stack-references';

export interface RestApiMonitorProps extends ApiLatencyOptions {
  /**
   * The REST API to watch. Its metrics are found by name, so an imported API must be imported with
   * `RestApi.fromRestApiAttributes` and its real `restApiName`.
   */
  readonly api: apigateway.IRestApi;
  /** The API's name within its service. @default kebab-case of the API's construct id */
  readonly name?: string;
  /** The service the API belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
  /** The stage callers use; REST API metrics are published per API name and stage. @default the API's deployment stage */
  readonly stage?: apigateway.IStage;
  /** 5XX responses, in percent of requests, that mean the API is failing its callers. @default 1 */
  readonly serverErrorRatePercent?: number;
  /** 4XX responses, in percent of requests, that mean callers are being turned away. @default 10 */
  readonly clientErrorRatePercent?: number;
  /** Requests in five minutes below which the 4XX rate is not judged (a few probes are not a trend). @default 20 */
  readonly clientErrorMinRequests?: number;
  /**
   * Methods, such as `POST /predict`, that get their own 5XX-rate and p99-latency alarms. REST APIs
   * publish per-method metrics (dimensions ApiName, Method, Resource, Stage) only when CloudWatch metrics
   * are enabled in the stage's method settings (`metricsEnabled` in `deployOptions`, or per method in
   * `methodOptions`); synthesis fails when a listed method has none, because its alarms would never see
   * data. Method metrics are billed as custom metrics.
   * @default no method alarms
   */
  readonly methods?: string[];
  /**
   * Overrides for this API's signals, keyed by signal; they win over the service's `rest-api/<signal>`
   * overrides. A watched method's alarms follow their signal's. @default none
   */
  readonly overrides?: SignalOverrides<'rest-api'>;
}

const FIVE_MINUTES = Duration.minutes(5);
const NAMESPACE = 'AWS/ApiGateway';
// TimeoutInMillis of a REST API integration defaults to 29 seconds; Regional and private APIs may raise it.
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;
const METHOD_KEY = /^([A-Z]+) (\/\S*)$/;

/** The timeout a request through the API runs into first, in milliseconds, and where it comes from. */

/**
 * Alarms for one REST API (API Gateway v1) stage: the 5XX and 4XX rates, which the `Average` statistic
 * of 5XXError and 4XXError already is, and p99 latency against the integration timeout (or the shorter
 * backend timeout). Methods listed in `methods` get their own 5XX-rate and latency alarms.
 */
export class RestApiMonitor extends ResourceMonitor<'rest-api'> {
  private readonly props: RestApiMonitorProps;

  constructor(scope: Construct, id: string, props: RestApiMonitorProps) {
    super(scope, id, props, () => ({ kind: 'rest-api', name: props.name ?? kebab(props.api.node.id) }));
    const { api } = props;
    this.props = props;
    const stage = props.stage ?? deploymentStage(api);
    if (stage === undefined) {
      throw new Error(
        `${this.node.path}: ${api.node.path} has no deployment stage; pass the \`stage\` callers use`,
      );
    }
    const methods = apiMethods(api);

    const dimensions = { ApiName: api.restApiName, Stage: stage.stageName };
    const watched = (props.methods ?? []).map((key) => watchedMethod(api, methods, dimensions, key));
    const slowest = slowestIntegration(methods);
    this.addServerErrorRate('', dimensions, 'requests');
    this.addClientErrorRate(dimensions);
    this.addLatency('', dimensions, slowest, 'requests');

    for (const method of watched) {
      const prefix = `${kebab(method.key)}-`;
      const timeout = method.construct ? slowestIntegration([method.construct]) : slowest;
      this.addServerErrorRate(prefix, method.dimensions, `${method.key} requests`);
      this.addLatency(prefix, method.dimensions, timeout, `${method.key} requests`);
    }
    const cfnStage = stage.node.defaultChild;
    if (watched.length > 0 && cfnStage instanceof apigateway.CfnStage) {
      const keys = watched.map((method) => method.key);
      this.node.addValidation({ validate: () => methodsWithoutMetrics(cfnStage, keys) });
    }
  }

  private addServerErrorRate(prefix: string, dimensionsMap: Record<string, string>, what: string): void {
    const percent = this.props.serverErrorRatePercent ?? 1;
    this.addAlarm({
      signal: `${prefix}server-error-rate`,
      overrideSignal: 'server-error-rate',
      metric: new cloudwatch.MathExpression({
        // The Average of 5XXError is the share of requests that failed; no traffic is no data, not 0%.
        expression: '100 * serverErrorShare',
        usingMetrics: { serverErrorShare: metric('5XXError', dimensionsMap, 'Average') },
        period: FIVE_MINUTES,
        label: '5XX rate (%)',
      }),
      threshold: percent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'high',
      summary: `A growing share of ${what} fail with 5XX; callers see server errors.`,
      thresholdReason: `more than ${percent}% of ${what}`,
      thresholdUnit: '%',
    });
  }

  private addClientErrorRate(dimensionsMap: Record<string, string>): void {
    const percent = this.props.clientErrorRatePercent ?? 10;
    const minRequests = this.props.clientErrorMinRequests ?? 20;
    this.addAlarm({
      signal: 'client-error-rate',
      metric: new cloudwatch.MathExpression({
        expression: `IF(requests >= ${minRequests}, 100 * clientErrorShare, 0)`,
        usingMetrics: {
          clientErrorShare: metric('4XXError', dimensionsMap, 'Average'),
          requests: metric('Count', dimensionsMap, 'Sum'),
        },
        period: FIVE_MINUTES,
        label: '4XX rate (%)',
      }),
      threshold: percent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      severity: 'warning',
      // A healthy API's stray 404s and validation errors stay well below a tenth of the traffic; a broken
      // client release, expired keys or credentials, or the usage-plan throttle (429) push past it.
      summary: 'Callers are turned away with 4XX: a broken client, failing auth, or throttling.',
      thresholdReason: `more than ${percent}% of requests, from ${minRequests} requests per period`,
      thresholdUnit: '%',
    });
  }

  private addLatency(
    prefix: string,
    dimensionsMap: Record<string, string>,
    integration: Timeout,
    what: string,
  ): void {
    this.addAlarm(
      p99LatencySpec(prefix, metric('Latency', dimensionsMap, 'p99'), integration, this.props, what),
    );
  }
}

function metric(
  metricName: string,
  dimensionsMap: Record<string, string>,
  statistic: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName,
    dimensionsMap,
    statistic,
    period: FIVE_MINUTES,
  });
}

/** The API's deployment stage; undefined when it has none, and for imported APIs, whose getter throws. */
function deploymentStage(api: apigateway.IRestApi): apigateway.IStage | undefined {
  try {
    return api.deploymentStage as apigateway.IStage | undefined;
  } catch {
    return undefined;
  }
}

/** The methods of the API found in its stack (none for an imported API). */
function apiMethods(api: apigateway.IRestApi): apigateway.Method[] {
  return resourcesReferencing(api, apigateway.Method, (method) => method.api.restApiId, api.restApiId);
}

/** A method to alarm on: its key, its metric dimensions and, when the API is defined in the app, its construct. */
interface WatchedMethod {
  readonly key: string;
  readonly dimensions: Record<string, string>;
  readonly construct?: apigateway.Method;
}

function watchedMethod(
  api: apigateway.IRestApi,
  methods: apigateway.Method[],
  stageDimensions: Record<string, string>,
  key: string,
): WatchedMethod {
  const match = METHOD_KEY.exec(key);
  if (!match?.[1] || !match[2]) {
    throw new Error(`method ${JSON.stringify(key)} is not a method key like 'POST /predict'`);
  }
  const construct = methods.find((candidate) => keyOf(candidate) === key);
  // An imported API's methods are unknown; a defined API's list catches typos.
  if (methods.length > 0 && construct === undefined) {
    throw new Error(
      `method ${JSON.stringify(key)} is not a method of ${api.node.path} (it has ${methods.map(keyOf).join(', ')})`,
    );
  }
  return { key, dimensions: { ...stageDimensions, Resource: match[2], Method: match[1] }, construct };
}

function keyOf(method: apigateway.Method): string {
  return `${method.httpMethod} ${method.resource.path}`;
}

/**
 * The longest integration timeout: the whole API's latency only nears a timeout when it nears the most
 * generous one. Unset timeouts are the 29 s default; one not known at synth counts as the default.
 */
function slowestIntegration(methods: apigateway.Method[]): Timeout {
  const stack = methods[0] && Stack.of(methods[0]);
  let unresolved = false;
  let slowest = 0;
  for (const method of methods) {
    const cfn = method.node.defaultChild as apigateway.CfnMethod;
    const integration = stack?.resolve(cfn.integration) as
      | { timeoutInMillis?: unknown; type?: string }
      | undefined;
    // A MOCK integration answers inside API Gateway; it has no backend to time out.
    if (integration === undefined || integration.type === 'MOCK') continue;
    const ms = integration.timeoutInMillis;
    if (ms === undefined) slowest = Math.max(slowest, DEFAULT_INTEGRATION_TIMEOUT_MS);
    else if (typeof ms === 'number' && !Token.isUnresolved(ms)) slowest = Math.max(slowest, ms);
    else unresolved = true;
  }
  if (unresolved || slowest === 0) {
    return {
      ms: DEFAULT_INTEGRATION_TIMEOUT_MS,
      reason: unresolved
        ? '29 s default integration timeout (the configured one is not known at synth)'
        : '29 s default integration timeout',
    };
  }
  return { ms: slowest, reason: `${seconds(slowest)} s integration timeout` };
}

interface MethodSetting {
  readonly httpMethod?: string;
  readonly resourcePath?: string;
  readonly metricsEnabled?: unknown;
}

/** Listed methods whose stage does not publish their metrics, as synth validation errors. */
function methodsWithoutMetrics(stage: apigateway.CfnStage, methodKeys: string[]): string[] {
  const stack = Stack.of(stage);
  const settings = (stack.resolve(stage.methodSettings) ?? []) as MethodSetting[];
  const missing = methodKeys.filter((key) => {
    const [httpMethod = '', path = ''] = key.split(' ');
    // Method settings name resource paths with '/' escaped as '~1'; the most specific setting wins.
    const resourcePath = path === '/' ? '/' : `/${path.replace(/\//g, '~1')}`;
    const specificity = (setting: MethodSetting) =>
      (setting.resourcePath === resourcePath ? 2 : setting.resourcePath === '/*' ? 0 : -10) +
      (setting.httpMethod === httpMethod ? 1 : setting.httpMethod === '*' ? 0 : -10);
    const applying = settings
      .filter((setting) => setting.metricsEnabled !== undefined && specificity(setting) >= 0)
      .sort((a, b) => specificity(b) - specificity(a));
    return applying[0]?.metricsEnabled !== true;
  });
  return missing.length === 0
    ? []
    : [
        `methods ${missing.join(', ')} have alarms but their stage does not publish method metrics: ` +
          'enable metricsEnabled in the stage options or drop them from `methods`',
      ];
}
