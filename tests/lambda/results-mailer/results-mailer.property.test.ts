import '../support/test-environment';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { createResultsMailer } from '../../../lambda/results-mailer/results-mailer';
import { logger, metrics } from '../../../lambda/shared/observability';
import { PENDING, streamEvent, streamRecord } from './fixtures';

const ses = mockClient(SESv2Client);
const mailer = createResultsMailer({
  ses: new SESv2Client({ region: 'eu-west-1' }),
  config: { fromAddress: 'predictor@example.org', configurationSetName: 'set' },
});

const status = fc.constantFrom('PENDING', 'SUCCEEDED', 'PARTIAL', 'FAILED');
const item = fc.record(
  {
    status,
    uploaderEmail: fc.option(fc.emailAddress(), { nil: undefined }),
    notify: fc.option(fc.boolean(), { nil: undefined }),
    scored: fc.nat(),
    rejected: fc.nat(),
    meanProbability: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    fileName: fc.option(fc.string(), { nil: undefined }),
  },
  { requiredKeys: ['status', 'scored', 'rejected', 'meanProbability'] },
);
// Whatever arrives: typed items, arbitrary JSON in place of the images, or records missing parts.
const record = fc.oneof(
  fc
    .tuple(item, fc.option(item, { nil: undefined }), fc.uuid())
    .map(([after, before, id]) =>
      streamRecord(
        { ...PENDING, ...after },
        before === undefined ? undefined : { ...PENDING, ...before },
        id,
      ),
    ),
  fc
    .anything()
    .map((junk) => ({ eventID: 'junk', dynamodb: { SequenceNumber: '1', NewImage: junk } }) as never),
  fc.anything() as fc.Arbitrary<never>,
);

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({});
  jest.spyOn(logger, 'error').mockImplementation(() => undefined);
  jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  // Outside the instrumented handler nothing flushes the buffer; 200 runs would only fill it.
  jest.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
});

describe('results mailer over any stream records', () => {
  it('never throws, fails at most one record, and sends each mail to one address through the configuration set', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 8 }), async (records) => {
        ses.resetHistory();
        const result = await mailer(streamEvent(...records));
        expect(result.batchItemFailures.length).toBeLessThanOrEqual(1);
        const sent = ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);
        const recipients = sent.map((input) => input.Destination?.ToAddresses);
        for (const to of recipients) expect(to).toHaveLength(1);
        for (const input of sent) expect(input.ConfigurationSetName).toBe('set');
        expect(sent.length).toBeLessThanOrEqual(records.length);
        // Only typed records can mail: each mailed address was on a final, not opted-out new image.
        const allowed = new Set(
          records.flatMap((r) => {
            const image = (r as { dynamodb?: { NewImage?: Record<string, { S?: string; BOOL?: boolean }> } })
              ?.dynamodb?.NewImage;
            const final = ['SUCCEEDED', 'PARTIAL', 'FAILED'].includes(image?.status?.S ?? '');
            return final && image?.notify?.BOOL !== false && image?.uploaderEmail?.S
              ? [image.uploaderEmail.S]
              : [];
          }),
        );
        for (const to of recipients) expect(allowed.has(to?.[0] ?? '')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
