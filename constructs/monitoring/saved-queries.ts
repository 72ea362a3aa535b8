import { Lazy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** A Logs Insights query on-call runs often, saved for each service. */
export interface SavedQuery {
  /** The last part of its saved name, `<prefix>-<service>/<name>`. */
  readonly name: string;
  /** What it answers. */
  readonly description: string;
  /** The query. */
  readonly query: string;
}

/**
 * The queries saved for every service with functions. They read what Vigil's functions write with
 * Lambda's JSON log format and Powertools: application lines with `level`, `message`,
 * `error.name`/`error.message`, `function_request_id` and `xray_trace_id`; Lambda's own
 * `platform.report` line per invocation with `record.requestId` and `record.metrics` (`durationMs`,
 * `maxMemoryUsedMB`, and `initDurationMs` only on a cold start) ("Lambda Telemetry API Event schema
 * reference", the platform.report schema; "Configuring advanced logging controls for Lambda
 * functions": system logs in JSON have the same shape). Each is parsed and run against those lines in
 * tests/constructs/monitoring/saved-queries.test.ts.
 */
export const SAVED_QUERIES: readonly SavedQuery[] = [
  {
    name: 'errors-by-type',
    description: 'Errors by type and message, most frequent first',
    query: [
      // Powertools logs a caught error under `error`; Lambda's JSON format logs an unhandled one as
      // `message.errorType`/`message.errorMessage`.
      'fields coalesce(error.name, message.errorType, "unnamed") as type, coalesce(error.message, message.errorMessage, message) as text',
      'filter level = "ERROR"',
      'stats count(*) as errors by type, text',
      'sort errors desc',
      'limit 50',
    ].join('\n| '),
  },
  {
    name: 'slowest-requests',
    description: 'The slowest invocations, with their request ids and memory',
    query: [
      'filter type = "platform.report"',
      'fields @timestamp, @log, record.requestId as requestId, record.metrics.durationMs as durationMs, record.metrics.maxMemoryUsedMB as maxMemoryMB',
      'sort durationMs desc',
      'limit 25',
    ].join('\n| '),
  },
  {
    name: 'one-request',
    description:
      'Every line of one request across the service: replace REQUEST_ID with a Lambda request id or an X-Ray trace id',
    query: [
      'fields @timestamp, @log, level, message, function_request_id, xray_trace_id',
      'filter function_request_id = "REQUEST_ID" or record.requestId = "REQUEST_ID" or xray_trace_id = "REQUEST_ID" or requestId = "REQUEST_ID"',
      'sort @timestamp asc',
      'limit 1000',
    ].join('\n| '),
  },
  {
    name: 'cold-starts',
    description: 'Cold starts: invocations with an init duration, longest first',
    query: [
      'filter type = "platform.report" and ispresent(record.metrics.initDurationMs)',
      'fields @timestamp, @log, record.requestId as requestId, record.metrics.initDurationMs as initDurationMs, record.metrics.durationMs as durationMs',
      'sort initDurationMs desc',
      'limit 50',
    ].join('\n| '),
  },
];

/** Which service the saved queries are for, and how their names start. */
export interface SavedQueriesProps {
  /** The service the queries are saved for. */
  readonly service: string;
  /** What every saved name starts with, the alarm names' prefix, e.g. `vigil-dev`. */
  readonly namePrefix: string;
}

/**
 * {@link SAVED_QUERIES} as Logs Insights query definitions over a service's log groups, named
 * `<prefix>-<service>/<query>` (the console lists saved queries in folders split at `/`). Log groups
 * are added as the service's functions are monitored, and read at synth.
 */
export class SavedQueries extends Construct {
  private readonly logGroupNames = new Set<string>();

  constructor(scope: Construct, id: string, props: SavedQueriesProps) {
    super(scope, id);
    for (const saved of SAVED_QUERIES) {
      new logs.CfnQueryDefinition(this, saved.name, {
        name: `${[props.namePrefix, props.service].filter(Boolean).join('-')}/${saved.name}`,
        queryString: saved.query,
        logGroupNames: Lazy.list({ produce: () => [...this.logGroupNames] }),
      });
    }
  }

  /** Adds a log group every saved query reads. */
  addLogGroup(logGroupName: string): void {
    this.logGroupNames.add(logGroupName);
  }

  /** The log groups the queries read. */
  get logGroups(): readonly string[] {
    return [...this.logGroupNames];
  }
}
