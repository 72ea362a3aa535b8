import {
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  type LambdaClient,
  PutFunctionConcurrencyCommand,
  type PutFunctionConcurrencyCommandInput,
} from '@aws-sdk/client-lambda';
import * as z from '../../shared/zod';
import type { ActionResult, RemediationPlan, TargetState } from '../remediation-types';
import {
  actOn,
  type Changes,
  isAwsError,
  makeCalls,
  nothingToDo,
  type Playbook,
  PlaybookError,
  type PlaybookStep,
  planOf,
  type TargetOf,
} from './playbook';

type FunctionTarget = TargetOf<'lambda-function'>;

export interface LambdaConcurrencyOptions {
  /** Reserved concurrency is multiplied by this (and raised by at least 10). @default 2 */
  readonly factor?: number;
  /** Reserved concurrency is never raised above this, whatever the account could spare. @default 1000 */
  readonly maxReservedConcurrency?: number;
}

/** The function's reserved concurrency and the account's, before the run. */
export interface ConcurrencySnapshot {
  /** null when the function reserves nothing and draws on the account's unreserved pool. */
  readonly reservedConcurrency: number | null;
  /** The account's concurrency limit in the region (AccountLimit.ConcurrentExecutions). */
  readonly accountConcurrency: number;
  /** What no function reserves (AccountLimit.UnreservedConcurrentExecutions). */
  readonly unreservedConcurrency: number;
}

const count = z.number().check(z.int(), z.gte(0));
const concurrencySnapshot: z.ZodMiniType<ConcurrencySnapshot> = z.object({
  reservedConcurrency: z.nullable(count),
  accountConcurrency: count,
  unreservedConcurrency: count,
});

const MINIMUM_RAISE = 10;
// Lambda refuses a reservation that would leave fewer than 100 unreserved in the account.
const UNRESERVED_FLOOR = 100;

/** Raises a throttled function's reserved concurrency, within what the account can spare. */
export class LambdaConcurrency implements Playbook<'lambda-function', ConcurrencySnapshot> {
  readonly id = 'lambda-concurrency';
  readonly targetKind = 'lambda-function';
  readonly snapshotSchema = concurrencySnapshot;
  private readonly factor: number;
  private readonly maxReservedConcurrency: number;

  constructor(
    private readonly lambda: LambdaClient,
    options: LambdaConcurrencyOptions = {},
  ) {
    this.factor = options.factor ?? 2;
    this.maxReservedConcurrency = options.maxReservedConcurrency ?? 1000;
    if (!(this.factor > 1)) throw new RangeError(`factor must be above 1 (got ${this.factor})`);
    if (!Number.isInteger(this.maxReservedConcurrency) || this.maxReservedConcurrency < 1) {
      throw new RangeError(
        `maxReservedConcurrency must be a whole number from 1 (got ${this.maxReservedConcurrency})`,
      );
    }
  }

  async describe(target: FunctionTarget): Promise<TargetState> {
    try {
      const { Configuration, Tags } = await this.lambda.send(
        new GetFunctionCommand({ FunctionName: target.functionName }),
      );
      return { exists: true, arn: Configuration?.FunctionArn, tags: Tags ?? {} };
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return { exists: false, tags: {} };
      throw error;
    }
  }

  async snapshot(target: FunctionTarget): Promise<ConcurrencySnapshot> {
    try {
      const { ReservedConcurrentExecutions } = await this.lambda.send(
        new GetFunctionConcurrencyCommand({ FunctionName: target.functionName }),
      );
      const { AccountLimit } = await this.lambda.send(new GetAccountSettingsCommand({}));
      if (AccountLimit?.ConcurrentExecutions === undefined) {
        throw new Error('GetAccountSettings answered without the account concurrency limit');
      }
      return {
        reservedConcurrency: ReservedConcurrentExecutions ?? null,
        accountConcurrency: AccountLimit.ConcurrentExecutions,
        unreservedConcurrency: AccountLimit.UnreservedConcurrentExecutions ?? 0,
      };
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) throw notFound(target, error);
      throw error;
    }
  }

  plan(target: FunctionTarget, snapshot: ConcurrencySnapshot): RemediationPlan {
    return planOf(this.changes(target, snapshot));
  }

  act(target: FunctionTarget, snapshot: ConcurrencySnapshot, plan: RemediationPlan): Promise<ActionResult> {
    return actOn(this.changes(target, snapshot), plan);
  }

  /**
   * Puts the snapshot's value back only over the value this run set: still the snapshot's means `act`
   * never got to change it (nothing to undo); anything else is an operator's and is left alone.
   */
  async rollback(target: FunctionTarget, snapshot: ConcurrencySnapshot): Promise<ActionResult> {
    const { reservedConcurrency } = snapshot;
    const planned = this.changes(target, snapshot);
    const raised = planned.raised;
    if (reservedConcurrency === null || raised === undefined) return makeCalls([]);
    const current = await this.currentReservation(target);
    if (current === reservedConcurrency) return makeCalls([]);
    return makeCalls([
      this.putConcurrency(
        target,
        reservedConcurrency,
        `put reserved concurrency of ${target.functionName} back to ${reservedConcurrency}`,
        raised,
      ),
    ]);
  }

  private changes(target: FunctionTarget, snapshot: ConcurrencySnapshot): Changes & { raised?: number } {
    const current = snapshot.reservedConcurrency;
    const name = target.functionName;
    if (current === null) {
      return nothingToDo(
        `${name} reserves no concurrency, so it is throttled by the account's limit of ${snapshot.accountConcurrency}; this playbook does not change the account limit (ask AWS Support for a higher quota)`,
      );
    }
    if (current === 0) {
      return nothingToDo(`${name} has reserved concurrency 0: it was switched off on purpose`);
    }
    const wanted = Math.max(Math.ceil(current * this.factor), current + MINIMUM_RAISE);
    const spare = current + snapshot.unreservedConcurrency - UNRESERVED_FLOOR;
    const raised = Math.min(wanted, spare, this.maxReservedConcurrency);
    if (raised <= current) {
      return nothingToDo(
        current >= this.maxReservedConcurrency
          ? `${name} already reserves ${current}, at or above this playbook's bound of ${this.maxReservedConcurrency}`
          : `the account has no concurrency to spare for ${name}: ${snapshot.unreservedConcurrency} is unreserved and Lambda keeps ${UNRESERVED_FLOOR} of it unreserved`,
      );
    }
    const cap =
      raised === wanted ? '' : raised === spare ? ', all the account can spare' : ", this playbook's bound";
    const reason = `raise reserved concurrency of ${name} from ${current} to ${raised}${cap}`;
    return { steps: [this.putConcurrency(target, raised, reason, current)], raised };
  }

  private async currentReservation(target: FunctionTarget): Promise<number | null> {
    try {
      const { ReservedConcurrentExecutions } = await this.lambda.send(
        new GetFunctionConcurrencyCommand({ FunctionName: target.functionName }),
      );
      return ReservedConcurrentExecutions ?? null;
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) throw notFound(target, error);
      throw error;
    }
  }

  /**
   * PutFunctionConcurrency has no condition, so the write is a read-compare-write: it is made only
   * while the function still reserves `expected` (an operator's kill switch of 0, or a value set by
   * hand, is never overwritten), and read back after, to report a change that raced the write.
   */
  private putConcurrency(
    target: FunctionTarget,
    reserved: number,
    reason: string,
    expected: number | null,
  ): PlaybookStep {
    const parameters = {
      FunctionName: target.functionName,
      ReservedConcurrentExecutions: reserved,
    } satisfies PutFunctionConcurrencyCommandInput;
    const changed = (now: number | null, when: string) =>
      new PlaybookError(
        'TARGET_CHANGED',
        `reserved concurrency of ${target.functionName} is ${now ?? 'unset'} ${when}, not ${expected ?? 'unset'} as this run ` +
          'expected: someone else changed it, and this run leaves it as it is',
      );
    return {
      call: { service: 'lambda', action: 'PutFunctionConcurrency', parameters, reason },
      make: async () => {
        try {
          const before = await this.currentReservation(target);
          if (before !== expected) throw changed(before, 'before the change');
          const answer = await this.lambda.send(new PutFunctionConcurrencyCommand(parameters));
          const after = await this.currentReservation(target);
          if (after !== reserved) throw changed(after, 'right after the change');
          return answer;
        } catch (error) {
          if (isAwsError(error, 'ResourceNotFoundException')) throw notFound(target, error);
          throw error;
        }
      },
    };
  }
}

function notFound(target: FunctionTarget, cause?: unknown): PlaybookError {
  return new PlaybookError('NOT_FOUND', `function ${target.functionName} does not exist`, { cause });
}
