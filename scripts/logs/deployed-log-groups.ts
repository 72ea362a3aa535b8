import {
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  ListFunctionsCommand,
  ListTagsCommand,
} from '@aws-sdk/client-lambda';
import type { CatalogFunction } from './app-catalog';
import { CliError } from './cli-error';

/** A log group to read: its name, the ARN Live Tail needs, and the short label lines are shown with. */
export interface LogGroupTarget {
  readonly name: string;
  /** `arn:aws:logs:<region>:<account>:log-group:<name>`, without the trailing `:*` Live Tail rejects. */
  readonly arn: string;
  readonly label: string;
}

export interface LookupOptions {
  /** Aborts every call (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Most milliseconds one Lambda API call may take. @default 10 s */
  readonly callTimeoutMs?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 10_000;
// "Lambda returns up to 50 functions per call" (ListFunctions API reference, MaxItems).
const PAGE_SIZE = 50;
// Every page is a request: a marker that never runs out must not become an endless loop.
const MAX_PAGES = 1_000;

/**
 * Finds the deployed log group of each catalog function. CloudFormation generates the names of
 * Vigil's functions and log groups (the templates name neither), so they are looked up: the
 * functions whose `Description` is the synthesized one (ListFunctions, paged), confirmed by the tags
 * CloudFormation puts on every resource it creates, `aws:cloudformation:stack-name` and
 * `aws:cloudformation:logical-id` (ListTags). The log group is the function's
 * `LoggingConfig.LogGroup` (Lambda's default `/aws/lambda/<name>` when it has none).
 */
export async function deployedLogGroups(
  lambda: LambdaClient,
  functions: readonly CatalogFunction[],
  options: LookupOptions = {},
): Promise<LogGroupTarget[]> {
  const call = caller(options);
  const wanted = new Set(functions.map((fn) => fn.description));
  const candidates: FunctionConfiguration[] = [];
  let marker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await call('ListFunctions', (abortSignal) =>
      lambda.send(new ListFunctionsCommand({ MaxItems: PAGE_SIZE, Marker: marker }), { abortSignal }),
    );
    candidates.push(...(answer.Functions ?? []).filter((fn) => wanted.has(fn.Description)));
    marker = answer.NextMarker;
    if (marker === undefined) break;
  }
  const found = new Map<CatalogFunction, FunctionConfiguration>();
  for (const candidate of candidates) {
    const arn = candidate.FunctionArn;
    if (arn === undefined) continue;
    const { Tags: tags = {} } = await call('ListTags', (abortSignal) =>
      lambda.send(new ListTagsCommand({ Resource: arn }), { abortSignal }),
    );
    const owner = functions.find(
      (fn) =>
        tags['aws:cloudformation:stack-name'] === fn.stackName &&
        tags['aws:cloudformation:logical-id'] === fn.logicalId,
    );
    if (owner) found.set(owner, candidate);
  }
  const missing = functions.filter((fn) => !found.has(fn));
  if (missing.length > 0) {
    const names = missing.map((fn) => `${fn.id} (${fn.stackName}/${fn.logicalId})`).join(', ');
    throw new CliError(
      `not deployed in this account and region: ${names}; no Lambda function with that description is tagged with its stack and logical id`,
    );
  }
  return functions.map((fn) => target(found.get(fn) as FunctionConfiguration, fn.id));
}

/** The log group of a deployed function named by its physical name or ARN; undefined if there is none. */
export async function physicalFunctionLogGroup(
  lambda: LambdaClient,
  functionName: string,
  options: LookupOptions = {},
): Promise<LogGroupTarget | undefined> {
  try {
    const configuration = await caller(options)('GetFunctionConfiguration', (abortSignal) =>
      lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }), { abortSignal }),
    );
    return target(configuration, configuration.FunctionName ?? functionName);
  } catch (error) {
    const cause = (error as { cause?: { name?: string } }).cause;
    if (cause?.name === 'ResourceNotFoundException') return undefined;
    // An invalid name (e.g. with spaces) is not a function either: Lambda rejects it by pattern.
    if (cause?.name === 'ValidationException' || cause?.name === 'InvalidParameterValueException')
      return undefined;
    throw error;
  }
}

function target(configuration: FunctionConfiguration, label: string): LogGroupTarget {
  const functionArn = configuration.FunctionArn ?? '';
  // arn:<partition>:lambda:<region>:<account>:function:<name>
  const [, partition, , region, account] = functionArn.split(':');
  const name = configuration.LoggingConfig?.LogGroup ?? `/aws/lambda/${configuration.FunctionName}`;
  return { name, arn: `arn:${partition}:logs:${region}:${account}:log-group:${name}`, label };
}

/** Sends with a per-call timeout and the caller's abort; a failure becomes a one-line CliError keeping its cause. */
function caller(options: LookupOptions) {
  return async <T>(what: string, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> => {
    const timeout = AbortSignal.timeout(options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    const abortSignal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      return await send(abortSignal);
    } catch (error) {
      throw Object.assign(new CliError(`Lambda ${what} failed: ${describeError(error)}`), { cause: error });
    }
  };
}

/** `AccessDeniedException: User … is not authorized …`, or the timeout said plainly. */
export function describeError(error: unknown): string {
  const { name, message } = error as { name?: string; message?: string };
  if (name === 'TimeoutError' || name === 'AbortError') return `${name}: no answer in time`;
  return `${name ?? 'Error'}: ${message ?? String(error)}`;
}
