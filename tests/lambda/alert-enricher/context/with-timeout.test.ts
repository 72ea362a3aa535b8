import {
  ContextTimeoutError,
  ContextUnavailableError,
  withTimeout,
} from '../../../../lambda/alert-enricher/context/with-timeout';

test('the value of an operation that finishes in time', async () => {
  await expect(withTimeout(1000, async () => 'done')).resolves.toBe('done');
});

test('the error of an operation that fails in time', async () => {
  await expect(
    withTimeout(1000, async () => {
      throw new Error('AccessDenied');
    }),
  ).rejects.toThrow('AccessDenied');
});

test('a hung operation is abandoned at the timeout, its signal aborted', async () => {
  let seen: AbortSignal | undefined;
  const started = performance.now();
  const result = withTimeout(50, (signal) => {
    seen = signal;
    return new Promise<never>(() => {});
  });
  await expect(result).rejects.toThrow(new ContextTimeoutError(50));
  expect(performance.now() - started).toBeLessThan(500);
  expect(seen?.aborted).toBe(true);
});

test('the timeout wins over the AbortError of an operation that honours its signal', async () => {
  const result = withTimeout(
    20,
    (signal) =>
      new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () =>
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
        );
      }),
  );
  const error = await result.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ContextTimeoutError);
  expect(error).toBeInstanceOf(ContextUnavailableError);
  expect((error as Error).message).toBe('timed out after 20 ms');
});

test('an operation that finished has its signal aborted, releasing anything it left running', async () => {
  let seen: AbortSignal | undefined;
  await withTimeout(60_000, async (signal) => {
    seen = signal;
  });
  expect(seen?.aborted).toBe(true);
});

test('no timer is left behind, which would keep Lambda and Jest waiting', async () => {
  jest.useFakeTimers();
  try {
    await withTimeout(60_000, async () => 'done');
    await expect(withTimeout(60_000, async () => Promise.reject(new Error('failed')))).rejects.toThrow();
    expect(jest.getTimerCount()).toBe(0);
  } finally {
    jest.useRealTimers();
  }
});
