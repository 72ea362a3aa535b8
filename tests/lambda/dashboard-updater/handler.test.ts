import '../support/test-environment';
import { coldStartModule } from '../support/cold-start';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const ENVIRONMENT = {
  ENVIRONMENT_NAME: 'test',
  AWS_LAMBDA_FUNCTION_NAME: 'vigil-test-dashboard-updater',
  POWERTOOLS_SERVICE_NAME: 'dashboard-updater',
  POWERTOOLS_METRICS_NAMESPACE: 'Vigil/Dashboards',
};

const coldStart = (env: Record<string, string | undefined>) =>
  coldStartModule<{ handler: unknown }>(require.resolve('../../../lambda/dashboard-updater/handler'), {
    ...saved,
    ...env,
  });

describe('dashboard updater cold start', () => {
  test('fails naming every missing or malformed variable', () => {
    expect(() => coldStart({ ...ENVIRONMENT, ENVIRONMENT_NAME: undefined, MAX_BODY_BYTES: '1kB' })).toThrow(
      'Invalid Lambda environment: ENVIRONMENT_NAME is required; MAX_BODY_BYTES must be a whole number of bytes (got "1kB")',
    );
  });

  test('exports a handler when the environment is complete', () => {
    expect(coldStart(ENVIRONMENT).handler).toEqual(expect.any(Function));
  });
});
