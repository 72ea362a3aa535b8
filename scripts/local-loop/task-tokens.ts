import { randomBytes } from 'node:crypto';
import type { LocalAws } from './local-aws';

/** How a callback task ended: the output a `SendTaskSuccess` gave, or the error of a `SendTaskFailure`. */
export type TaskAnswer =
  | { readonly succeeded: true; readonly output: unknown }
  | { readonly succeeded: false; readonly error: string; readonly cause: string };

/** A task waiting for its token, as {@link LocalTaskTokens.issue} hands it to the state that waits. */
export interface WaitingTask {
  readonly token: string;
  /** Settles when the token is answered. */
  readonly answered: Promise<TaskAnswer>;
  /** The answer once given. */
  answer(): TaskAnswer | undefined;
  /** When the last heartbeat (or the issue) was, in the run's clock. */
  lastBeat(): number;
  /** The task stopped waiting (timed out, or its execution ended): later calls get `TaskTimedOut`. */
  close(): void;
}

// What a token issued here looks like: a marker and 48 random bytes, base64url (Step Functions' own
// tokens are opaque base64 too, up to 2048 characters).
const TOKEN_PREFIX = 'vigil-local-';
const TOKEN = /^vigil-local-[A-Za-z0-9_-]{64}$/;

/**
 * Step Functions' callback side (`.waitForTaskToken`): a token per waiting task, answered by
 * `SendTaskSuccess`, `SendTaskFailure` or kept alive by `SendTaskHeartbeat`, registered on the run's
 * {@link LocalAws} so the real approval function reaches it through its SDK client. Errors are the
 * API's: `InvalidToken` for a token Step Functions could not have issued, `TaskDoesNotExist` for one it
 * did not issue, `TaskTimedOut` for one whose task already closed (answered, timed out, or its
 * execution ended), `InvalidOutput` for output that is not JSON.
 */
export class LocalTaskTokens {
  private readonly tasks = new Map<
    string,
    { open: boolean; answer?: TaskAnswer; beat: number; settle: (answer: TaskAnswer) => void }
  >();

  constructor(
    aws: LocalAws,
    private readonly now: () => number,
  ) {
    aws.on('SFN.SendTaskSuccess', (input: { taskToken?: string; output?: string }) => {
      const task = this.open(input.taskToken);
      let output: unknown;
      try {
        output = JSON.parse(input.output ?? '');
      } catch {
        throw apiError('InvalidOutput', 'The provided JSON output data is not valid.');
      }
      this.settle(task, { succeeded: true, output });
      return {};
    });
    aws.on('SFN.SendTaskFailure', (input: { taskToken?: string; error?: string; cause?: string }) => {
      const task = this.open(input.taskToken);
      this.settle(task, { succeeded: false, error: input.error ?? '', cause: input.cause ?? '' });
      return {};
    });
    aws.on('SFN.SendTaskHeartbeat', (input: { taskToken?: string }) => {
      this.open(input.taskToken).beat = this.now();
      return {};
    });
  }

  /** A new token for a task that waits for it (one per entry into a `.waitForTaskToken` state). */
  issue(): WaitingTask {
    const token = `${TOKEN_PREFIX}${randomBytes(48).toString('base64url')}`;
    let settle: (answer: TaskAnswer) => void = () => {};
    const answered = new Promise<TaskAnswer>((resolve) => {
      settle = resolve;
    });
    const task = { open: true, beat: this.now(), settle } as {
      open: boolean;
      answer?: TaskAnswer;
      beat: number;
      settle: (answer: TaskAnswer) => void;
    };
    this.tasks.set(token, task);
    return {
      token,
      answered,
      answer: () => task.answer,
      lastBeat: () => task.beat,
      close: () => {
        task.open = false;
      },
    };
  }

  private open(token: string | undefined) {
    if (!token || !TOKEN.test(token)) throw apiError('InvalidToken', 'The provided token is not valid.');
    const task = this.tasks.get(token);
    if (!task) throw apiError('TaskDoesNotExist', 'The task does not exist.');
    if (!task.open) {
      throw apiError(
        'TaskTimedOut',
        'The task token has either expired or the task associated with the token has already been closed.',
      );
    }
    return task;
  }

  private settle(
    task: { open: boolean; answer?: TaskAnswer; settle: (a: TaskAnswer) => void },
    answer: TaskAnswer,
  ) {
    task.open = false;
    task.answer = answer;
    task.settle(answer);
  }
}

function apiError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client' });
}
