import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { kebab } from '../construct-names';
import { type ApiLatencyOptions, p99LatencySpec, seconds, type Timeout } from './api-latency';
import type { MonitoringScope } from './monitoring-scope';
import { ResourceMonitor } from './resource-monitor';
import type { SignalOverrides } from './signal-overrides';
import { resourcesReferencing } from './stack-references';

export interface HttpApiMonitorProps extends ApiLatencyOptions {
  /** The HTTP API to watch. */
  readonly api: apigwv2.IHttpApi;
  /** The API's name within its service. @default kebab-case of the API's construct id */
  readonly name?: string;
  /** The service the API belongs to. @default `ServiceMonitoring.of(this)` */
  readonly monitoring?: MonitoringScope;
  /**
   * The stage callers use. A named stage narrows the API-wide metrics to it; the `$default` stage is
   * watched through the API's own metrics. Route alarms need it.
   * @default the API's default stage, when it has one
   */
  readonly stage?: apigwv2.IHttpStage;
  /** 5XX responses, in percent of requests, that mean the API is failing its callers. @default 1 */
  readonly serverErrorRatePercent?: number;
  /** 4XX responses, in percent of requests, that mean callers are being turned away. @default 10 */
  readonly clientErrorRatePercent?: number;
  /** Requests in five minutes below which the 4XX rate is not judged (a few probes are not a trend). @default 20 */
  readonly clientErrorMinRequests?: number;
  /**
   * Route keys, such as `POST /predict`, that get their own 5XX-rate and p99-latency alarms.
   * HTTP APIs publish per-route metrics (dimensions ApiId, Stage, Resource, Method) only when detailed
   * metrics are enabled on the stage, for all routes (`detailedMetricsEnabled` of the HttpStage) or per
   * route (`RouteSettings` of the stage); synthesis fails when a listed route has none, because its
   * alarms would never see data. Detailed metrics are billed as custom metrics.
   * @default no route alarms
   */
  readonly routes?: string[];
  /**
   * Overrides for this API's signals, keyed by signal; they win over the service's `http-api/<signal>`
   * overrides. A watched route's alarms follow their signal's. @default none
   */
  readonly overrides?: SignalOverrides<'http-api'>;
}

const FIVE_MINUTES = Duration.minutes(5);
const NAMESPACE = 'AWS/ApiGateway';
// TimeoutInMillis of an HTTP API integration defaults to, and may not exceed, 30 seconds.
const MAX_INTEGRATION_TIMEOUT_MS = 30_000;
const DEFAULT_STAGE_NAME = '$default';
const ROUTE_KEY = /^([A-Z]+) (\/\S*)$/;

/** The timeout a request through the API runs into first, in milliseconds, and where it comes from. */

/**
 * Alarms for one HTTP API (API Gateway v2): the 5XX and 4XX rates as metric math over the request
 * count, so an idle API is healthy, and p99 latency against the integration timeout (or the shorter
 * backend timeout). Routes listed in `routes` get their own 5XX-rate and latency alarms.
 */
export class HttpApiMonitor extends ResourceMonitor<'http-api'> {
  private readonly props: HttpApiMonitorProps;

  constructor(scope: Construct, id: string, props: HttpApiMonitorProps) {
    super(scope, id, props, () => ({ kind: 'http-api', name: props.name ?? kebab(props.api.node.id) }));
    const { api } = props;
    this.props = props;
    const stage = props.stage ?? api.defaultStage;
    const integrations = apiIntegrations(api);

    const routes = (props.routes ?? []).map((routeKey) => watchedRoute(api, stage, routeKey));
    const dimensions: Record<string, string> =
      stage === undefined || stage.stageName === DEFAULT_STAGE_NAME
        ? { ApiId: api.apiId }
        : { ApiId: api.apiId, Stage: stage.stageName };
    const slowest = slowestIntegration(integrations);
    this.addServerErrorRate('', dimensions, 'requests');
    this.addClientErrorRate(dimensions);
    this.addLatency('', dimensions, slowest, 'requests');

    for (const route of routes) {
      const integration = route.cfn && integrationOf(route.cfn, integrations);
      const timeout = integration ? slowestIntegration([integration]) : slowest;
      const prefix = `${kebab(route.key)}-`;
      this.addServerErrorRate(prefix, route.dimensions, `${route.key} requests`);
      this.addLatency(prefix, route.dimensions, timeout, `${route.key} requests`);
    }
    const cfnStage = stage?.node.defaultChild;
    if (routes.length > 0 && cfnStage instanceof apigwv2.CfnStage) {
      const keys = routes.map((route) => route.key);
      this.node.addValidation({ validate: () => routesWithoutDetailedMetrics(cfnStage, keys) });
    }
  }

  private addServerErrorRate(prefix: string, dimensionsMap: Record<string, string>, what: string): void {
    const percent = this.props.serverErrorRatePercent ?? 1;
    this.addAlarm({
      signal: `${prefix}server-error-rate`,
      overrideSignal: 'server-error-rate',
      metric: new cloudwatch.MathExpression({
        expression: 'IF(requests > 0, 100 * serverErrors / requests, 0)',
        usingMetrics: {
          serverErrors: metric('5xx', dimensionsMap, 'Sum'),
          requests: metric('Count', dimensionsMap, 'Sum'),
        },
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
        expression: `IF(requests >= ${minRequests}, 100 * clientErrors / requests, 0)`,
        usingMetrics: {
          clientErrors: metric('4xx', dimensionsMap, 'Sum'),
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
      // client release, expired credentials or the stage throttle (429) push past it.
      summary: 'Callers are turned away with 4XX: a broken client, failing auth, or the stage throttle.',
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

/** A route to alarm on: its key, its metric dimensions and, when the API is defined in the app, its L1 route. */
interface WatchedRoute {
  readonly key: string;
  readonly dimensions: Record<string, string>;
  readonly cfn?: apigwv2.CfnRoute;
}

function watchedRoute(
  api: apigwv2.IHttpApi,
  stage: apigwv2.IHttpStage | undefined,
  key: string,
): WatchedRoute {
  const match = ROUTE_KEY.exec(key);
  if (!match?.[1] || !match[2]) {
    throw new Error(`route ${JSON.stringify(key)} is not a route key like 'POST /predict'`);
  }
  if (stage === undefined) {
    throw new Error(
      `route alarms need the stage that serves the routes; pass \`stage\` (${api.node.path} has no default stage)`,
    );
  }
  const known = apiRoutes(api);
  const cfn = known.find((candidate) => candidate.routeKey === key);
  // An imported API's routes are unknown; a defined API's list catches typos.
  if (known.length > 0 && cfn === undefined) {
    throw new Error(
      `route ${JSON.stringify(key)} is not a route of ${api.node.path} (it has ${known.map((route) => route.routeKey).join(', ')})`,
    );
  }
  return {
    key,
    dimensions: { ApiId: api.apiId, Stage: stage.stageName, Resource: match[2], Method: match[1] },
    cfn,
  };
}

/** The integrations of the API found in its stack (none for an imported API). */
function apiIntegrations(api: apigwv2.IHttpApi): apigwv2.CfnIntegration[] {
  return resourcesReferencing(api, apigwv2.CfnIntegration, (integration) => integration.apiId, api.apiId);
}

function apiRoutes(api: apigwv2.IHttpApi): apigwv2.CfnRoute[] {
  return resourcesReferencing(api, apigwv2.CfnRoute, (route) => route.apiId, api.apiId);
}

function integrationOf(
  route: apigwv2.CfnRoute,
  integrations: apigwv2.CfnIntegration[],
): apigwv2.CfnIntegration | undefined {
  const stack = Stack.of(route);
  const target = JSON.stringify(stack.resolve(route.target));
  return integrations.find(
    (integration) => JSON.stringify(stack.resolve(`integrations/${integration.ref}`)) === target,
  );
}

/**
 * The longest integration timeout: the whole API's latency only nears a timeout when it nears the most
 * generous one. Unset timeouts are the 30 s HTTP API default; one not known at synth counts as the maximum.
 */
function slowestIntegration(integrations: apigwv2.CfnIntegration[]): Timeout {
  let unresolved = false;
  let slowest = 0;
  for (const integration of integrations) {
    const ms = integration.timeoutInMillis;
    if (ms !== undefined && Token.isUnresolved(ms)) unresolved = true;
    else slowest = Math.max(slowest, ms ?? MAX_INTEGRATION_TIMEOUT_MS);
  }
  if (unresolved || slowest === 0) {
    return {
      ms: MAX_INTEGRATION_TIMEOUT_MS,
      reason: unresolved
        ? '30 s HTTP API maximum integration timeout (the configured one is not known at synth)'
        : '30 s HTTP API integration timeout',
    };
  }
  return { ms: slowest, reason: `${seconds(slowest)} s integration timeout` };
}

/** Listed routes whose stage does not publish their metrics, as synth validation errors. */
function routesWithoutDetailedMetrics(stage: apigwv2.CfnStage, routes: string[]): string[] {
  const stack = Stack.of(stage);
  const defaults = stack.resolve(stage.defaultRouteSettings) as RouteSettings | undefined;
  const perRoute = (stack.resolve(stage.routeSettings) ?? {}) as Record<string, RouteSettings | undefined>;
  // A route's own setting, when it has one, wins over the stage default.
  const missing = routes.filter((route) => {
    const own = detailedMetricsSetting(perRoute[route]);
    return own === undefined ? detailedMetricsSetting(defaults) !== true : own !== true;
  });
  return missing.length === 0
    ? []
    : [
        `routes ${missing.join(', ')} have alarms but stage ${stage.stageName} does not publish their metrics: ` +
          'enable detailed metrics on the stage (detailedMetricsEnabled) or drop them from `routes`',
      ];
}

interface RouteSettings {
  readonly detailedMetricsEnabled?: unknown;
  readonly DetailedMetricsEnabled?: unknown;
}

// RouteSettings is free-form JSON in CloudFormation, so it may be written in either case.
function detailedMetricsSetting(settings: RouteSettings | undefined): unknown {
  return settings?.detailedMetricsEnabled ?? settings?.DetailedMetricsEnabled;
}
