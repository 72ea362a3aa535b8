import type { UploadSiteConfig } from '../../constructs/contracts/predictor';

/**
 * The deployment's `config.json` (written by the predictor stack next to the page): where the API
 * and sign-in are. Checked field by field, so a broken deployment says which field is wrong instead
 * of failing later on an undefined URL.
 */
export async function loadSiteConfig(): Promise<UploadSiteConfig> {
  const response = await fetch('/config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`config.json could not be read (HTTP ${response.status})`);
  const value: unknown = await response.json();
  return siteConfigOf(value);
}

/** `value` as the site's configuration, or an error naming the first field that is wrong. */
export function siteConfigOf(value: unknown): UploadSiteConfig {
  if (typeof value !== 'object' || value === null) throw new Error('config.json is not a JSON object');
  const record = value as Record<string, unknown>;
  const url = (field: string, nullable = false): string | null => {
    const entry = record[field];
    if (nullable && entry === null) return null;
    if (typeof entry !== 'string' || !/^https?:\/\//.test(entry)) {
      throw new Error(`config.json: ${field} must be a URL (got ${JSON.stringify(entry)})`);
    }
    return entry.replace(/\/+$/, '');
  };
  const positive = (field: string): number => {
    const entry = record[field];
    if (typeof entry !== 'number' || !Number.isInteger(entry) || entry < 1) {
      throw new Error(`config.json: ${field} must be a positive whole number (got ${JSON.stringify(entry)})`);
    }
    return entry;
  };
  const text = (field: string): string => {
    const entry = record[field];
    if (typeof entry !== 'string' || entry === '') {
      throw new Error(`config.json: ${field} must be a non-empty string (got ${JSON.stringify(entry)})`);
    }
    return entry;
  };
  return {
    apiUrl: url('apiUrl') as string,
    region: text('region'),
    clientId: text('clientId'),
    signIn: url('signIn', true),
    maxUploadBytes: positive('maxUploadBytes'),
    uploadExpiryDays: positive('uploadExpiryDays'),
  };
}
