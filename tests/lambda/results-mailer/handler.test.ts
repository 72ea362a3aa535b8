import '../support/test-environment';
import { coldStartModule } from '../support/cold-start';
import { lambdaContext } from '../support/lambda-context';
import { PENDING, streamEvent, streamRecord } from './fixtures';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
const saved = { ...process.env };
const coldStart = (env: Record<string, string | undefined>) =>
  coldStartModule<{ handler: Handler }>(require.resolve('../../../lambda/results-mailer/handler'), {
    ...saved,
    ...env,
  });

describe('results mailer cold start', () => {
  it('fails naming every missing or malformed variable', () => {
    expect(() => coldStart({ MAIL_CONFIGURATION_SET: 'set', SITE_URL: 'ftp://x' })).toThrow(
      'Invalid Lambda environment: MAIL_FROM_ADDRESS is required; SITE_URL must be an https:// URL',
    );
  });

  // The module registry is the cold start's own, so SES cannot be mocked here (results-mailer.test.ts
  // does): a change that needs no mail shows the wiring without a call.
  it('answers a batch that needs no mail with no failures', async () => {
    const { handler } = coldStart({
      MAIL_FROM_ADDRESS: 'predictor@example.org',
      MAIL_CONFIGURATION_SET: 'set',
    });
    const result = await handler(streamEvent(streamRecord(PENDING, PENDING)), lambdaContext());
    expect(result).toEqual({ batchItemFailures: [] });
  });
});
