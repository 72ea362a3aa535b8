/**
 * X-Ray answered from the requests the run executed for real: one trace per sampled request.
 *
 * GetTraceSummaries as the X-Ray API reference documents it (API_GetTraceSummaries.html,
 * https://docs.aws.amazon.com/xray/latest/api/API_GetTraceSummaries.html; the summary's shape in
 * API_TraceSummary.html: `Id`, `Duration` and `ResponseTime` in seconds, `HasFault` for a 5xx,
 * `HasError` for a 4xx, `HasThrottle` for a 429, `Http`, `ServiceIds`, `StartTime`). Traces are
 * those that started in [StartTime, EndTime] (the default `TimeRangeType` TraceId), newest first,
 * one page. The filter expression language ("Use filter expressions", X-Ray developer guide,
 * https://docs.aws.amazon.com/xray/latest/devguide/xray-console-filters.html) is implemented only as
 * far as the alert enricher builds it (lambda/alert-enricher/context/failing-traces.ts):
 * `service("name")`, `fault|error|throttle|ok = true|false`, `AND`, `OR`, `NOT` and parentheses;
 * anything else is refused with an `InvalidRequestException` naming it.
 */
import { createHash } from 'node:crypto';
import type { LocalAws } from './local-aws';

/** One request the run executed, as its trace records it. */
export interface LocalTrace {
  /** `1-<8 hex epoch seconds>-<24 hex>`, as X-Ray's trace header carries it. */
  readonly id: string;
  /** Epoch milliseconds, simulated. */
  readonly startTime: number;
  readonly durationMs: number;
  readonly http: { readonly method: string; readonly url: string; readonly status: number };
  /** The function that served it, as the service graph names it. */
  readonly functionName: string;
  readonly account: string;
}

/**
 * A trace id for a request that started at `epochMs` (X-Ray developer guide, "Tracing header":
 * version, epoch seconds in 8 hex digits, 96 bits in 24 hex digits). The 96 bits are derived from
 * `key` rather than random, so a run gives the same ids each time.
 */
export function newTraceId(epochMs: number, key: string): string {
  const seconds = Math.floor(epochMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `1-${seconds}-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** The run's traces, in the order recorded. */
export class LocalTraceStore {
  readonly traces: LocalTrace[] = [];

  record(trace: LocalTrace): void {
    this.traces.push(trace);
  }
}

export function invalidRequest(message: string): Error {
  return Object.assign(new Error(message), {
    name: 'InvalidRequestException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

type TraceFilter = (trace: LocalTrace) => boolean;

/** Parses the filter expression forms the enricher sends; throws InvalidRequestException for others. */
export function parseTraceFilter(expression: string): TraceFilter {
  const tokens = expression.match(/"(?:\\.|[^"\\])*"|\(|\)|=|!=|[A-Za-z_][\w.]*|\S/g) ?? [];
  let position = 0;
  const peekUpper = () => tokens[position]?.toUpperCase();
  const expect = (text: string) => {
    if (tokens[position] !== text) {
      throw invalidRequest(`filter expression: expected "${text}" at "${tokens[position] ?? 'the end'}"`);
    }
    position++;
  };
  const disjunction = (): TraceFilter => {
    let left = conjunction();
    while (peekUpper() === 'OR') {
      position++;
      const [a, b] = [left, conjunction()];
      left = (trace) => a(trace) || b(trace);
    }
    return left;
  };
  const conjunction = (): TraceFilter => {
    let left = term();
    while (peekUpper() === 'AND') {
      position++;
      const [a, b] = [left, term()];
      left = (trace) => a(trace) && b(trace);
    }
    return left;
  };
  const term = (): TraceFilter => {
    const token = tokens[position++];
    if (token === undefined) throw invalidRequest('filter expression ends too early');
    if (token.toUpperCase() === 'NOT') {
      const inner = term();
      return (trace) => !inner(trace);
    }
    if (token === '(') {
      const inner = disjunction();
      expect(')');
      return inner;
    }
    if (token === 'service') {
      expect('(');
      const name = tokens[position++];
      if (!name?.startsWith('"')) throw invalidRequest('filter expression: service() needs a quoted name');
      expect(')');
      const wanted = JSON.parse(name) as string;
      return (trace) => trace.functionName === wanted;
    }
    const flag = { fault: isFault, error: isError, throttle: isThrottle, ok: isOk }[token];
    if (flag) {
      const op = tokens[position++];
      const value = tokens[position++];
      if ((op !== '=' && op !== '!=') || (value !== 'true' && value !== 'false')) {
        throw invalidRequest(`filter expression: ${token} takes "= true" or "= false"`);
      }
      const wanted = (value === 'true') === (op === '=');
      return (trace) => flag(trace) === wanted;
    }
    throw invalidRequest(`filter expression: "${token}" is not supported by the local X-Ray stand-in`);
  };
  const filter = disjunction();
  if (position < tokens.length) {
    throw invalidRequest(`filter expression: unexpected "${tokens[position]}"`);
  }
  return filter;
}

const isFault = (trace: LocalTrace) => trace.http.status >= 500;
const isThrottle = (trace: LocalTrace) => trace.http.status === 429;
const isError = (trace: LocalTrace) => trace.http.status >= 400 && trace.http.status < 500;
const isOk = (trace: LocalTrace) => trace.http.status < 400;

/** The summary GetTraceSummaries returns for a trace (API_TraceSummary). */
export function traceSummary(trace: LocalTrace) {
  const service = {
    Name: trace.functionName,
    Names: [trace.functionName],
    AccountId: trace.account,
    Type: 'AWS::Lambda::Function',
  };
  const seconds = trace.durationMs / 1000;
  return {
    Id: trace.id,
    StartTime: new Date(trace.startTime),
    Duration: seconds,
    ResponseTime: seconds,
    HasFault: isFault(trace),
    HasError: isError(trace),
    HasThrottle: isThrottle(trace),
    IsPartial: false,
    Http: { HttpURL: trace.http.url, HttpStatus: trace.http.status, HttpMethod: trace.http.method },
    EntryPoint: service,
    ServiceIds: [service],
  };
}

/** Registers GetTraceSummaries on `aws`, answered from `traces`. */
export function standInXRay(aws: LocalAws, traces: LocalTraceStore): void {
  aws.on(
    'XRay.GetTraceSummaries',
    (input: { StartTime: Date; EndTime: Date; FilterExpression?: string; TimeRangeType?: string }) => {
      if (input.TimeRangeType !== undefined && input.TimeRangeType !== 'TraceId') {
        throw invalidRequest(
          `TimeRangeType ${input.TimeRangeType} is not supported by the local X-Ray stand-in`,
        );
      }
      const from = new Date(input.StartTime).getTime();
      const to = new Date(input.EndTime).getTime();
      if (!(from <= to)) throw invalidRequest('StartTime must be before EndTime');
      const filter = input.FilterExpression ? parseTraceFilter(input.FilterExpression) : () => true;
      const inRange = traces.traces.filter((trace) => trace.startTime >= from && trace.startTime <= to);
      const matching = inRange.filter(filter).sort((a, b) => b.startTime - a.startTime);
      return {
        TraceSummaries: matching.map(traceSummary),
        ApproximateTime: new Date(to),
        TracesProcessedCount: inRange.length,
      };
    },
  );
}
