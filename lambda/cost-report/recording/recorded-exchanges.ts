import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as z from '../../shared/zod';
import { type CostReportClients, recordCostData } from '../cost-explorer-reader';
import type { RecordedCostData } from '../cost-report-model';
import { reportPeriod } from '../report-period';

/**
 * A recording of the report's API calls, as the APIs answered them: a directory with one JSON file
 * per request, and `recording.json` saying what the report was asked for. Each exchange file is
 *
 *   { "operation": "GetCostAndUsage", "reference": "<API reference page>",
 *     "input": { ...the request as sent, its page token included... },
 *     "output": { ...the response as received... } }
 *
 * or, for a request the API refused, `"error": { "name": "DataUnavailableException", "message": … }`
 * in place of `output`. Inputs and outputs are in the API's JSON (wire) form: Budgets' timestamps are
 * epoch seconds, as on the wire, so a recording taken from a real account replays unchanged.
 */
export interface RecordedExchange {
  /** The file it was read from, for messages. */
  readonly file: string;
  readonly operation: Operation;
  /** The API reference page the shapes follow. */
  readonly reference?: string;
  readonly input: Record<string, unknown>;
  readonly output?: Record<string, unknown>;
  readonly error?: { readonly name: string; readonly message: string };
}

/** What the report that was recorded was asked for: the same questions replay the same answers. */
export interface RecordingManifest {
  /** The account whose budgets were read. */
  readonly account: string;
  /** When the report ran: the months it reports and the forecast's first day follow from it. */
  readonly recordedAt: string;
  readonly tagKeys: readonly string[];
  readonly platformTag: { readonly key: string; readonly value: string };
}

export interface Recording {
  readonly directory: string;
  readonly manifest: RecordingManifest;
  /** In file-name order. */
  readonly exchanges: readonly RecordedExchange[];
}

/** The operations a recording can hold, with the service that answers each. */
export const OPERATIONS = {
  GetCostAndUsage: 'CostExplorer',
  GetCostForecast: 'CostExplorer',
  GetAnomalies: 'CostExplorer',
  GetSavingsPlansUtilization: 'CostExplorer',
  GetSavingsPlansCoverage: 'CostExplorer',
  DescribeBudgets: 'Budgets',
  DescribeBudgetPerformanceHistory: 'Budgets',
} as const;
export type Operation = keyof typeof OPERATIONS;

export const MANIFEST_FILE = 'recording.json';

/** A recording that cannot be read; the message names the file. */
export class RecordingError extends Error {
  override readonly name = 'RecordingError';
}

const manifestSchema = z.object({
  account: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id')),
  recordedAt: z.iso.datetime(),
  tagKeys: z.array(z.string()),
  platformTag: z.object({ key: z.string().check(z.minLength(1)), value: z.string().check(z.minLength(1)) }),
});

const exchangeSchema = z
  .looseObject({
    operation: z.enum(Object.keys(OPERATIONS) as [Operation, ...Operation[]]),
    reference: z.optional(z.string()),
    input: z.record(z.string(), z.unknown()),
    output: z.optional(z.record(z.string(), z.unknown())),
    error: z.optional(z.object({ name: z.string().check(z.minLength(1)), message: z.string() })),
  })
  .check(
    z.refine((exchange) => (exchange.output === undefined) !== (exchange.error === undefined), {
      message: 'needs exactly one of output and error',
    }),
  );

/** Reads a recording directory; fails naming the file and what is wrong with it. */
export function readRecording(directory: string): Recording {
  let names: string[];
  try {
    names = fs.readdirSync(directory);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new RecordingError(`${directory}: no such directory`);
    if (code === 'ENOTDIR') {
      throw new RecordingError(`${directory}: is a file; a recording is a directory of exchange files`);
    }
    throw new RecordingError(`${directory}: ${(error as Error).message}`);
  }
  if (!names.includes(MANIFEST_FILE)) {
    throw new RecordingError(`${directory}: not a recording (no ${MANIFEST_FILE})`);
  }
  const manifest = parseFile(path.join(directory, MANIFEST_FILE), manifestSchema);
  const exchanges = names
    .filter((name) => name.endsWith('.json') && name !== MANIFEST_FILE)
    .sort()
    .map((name): RecordedExchange => {
      const { operation, reference, input, output, error } = parseFile(
        path.join(directory, name),
        exchangeSchema,
      );
      return { file: name, operation, reference, input, output, error };
    });
  return { directory, manifest, exchanges };
}

function parseFile<T>(file: string, schema: z.ZodMiniType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RecordingError(`${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'file'}: ${issue.message}`);
    throw new RecordingError(`${file}: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** How an operation pages, and what it answers for data it does not have. */
const PAGING: Readonly<Record<Operation, { readonly token: string; readonly missing: string }>> = {
  GetCostAndUsage: { token: 'NextPageToken', missing: 'DataUnavailableException' },
  GetCostForecast: { token: 'NextPageToken', missing: 'DataUnavailableException' },
  GetAnomalies: { token: 'NextPageToken', missing: 'DataUnavailableException' },
  // Utilization answers in one page; coverage pages with NextToken.
  GetSavingsPlansUtilization: { token: 'NextToken', missing: 'DataUnavailableException' },
  GetSavingsPlansCoverage: { token: 'NextToken', missing: 'DataUnavailableException' },
  // Budgets answers NotFoundException for a budget or history it does not have.
  DescribeBudgets: { token: 'NextToken', missing: 'NotFoundException' },
  DescribeBudgetPerformanceHistory: { token: 'NextToken', missing: 'NotFoundException' },
};

/** One answered call. */
export interface ReplayedCall {
  readonly exchange: RecordedExchange;
  /** 1-based, following the page tokens from the exchange without one. */
  readonly page: number;
  readonly pages: number;
}

/**
 * Answers calls from a recording, by request: a call is answered only when its input, as it goes on
 * the wire, equals a recorded one — page token included. Anything else fails as the API does:
 * `RequestChangedException` for a token used with other parameters, `InvalidNextTokenException` for
 * a token nothing handed out, and the documented missing-data error for a request never recorded;
 * each such call is listed in {@link unrecorded}, so a replay never answers with a made-up shape.
 */
export class RecordingReplay {
  /** Calls the recording could not answer, each with the error it got. */
  readonly unrecorded: string[] = [];
  private readonly asked = new Set<RecordedExchange>();

  constructor(readonly recording: Recording) {}

  /** The output in the SDK's shape (Budgets' timestamps as Dates), or the recorded error, thrown. */
  answer(operation: Operation, input: object): { output: Record<string, unknown>; call: ReplayedCall } {
    const wire = toWire(input) as Record<string, unknown>;
    const candidates = this.recording.exchanges.filter((exchange) => exchange.operation === operation);
    const exchange = candidates.find((candidate) => isDeepStrictEqual(candidate.input, wire));
    const fail = (name: string, message: string): never => {
      this.unrecorded.push(`${operation} ${JSON.stringify(wire)}: ${name}`);
      throw apiError(name, message);
    };
    if (exchange === undefined) {
      const { token, missing } = PAGING[operation];
      const sentToken = wire[token];
      if (sentToken !== undefined) {
        const { [token]: _, ...query } = wire;
        const handedOut = candidates.filter((candidate) => candidate.output?.[token] === sentToken);
        // A page of a recorded query that was not recorded falls through to the missing-data error.
        if (handedOut.length > 0 && handedOut.every((candidate) => !sameQuery(candidate, query, token))) {
          return fail(
            'RequestChangedException',
            'Your request parameters changed between pages. Try again with the old parameters or without a pagination token.',
          );
        }
        if (handedOut.length === 0) {
          return fail(
            'InvalidNextTokenException',
            'The pagination token is invalid. Try again without a pagination token.',
          );
        }
      }
      return fail(
        missing,
        `The requested data is unavailable (not in the recording: ${JSON.stringify(wire)}).`,
      );
    }
    this.asked.add(exchange);
    if (exchange.error) throw apiError(exchange.error.name, exchange.error.message);
    const output = fromWire(operation, structuredClone(exchange.output ?? {}));
    return { output, call: { exchange, ...this.pageOf(exchange) } };
  }

  /** Recorded exchanges no call asked for. */
  unasked(): RecordedExchange[] {
    return this.recording.exchanges.filter((exchange) => !this.asked.has(exchange));
  }

  /** Which page of its query an exchange is, following the tokens from the first page. */
  pageOf(exchange: RecordedExchange): { page: number; pages: number } {
    const { token } = PAGING[exchange.operation];
    const { [token]: _, ...query } = exchange.input;
    const chain: RecordedExchange[] = [];
    let next: RecordedExchange | undefined = this.recording.exchanges.find(
      (candidate) => candidate.operation === exchange.operation && isDeepStrictEqual(candidate.input, query),
    );
    while (next && !chain.includes(next)) {
      chain.push(next);
      const sent = next.output?.[token];
      next =
        sent === undefined
          ? undefined
          : this.recording.exchanges.find(
              (candidate) =>
                candidate.operation === exchange.operation &&
                isDeepStrictEqual(candidate.input, { ...query, [token]: sent }),
            );
    }
    const at = chain.indexOf(exchange);
    return at === -1 ? { page: 1, pages: 1 } : { page: at + 1, pages: chain.length };
  }
}

/**
 * Cost Explorer and Budgets clients answered from a recording, for the CLI: the reader runs
 * unchanged, asking exactly what it asks an account.
 */
export function replayClients(replay: RecordingReplay): CostReportClients {
  const client = {
    send: async (command: { constructor: { name: string }; input: object }) => {
      const operation = command.constructor.name.replace(/Command$/, '') as Operation;
      if (!(operation in OPERATIONS)) throw new RecordingError(`a recording cannot answer ${operation}`);
      return { $metadata: { attempts: 1 }, ...replay.answer(operation, command.input).output };
    },
  };
  return { costExplorer: client, budgets: client } as unknown as CostReportClients;
}

/**
 * The reader run on a recording as it runs on an account, for the month before `now` (the time the
 * recording was taken by default). Each call is tried once: a recorded throttling error answers every
 * retry the same.
 */
export function replayCostData(
  replay: RecordingReplay,
  manifest: RecordingManifest,
  now: Date = new Date(manifest.recordedAt),
): Promise<RecordedCostData> {
  return recordCostData(replayClients(replay), {
    period: reportPeriod(now),
    accountId: manifest.account,
    tagKeys: manifest.tagKeys,
    platformTag: manifest.platformTag,
    now,
    attempts: 1,
  });
}

function sameQuery(exchange: RecordedExchange, query: Record<string, unknown>, token: string): boolean {
  const { [token]: _, ...asked } = exchange.input;
  return isDeepStrictEqual(asked, query);
}

function apiError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/** A value as the JSON protocol sends it: Dates as epoch seconds, undefined fields left out. */
export function toWire(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, key, field) {
      const raw = this[key];
      return raw instanceof Date ? raw.getTime() / 1000 : field;
    }),
  );
}

/** Budgets' timestamps, epoch seconds on the wire, as the SDK hands them over: Dates. */
function fromWire(operation: Operation, output: Record<string, unknown>): Record<string, unknown> {
  type Timestamped = Record<string, unknown> | undefined;
  const toDates = (target: Timestamped, keys: readonly string[]) => {
    if (!target) return;
    for (const key of keys) {
      const value = target[key];
      if (typeof value === 'number') target[key] = new Date(value * 1000);
    }
  };
  if (operation === 'DescribeBudgets') {
    for (const budget of (output.Budgets ?? []) as Record<string, Timestamped>[]) {
      toDates(budget.TimePeriod, ['Start', 'End']);
      toDates(budget as Timestamped, ['LastUpdatedTime']);
      toDates(budget.AutoAdjustData as Timestamped, ['LastAutoAdjustTime']);
    }
  }
  if (operation === 'DescribeBudgetPerformanceHistory') {
    const history = output.BudgetPerformanceHistory as Record<string, unknown> | undefined;
    for (const entry of (history?.BudgetedAndActualAmountsList ?? []) as Record<string, Timestamped>[]) {
      toDates(entry.TimePeriod, ['Start', 'End']);
    }
  }
  return output;
}
