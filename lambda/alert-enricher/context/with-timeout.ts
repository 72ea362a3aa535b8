/**
 * A context source that ended without a value for a reason worth saying as it is, e.g. `throttled`:
 * its message becomes the missing-context reason, without an error name in front.
 */
export class ContextUnavailableError extends Error {
  override readonly name: string = 'ContextUnavailableError';
}

export class ContextTimeoutError extends ContextUnavailableError {
  override readonly name = 'ContextTimeoutError';

  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

/**
 * Runs `operation`, rejecting with a {@link ContextTimeoutError} once `timeoutMs` have passed.
 * The signal is aborted then, so SDK calls given it free their sockets; the timer is raced rather
 * than trusted to the abort, because a hung call may never look at the signal.
 */
export async function withTimeout<T>(
  timeoutMs: number,
  operation: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ContextTimeoutError(timeoutMs);
      // Rejected before aborting, so the operation's own AbortError cannot win the race.
      reject(error);
      controller.abort(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([operation(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
    // Whatever the operation left running (a request after a failed step) is not needed any more.
    controller.abort();
  }
}
