import { isDeepStrictEqual } from 'node:util';
import type { LocalAws } from './local-aws';

/**
 * API answers recorded from a real account: each exchange is one request, without its page token,
 * and every page the service answered, in the response shapes of the API reference it names.
 */
export interface Recording {
  readonly exchanges: readonly RecordedExchange[];
}

export interface RecordedExchange {
  /** `Service.Operation`, as {@link LocalAws.on} keys it (`CostExplorer.GetCostAndUsage`). */
  readonly operation: string;
  /** The API reference page the response shape is from. */
  readonly reference: string;
  readonly request: Record<string, unknown>;
  /** In order; each page but the last names the next one with its page token. */
  readonly pages: readonly Record<string, unknown>[];
}

/** One answered call, for the timeline. */
export interface AnsweredCall {
  readonly operation: string;
  readonly request: Record<string, unknown>;
  /** 1-based. */
  readonly page: number;
  readonly pages: number;
  readonly answer: Record<string, unknown>;
}

/** How an operation pages, and what it throws for what it does not have. */
interface Paging {
  readonly requestToken: string;
  readonly responseToken: string;
  /** Thrown for a request the recording does not hold: the error the API documents for missing data. */
  readonly missing: string;
  /** The response's wire timestamps (epoch seconds) that the SDK hands over as `Date`s. */
  readonly timestamps?: (page: Record<string, unknown>) => void;
}

const PAGING: Readonly<Record<string, Paging>> = {
  'CostExplorer.GetCostAndUsage': {
    requestToken: 'NextPageToken',
    responseToken: 'NextPageToken',
    missing: 'DataUnavailableException',
  },
  'CostExplorer.GetCostForecast': {
    requestToken: 'NextPageToken',
    responseToken: 'NextPageToken',
    missing: 'DataUnavailableException',
  },
  'CostExplorer.GetAnomalies': {
    requestToken: 'NextPageToken',
    responseToken: 'NextPageToken',
    missing: 'DataUnavailableException',
  },
  'Budgets.DescribeBudgets': {
    requestToken: 'NextToken',
    responseToken: 'NextToken',
    // Budgets answers NotFoundException for an account without (those) budgets.
    missing: 'NotFoundException',
    timestamps: (page) => {
      for (const budget of (page.Budgets ?? []) as Record<string, Record<string, unknown> | undefined>[]) {
        toDates(budget.TimePeriod, ['Start', 'End']);
        toDates(budget as Record<string, unknown>, ['LastUpdatedTime']);
        toDates(budget.AutoAdjustData as Record<string, unknown> | undefined, ['LastAutoAdjustTime']);
      }
    },
  },
};

/**
 * Answers the recorded operations from the recording, by request: a call is answered only when its
 * request (page token aside) equals a recorded one, with the page its token names. Anything else
 * fails as the API does — `InvalidNextTokenException` for an unknown token,
 * `RequestChangedException` for a token used with other parameters, and the documented
 * missing-data error for a request never recorded — and is listed in {@link unrecorded}, so a run
 * never answers with a shape made up here.
 */
export function answerFromRecording(
  aws: LocalAws,
  recording: Recording,
  onAnswer: (call: AnsweredCall) => void = () => {},
) {
  const unrecorded: string[] = [];
  const asked = new Set<RecordedExchange>();
  const operations = new Set(recording.exchanges.map((exchange) => exchange.operation));
  for (const operation of operations) {
    const paging = PAGING[operation];
    if (!paging) throw new Error(`the recording holds ${operation}, which no stand-in here answers`);
    const exchanges = recording.exchanges.filter((exchange) => exchange.operation === operation);
    aws.on(operation, (input: Record<string, unknown>) => {
      const { [paging.requestToken]: token, ...asSent } = input;
      // As it goes on the wire: fields left undefined are not sent.
      const request = JSON.parse(JSON.stringify(asSent)) as Record<string, unknown>;
      const exchange = exchanges.find((candidate) => isDeepStrictEqual(candidate.request, request));
      const fail = (name: string, message: string) => {
        unrecorded.push(`${operation} ${JSON.stringify(input)}: ${name}`);
        throw Object.assign(new Error(message), {
          name,
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      };
      const index =
        exchange === undefined ? undefined : token === undefined ? 0 : pageAfter(exchange, paging, token);
      if (exchange === undefined || index === undefined) {
        const handedOutElsewhere =
          token !== undefined &&
          exchanges.some(
            (candidate) => candidate !== exchange && pageAfter(candidate, paging, token) !== undefined,
          );
        if (handedOutElsewhere) {
          return fail(
            'RequestChangedException',
            'Your request parameters changed between pages. Try again with the old parameters or without a pagination token.',
          );
        }
        if (exchange === undefined) {
          return fail(
            paging.missing,
            `The requested data is unavailable (not in the recording: ${JSON.stringify(request)}).`,
          );
        }
        return fail(
          'InvalidNextTokenException',
          'The pagination token is invalid. Try again without a pagination token.',
        );
      }
      asked.add(exchange);
      const answer = structuredClone(exchange.pages[index] as Record<string, unknown>);
      paging.timestamps?.(answer);
      onAnswer({ operation, request, page: index + 1, pages: exchange.pages.length, answer });
      return answer;
    });
  }
  return {
    /** Calls the recording could not answer, each with the error it got. */
    unrecorded,
    /** Recorded exchanges no call asked for. */
    unasked: () => recording.exchanges.filter((exchange) => !asked.has(exchange)),
  };
}

/** The index of the page that `token` names in `exchange`, if one of its pages handed it out. */
function pageAfter(exchange: RecordedExchange, paging: Paging, token: unknown): number | undefined {
  const before = exchange.pages.findIndex((page) => page[paging.responseToken] === token);
  return before === -1 || before + 1 >= exchange.pages.length ? undefined : before + 1;
}

function toDates(target: Record<string, unknown> | undefined, keys: readonly string[]): void {
  if (!target) return;
  for (const key of keys) {
    const value = target[key];
    if (typeof value === 'number') target[key] = new Date(value * 1000);
  }
}
