/**
 * Loads a handler module fresh, as a cold start does: its own module registry, so everything it
 * reads at load (settings, clients, Powertools) is read again, with `env` as the whole environment.
 * `process.env` stays `env` afterwards (the handler may read it later): restore it after the test.
 * `modulePath` is absolute, or relative to this file; `require.resolve` in the caller gives one.
 */
export function coldStartModule<T>(modulePath: string, env: NodeJS.ProcessEnv): T {
  process.env = env;
  let loaded: T | undefined;
  jest.isolateModules(() => {
    loaded = require(modulePath) as T;
  });
  return loaded as T;
}
