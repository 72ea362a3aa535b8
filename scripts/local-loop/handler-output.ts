import { logger, metrics } from '../../lambda/shared/observability';

/** What Powertools' Logger and Metrics print through: their own `Console` (a private field). */
interface PrintsThroughConsole {
  console: Console;
}

/** Powertools Metrics' switch, read once from POWERTOOLS_METRICS_DISABLED (a private field). */
interface CanBeDisabled {
  disabled: boolean;
}

/** Who wrote a line, as the deployed function would: its template's Powertools settings. */
export interface DeployedFunction {
  /** POWERTOOLS_SERVICE_NAME in the function's environment. */
  readonly serviceName?: string;
  /** POWERTOOLS_METRICS_NAMESPACE in the function's environment. */
  readonly metricsNamespace?: string;
}

/**
 * Runs `request` with the process-wide Powertools logger at INFO and its metrics on (the loop keeps
 * both quiet, see quiet-handlers.ts), their output collected into `lines` instead of stdout: the
 * lines Lambda would send to the function's log group, EMF metrics included. With a `traceId`, the
 * X-Ray trace header is set as Lambda sets it, so each line carries the request's `xray_trace_id`.
 * Requests are captured one at a time: the logger and metrics are one per process.
 */
export async function captureOutput<T>(
  lines: string[],
  request: () => Promise<T>,
  traceId?: string,
): Promise<T> {
  const collect = (...parts: unknown[]) => {
    lines.push(parts.map(String).join(' '));
  };
  const sink = { log: collect, info: collect, warn: collect, error: collect, debug: collect, trace: collect };
  const targets = [logger, metrics] as unknown as PrintsThroughConsole[];
  const consoles = targets.map((target) => target.console);
  const level = logger.getLevelName();
  const switchable = metrics as unknown as CanBeDisabled;
  const metricsDisabled = switchable.disabled;
  const traceHeader = process.env._X_AMZN_TRACE_ID;
  for (const target of targets) target.console = sink as unknown as Console;
  logger.setLogLevel('INFO');
  switchable.disabled = false;
  if (traceId !== undefined) {
    process.env._X_AMZN_TRACE_ID = `Root=${traceId};Parent=${traceId.slice(-16)};Sampled=1`;
  }
  try {
    return await request();
  } finally {
    logger.setLogLevel(level);
    switchable.disabled = metricsDisabled;
    targets.forEach((target, i) => {
      target.console = consoles[i] as Console;
    });
    if (traceHeader === undefined) delete process.env._X_AMZN_TRACE_ID;
    else process.env._X_AMZN_TRACE_ID = traceHeader;
  }
}

/**
 * The line as the deployed function writes it at `at`: Powertools stamps its lines with the wall
 * clock, and its logger and metrics are one per process, created with the loop's service name and
 * namespace; in Lambda the function's own POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE
 * are there. EMF lines (metrics) get the time in `_aws.Timestamp`.
 */
export function asDeployed(line: string, at: number, fn: DeployedFunction): string {
  if (!line.startsWith('{')) return line;
  try {
    const item = JSON.parse(line) as Record<string, unknown>;
    const service = fn.serviceName ? { service: fn.serviceName } : {};
    const emf = item._aws as { Timestamp?: number; CloudWatchMetrics?: { Namespace?: string }[] } | undefined;
    if (emf !== undefined) {
      const CloudWatchMetrics = (emf.CloudWatchMetrics ?? []).map((directive) => ({
        ...directive,
        ...(fn.metricsNamespace && { Namespace: fn.metricsNamespace }),
      }));
      return JSON.stringify({
        ...item,
        ...('service' in item ? service : {}),
        _aws: { ...emf, Timestamp: at, CloudWatchMetrics },
      });
    }
    if (!('level' in item)) return line;
    return JSON.stringify({ ...item, timestamp: new Date(at).toISOString(), ...service });
  } catch {
    return line;
  }
}
