import { INPUT_ERROR_CODES } from '../../../predictor/inference/scoring-types';
import { SCORER_ERRORS, scorerError } from '../../../predictor/site/error-text';
import { checkFile, FileRefused } from '../../../predictor/site/file-check';
import { siteConfigOf } from '../../../predictor/site/site-config';

const gzip = new Uint8Array([0x1f, 0x8b, 8, 0]);
const refusal = (file: File, max = 1000) =>
  checkFile(file, max).then(
    () => undefined,
    (error: unknown) => (error instanceof FileRefused ? error.plain.title : String(error)),
  );

describe('the file check before upload', () => {
  test('accepts .csv and gzip .csv.gz, named in any case, with the type the API expects', async () => {
    await expect(checkFile(new File(['a,b'], 'export.CSV'), 1000)).resolves.toMatchObject({
      contentType: 'text/csv',
    });
    await expect(checkFile(new File([gzip], 'export.csv.gz'), 1000)).resolves.toMatchObject({
      contentType: 'application/gzip',
    });
  });

  test('refuses, in plain words, what the API or the scorer would refuse anyway', async () => {
    expect(await refusal(new File(['a'], 'notes.txt'))).toBe('notes.txt is not a crimes export');
    expect(await refusal(new File([], 'empty.csv'))).toBe('empty.csv is empty');
    expect(await refusal(new File(['x'.repeat(3_500_000)], 'big.csv'), 2_000_000)).toBe(
      'big.csv is 3.5 MB, over the 2 MB limit',
    );
    expect(await refusal(new File(['a,b'], 'plain.csv.gz'))).toBe(
      'plain.csv.gz is named .csv.gz but is not gzip',
    );
  });
});

test('every error the scorer can record has words for the uploader, and an unknown code is still shown', () => {
  for (const code of [...INPUT_ERROR_CODES, 'INTERNAL'] as const) {
    expect(SCORER_ERRORS[code].title.length).toBeGreaterThan(10);
    expect(SCORER_ERRORS[code].advice.length).toBeGreaterThan(20);
  }
  expect(scorerError('NEW_CODE').title).toBe('Scoring failed (NEW_CODE)');
});

describe("the deployment's config.json", () => {
  const good = {
    apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/',
    region: 'eu-west-1',
    clientId: 'client',
    signIn: null,
    maxUploadBytes: 1000,
    uploadExpiryDays: 1,
  };

  test('read as written, with trailing slashes off the URLs', () => {
    expect(siteConfigOf(good)).toEqual({
      ...good,
      apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com',
    });
  });

  test.each([
    [{ ...good, apiUrl: 'abc' }, 'config.json: apiUrl must be a URL (got "abc")'],
    [{ ...good, signIn: 3 }, 'config.json: signIn must be a URL (got 3)'],
    [{ ...good, clientId: '' }, 'config.json: clientId must be a non-empty string (got "")'],
    [
      { ...good, maxUploadBytes: 1.5 },
      'config.json: maxUploadBytes must be a positive whole number (got 1.5)',
    ],
    [[], 'config.json: apiUrl must be a URL (got undefined)'],
    [null, 'config.json is not a JSON object'],
  ])('a broken file names its field: %j', (value, message) => {
    expect(() => siteConfigOf(value)).toThrow(message);
  });
});
