import * as path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { PredictRecords } from '../../lambda/predictor-api/predict';
import { createPredictorApi } from '../../lambda/predictor-api/predictor-api';
import { readPredictorApiConfig } from '../../lambda/predictor-api/predictor-api-config';
import type { AwsClients } from '../../lambda/shared/aws-clients';
import { type AsyncHandler, instrumentHandler } from '../../lambda/shared/instrument-handler';
import { ResultsTable } from '../../lambda/shared/results-table';
import { EXPORT_COLUMNS } from '../../predictor/features/columns';
import { LOCATION_DESCRIPTIONS, PRIMARY_TYPES } from '../../predictor/features/vocabulary';
import { SyntheticCrimes } from '../../predictor/generator/synthetic-crimes';
import { modelPath } from '../../predictor/inference/arrest-model';
import { predictRecords } from '../../predictor/inference/predict-records';
import { deployedValue } from './deployed-values';
import { functionUrlEvent } from './function-url-event';
import { asDeployed, captureOutput, type DeployedFunction } from './handler-output';
import type { LocalLambdaFunction } from './lambda-aliases';
import { LOCAL_REGION } from './local-aws';
import type { LocalLogStore } from './local-logs';
import { LOCAL_ACCOUNT, type LocalRun } from './local-run';
import type { FoundResource, SynthesizedAppReader } from './synthesized-app';
import type { SampledRequest } from './traffic';
import { type LocalTraceStore, newTraceId } from './xray-stand-in';

/** One request run for real per this much simulated time: about 1 in 100 at 600 requests a minute. */
export const SAMPLE_EVERY_MS = 10_000;
/** Rows per sampled `POST /predict`. */
const ROWS_PER_REQUEST = 3;
/** Rows drawn from the generator once; the requests take theirs from these in turn. */
const ROW_POOL = 3000;

type ExportRecord = Record<string, string>;
type ApiHandler = AsyncHandler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

/**
 * A sample of the predictor API's modelled traffic, run through the real API: `createPredictorApi`
 * wrapped by `instrumentHandler` as handler.ts wires it, configured from the function's environment
 * in the template, scoring real rows of the generator's Chicago crimes export with the real ONNX
 * model (loaded once per process). The traffic model (`aliasTraffic`) says when a request is
 * sampled, on which version, and whether it fails; the handler's own Powertools log lines go to the
 * function's log group in {@link LocalLogStore} and each request's trace to {@link LocalTraceStore},
 * both on simulated time, for the Logs Insights and X-Ray stand-ins to answer from.
 *
 * Traffic arrives synchronously (from the alarm simulation's feed); requests are queued by
 * {@link sample} and run by {@link drain}, which the run awaits after each stretch of simulated time
 * and before the alarm transitions of that stretch are delivered.
 */
export class SampledPredictorRequests {
  private readonly queue: SampledRequest[] = [];
  private readonly handlers = new Map<PredictRecords, ApiHandler>();
  private readonly scorable: ExportRecord[];
  private readonly unscorable: ExportRecord[];
  private readonly logGroup: string;
  private readonly apiUrl: string;
  private readonly memoryMb: string;
  private readonly deployed: DeployedFunction;
  private readonly config: ReturnType<typeof readPredictorApiConfig>;
  private next = 0;
  /** Requests run so far, and how many the API answered with a 5xx. */
  readonly counts = { served: 0, failed: 0 };

  constructor(
    reader: SynthesizedAppReader,
    fn: FoundResource,
    private readonly watched: LocalLambdaFunction,
    private readonly clients: AwsClients,
    private readonly logs: LocalLogStore,
    private readonly traces: LocalTraceStore,
    private readonly account: string,
    /** The `predictRecords` a version runs instead of the shipped one (a scenario's broken release). */
    private readonly modelFor: (version: string) => PredictRecords | undefined = () => undefined,
  ) {
    // The template points the model at the bundle (`/var/task/...`); here it is the file the
    // bundle copies there, and it must be the one `predictRecords` loads.
    const environment = reader.localEnvironment(fn);
    const localModel = environment.PREDICTOR_MODEL_PATH;
    if (localModel !== undefined && path.resolve(localModel) !== path.resolve(modelPath())) {
      throw new Error(`the API's model ${localModel} is not the one predictRecords loads (${modelPath()})`);
    }
    this.config = readPredictorApiConfig(environment);
    this.deployed = {
      serviceName: environment.POWERTOOLS_SERVICE_NAME,
      metricsNamespace: environment.POWERTOOLS_METRICS_NAMESPACE,
    };
    const logging = fn.properties.LoggingConfig as { LogGroup?: unknown } | undefined;
    this.logGroup = logging?.LogGroup
      ? deployedValue(logging.LogGroup, fn.stack)
      : `/aws/lambda/${watched.functionName}`;
    this.memoryMb = String(fn.properties.MemorySize ?? 128);
    const api = reader.resources('AWS::ApiGatewayV2::Api', fn.stack.stackName)[0];
    const apiId = api ? reader.ref(api) : 'local';
    this.apiUrl = `https://${apiId}.execute-api.${LOCAL_REGION}.amazonaws.com`;

    const rows = new SyntheticCrimes({ seed: 20150318 }).nextRows(ROW_POOL).map(toRecord);
    this.scorable = rows.filter((row) => unseenCategory(row) === undefined);
    this.unscorable = rows.filter((row) => unseenCategory(row) !== undefined);
  }

  /** What the traffic model hands the sampled requests to (`TrafficOptions.sample`). */
  readonly sample = {
    everyMs: SAMPLE_EVERY_MS,
    take: (request: SampledRequest): void => {
      this.queue.push(request);
    },
  };

  /** Runs the queued requests in order, each on the simulated time it was sent at. */
  async drain(): Promise<void> {
    for (let request = this.queue.shift(); request; request = this.queue.shift()) {
      await this.send(request);
    }
  }

  private async send(request: SampledRequest): Promise<void> {
    const index = this.next++;
    const rows = Array.from({ length: ROWS_PER_REQUEST }, (_, i) =>
      pick(this.scorable, index * ROWS_PER_REQUEST + i),
    );
    // The traffic model decides which requests fail; those carry a row with a category unseen in
    // training (real exports have them, DATA.md), which the shipped model scores and a broken one cannot.
    if (request.fails) rows[ROWS_PER_REQUEST - 1] = pick(this.unscorable, index);
    const traceId = newTraceId(request.at, `${this.watched.functionName}:${index}`);
    const event = functionUrlEvent(
      {
        method: 'POST',
        url: new URL('/predict', this.apiUrl),
        headers: { 'content-type': 'application/json', 'user-agent': 'vigil-local-loop' },
        body: Buffer.from(JSON.stringify({ rows })),
      },
      new Date(request.at),
    );
    const handler = this.handlerFor(this.modelFor(request.version) ?? predictRecords);
    const context = lambdaContext(
      this.watched,
      request.version,
      this.memoryMb,
      this.logGroup,
      `${traceId.slice(2)}-${index}`,
    );
    const lines: string[] = [];
    const status = await captureOutput(
      lines,
      async () => {
        try {
          const response = await handler(
            { ...event, requestContext: { ...event.requestContext, accountId: this.account } },
            context,
          );
          return response.statusCode ?? 200;
        } catch {
          // A function error: API Gateway answers 502 {"message": "Internal server error"} (Lambda
          // developer guide, "Handling Lambda errors with an API Gateway API").
          return 502;
        }
      },
      traceId,
    );
    this.counts.served++;
    if (status >= 500) this.counts.failed++;
    // The lines are written while the request runs: stamped within its (modelled) duration.
    lines.forEach((line, i) => {
      const at = request.at + Math.round((request.durationMs * (i + 1)) / (lines.length + 1));
      this.logs.put(this.logGroup, at, asDeployed(line, at, this.deployed));
    });
    this.traces.record({
      id: traceId,
      startTime: request.at,
      durationMs: request.durationMs,
      http: { method: 'POST', url: `${this.apiUrl}/predict`, status },
      functionName: this.watched.functionName,
      account: this.account,
    });
  }

  private handlerFor(model: PredictRecords): ApiHandler {
    let handler = this.handlers.get(model);
    if (!handler) {
      // As handler.ts builds it, with the run's clients.
      handler = instrumentHandler(
        createPredictorApi({
          config: this.config,
          results: new ResultsTable(this.clients.dynamoDb, this.config.resultsTableName),
          presigningS3: this.clients.presigningS3,
          predictRecords: model,
        }),
      );
      this.handlers.set(model, handler);
    }
    return handler;
  }
}

/**
 * Runs a sample of `fn`'s traffic through the real predictor API on `run`: hand `sample` to
 * `aliasTraffic` and `drain` to {@link LocalRun.addTraffic} with it.
 */
export function sampledPredictorRequests(
  run: LocalRun,
  fn: LocalLambdaFunction,
  modelFor?: (version: string) => PredictRecords | undefined,
): SampledPredictorRequests {
  const resource = run.reader
    .resources('AWS::Lambda::Function')
    .find((candidate) => run.reader.ref(candidate) === fn.functionName);
  if (!resource) throw new Error(`no function ${fn.functionName} in the synthesized app`);
  return new SampledPredictorRequests(
    run.reader,
    resource,
    fn,
    run.clients,
    run.logs,
    run.traces,
    LOCAL_ACCOUNT,
    modelFor,
  );
}

/**
 * A `predictRecords` of a broken model release: the same scoring, except that a record with a category
 * the training never saw gets an index past the end of the model's category table, which the ONNX
 * runtime refuses for the whole batch. This is how the bad-model-release scenario breaks the model;
 * the message is written as onnxruntime-node words such a failure.
 */
export function breaksOnUnseenCategories(scoring: PredictRecords = predictRecords): PredictRecords {
  return async (records) => {
    records.forEach((record, row) => {
      const unseen = unseenCategory(record);
      if (unseen === undefined) return;
      const size = unseen.column === 'Primary Type' ? PRIMARY_TYPES.length : LOCATION_DESCRIPTIONS.length;
      throw new Error(
        "Non-zero status code returned while running TreeEnsembleClassifier node. Name:'TreeEnsembleClassifier' " +
          `Status Message: input 'features' row ${row}: category index ${size + 1} of '${unseen.column}' ` +
          `(${JSON.stringify(unseen.value)}) is out of range [0, ${size}]`,
      );
    });
    return scoring(records);
  };
}

/** The column and value of the record's first category unseen in training, if any. */
function unseenCategory(
  record: Readonly<Record<string, unknown>>,
): { column: string; value: string } | undefined {
  const type = String(record['Primary Type'] ?? '');
  if (!(PRIMARY_TYPES as readonly string[]).includes(type)) return { column: 'Primary Type', value: type };
  const place = String(record['Location Description'] ?? '');
  if (place !== '' && !(LOCATION_DESCRIPTIONS as readonly string[]).includes(place)) {
    return { column: 'Location Description', value: place };
  }
  return undefined;
}

function toRecord(row: readonly string[]): ExportRecord {
  return Object.fromEntries(EXPORT_COLUMNS.map((column, i) => [column, row[i] ?? '']));
}

function pick<T>(items: readonly T[], index: number): T {
  const item = items[index % items.length];
  if (item === undefined) throw new Error('no sample rows of that kind');
  return item;
}

function lambdaContext(
  fn: LocalLambdaFunction,
  version: string,
  memoryMb: string,
  logGroupName: string,
  awsRequestId: string,
): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.functionName,
    functionVersion: version,
    invokedFunctionArn: `${fn.functionArn}:${fn.aliasName}`,
    memoryLimitInMB: memoryMb,
    awsRequestId,
    logGroupName,
    logStreamName: `local/[${version}]${awsRequestId.slice(0, 8)}`,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
