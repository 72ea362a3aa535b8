import '../support/test-environment';
import { SESv2Client, SendEmailCommand, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { createResultsMailer } from '../../../lambda/results-mailer/results-mailer';
import { readResultsMailerConfig } from '../../../lambda/results-mailer/results-mailer-config';
import { logger } from '../../../lambda/shared/observability';
import { FAILED, PENDING, SUCCEEDED, streamEvent, streamRecord, UPLOAD_ID } from './fixtures';

const ses = mockClient(SESv2Client);
const config = {
  fromAddress: 'predictor@example.org',
  configurationSetName: 'vigil-test-predictor-results-mail',
  siteUrl: 'https://uploads.example.org',
};
// maxAttempts 1: the SDK would otherwise retry the throttling itself, and these tests are about what
// the mailer does once the SDK gives up.
const mailer = createResultsMailer({ ses: new SESv2Client({ region: 'eu-west-1', maxAttempts: 1 }), config });

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'message-1' });
});
afterEach(() => jest.restoreAllMocks());

const sent = () => ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);

describe('results mailer', () => {
  it('mails the uploader once the upload succeeds, through the configuration set, with the numbers and the link', async () => {
    const result = await mailer(streamEvent(streamRecord(SUCCEEDED, PENDING)));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sent()).toHaveLength(1);
    const input = sent()[0];
    expect(input).toMatchObject({
      FromEmailAddress: 'predictor@example.org',
      Destination: { ToAddresses: ['analyst@example.org'] },
      ConfigurationSetName: 'vigil-test-predictor-results-mail',
    });
    const simple = input?.Content?.Simple;
    expect(simple?.Subject?.Data).toBe('Your upload crimes-2024.csv was scored');
    const text = simple?.Body?.Text?.Data ?? '';
    for (const line of [
      'Status: SUCCEEDED',
      'Rows scored: 1200',
      'Rows rejected: 0',
      'Mean arrest probability: 0.213',
      'Model version: arrest-model-2026-11',
      `https://uploads.example.org/results/${UPLOAD_ID}`,
    ]) {
      expect(text).toContain(line);
    }
    expect(simple?.Body?.Html?.Data).toContain(`<a href="https://uploads.example.org/results/${UPLOAD_ID}">`);
  });

  it("quotes a FAILED upload's error in plain words", async () => {
    await mailer(streamEvent(streamRecord(FAILED, PENDING)));
    const simple = sent()[0]?.Content?.Simple;
    expect(simple?.Subject?.Data).toBe('Your upload crimes-2024.csv could not be scored');
    expect(simple?.Body?.Text?.Data).toContain(`What went wrong: ${FAILED.message}`);
    expect(simple?.Body?.Text?.Data).toContain('Error code: MISSING_COLUMNS');
  });

  it('says to open the site when no site URL is configured', async () => {
    const { siteUrl: _, ...withoutSite } = config;
    const noLink = createResultsMailer({
      ses: new SESv2Client({ region: 'eu-west-1' }),
      config: withoutSite,
    });
    await noLink(streamEvent(streamRecord(SUCCEEDED, PENDING)));
    const simple = sent()[0]?.Content?.Simple;
    expect(simple?.Body?.Text?.Data).toContain('Open the upload site to see the full result.');
    expect(simple?.Body?.Html?.Data).not.toContain('<a ');
  });

  it('escapes the file name in the HTML part', async () => {
    await mailer(streamEvent(streamRecord({ ...SUCCEEDED, fileName: '<b>x</b>.csv' }, PENDING)));
    expect(sent()[0]?.Content?.Simple?.Body?.Html?.Data).toContain('&#60;b&#62;x&#60;/b&#62;.csv');
  });

  it('sends nothing to an uploader who opted out', async () => {
    const result = await mailer(
      streamEvent(streamRecord({ ...SUCCEEDED, notify: false }, { ...PENDING, notify: false })),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sent()).toEqual([]);
  });

  it('mails once when the same change arrives twice in a batch', async () => {
    const record = streamRecord(SUCCEEDED, PENDING);
    await mailer(streamEvent(record, { ...record, eventID: 'again' }));
    expect(sent()).toHaveLength(1);
  });

  it('does not mail again when an already final item is written again (a retry replacing INTERNAL, a redrive)', async () => {
    await mailer(
      streamEvent(
        streamRecord(SUCCEEDED, { ...FAILED, errorCode: 'INTERNAL' }),
        streamRecord(SUCCEEDED, SUCCEEDED),
      ),
    );
    expect(sent()).toEqual([]);
  });

  it('mails an item that was first written final (no PENDING item before it)', async () => {
    await mailer(streamEvent(streamRecord(SUCCEEDED)));
    expect(sent()).toHaveLength(1);
  });

  it('reports a throttled send as the batch item failure, after sending the records before it', async () => {
    const other = '0a0a0a0a-1111-4222-8333-444444444444';
    ses
      .on(SendEmailCommand, { Destination: { ToAddresses: ['second@example.org'] } })
      .rejects(new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: {} }));
    const first = streamRecord(SUCCEEDED, PENDING);
    const throttled = streamRecord(
      { ...SUCCEEDED, uploaderEmail: 'second@example.org' },
      { ...PENDING, uploaderEmail: 'second@example.org' },
      other,
    );
    const later = streamRecord(FAILED, PENDING, '0b0b0b0b-1111-4222-8333-444444444444');
    const result = await mailer(streamEvent(first, throttled, later));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: throttled.dynamodb?.SequenceNumber }] });
    // The first was sent; the last is left for the retry, which resumes at the throttled record.
    expect(sent().map((input) => input.Destination?.ToAddresses?.[0])).toEqual([
      'analyst@example.org',
      'second@example.org',
    ]);
  });

  it('reports a malformed record as a batch item failure with a clear log, not a crash', async () => {
    const errors = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const broken = streamRecord({ ...SUCCEEDED, scored: 'many' }, PENDING);
    const result = await mailer(streamEvent(broken));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: broken.dynamodb?.SequenceNumber }] });
    expect(errors).toHaveBeenCalledWith(
      expect.stringContaining('Unreadable stream record'),
      expect.objectContaining({ reason: expect.stringContaining('NewImage') }),
    );
    expect(sent()).toEqual([]);
  });

  it('fails a record without NewImage, naming the stream view type it needs', async () => {
    const errors = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const record = streamRecord(SUCCEEDED, PENDING);
    const { NewImage: _, ...keysOnly } = record.dynamodb ?? {};
    const result = await mailer(streamEvent({ ...record, dynamodb: keysOnly }));
    expect(result.batchItemFailures).toHaveLength(1);
    expect(errors).toHaveBeenCalledWith(
      expect.any(String),
      expect.objectContaining({ reason: expect.stringContaining('NEW_AND_OLD_IMAGES') }),
    );
  });
});

describe('results mailer configuration', () => {
  const env = { MAIL_FROM_ADDRESS: 'predictor@example.org', MAIL_CONFIGURATION_SET: 'set' };

  it('reads the sender, configuration set and optional site', () => {
    expect(readResultsMailerConfig(env)).toEqual({
      fromAddress: 'predictor@example.org',
      configurationSetName: 'set',
    });
    expect(readResultsMailerConfig({ ...env, SITE_URL: 'https://uploads.example.org' }).siteUrl).toBe(
      'https://uploads.example.org',
    );
  });

  it('names every bad variable', () => {
    expect(() => readResultsMailerConfig({ SITE_URL: 'http://uploads.example.org' })).toThrow(
      /MAIL_FROM_ADDRESS is required.*MAIL_CONFIGURATION_SET is required.*SITE_URL must be an https:\/\/ URL/,
    );
  });
});
