import { ConfigError, parseEnvironmentConfig } from '../../config/load-config';

const minimal = { name: 'dev', tags: { owner: 'team-a', costCenter: 'cc-1' } };

function withSite(uploadSite: Record<string, unknown>) {
  return parseEnvironmentConfig({ ...minimal, predictor: { uploadSite } });
}

function errorOf(uploadSite: Record<string, unknown>): string {
  try {
    withSite(uploadSite);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('predictor.uploadSite', () => {
  it('defaults to no self sign-up, no callback URLs, no domain, and uploads kept one day', () => {
    expect(parseEnvironmentConfig(minimal).predictor.uploadSite).toEqual({
      selfSignUp: false,
      callbackUrls: [],
      uploadExpiryDays: 1,
    });
  });

  it('accepts https callback URLs and http only on localhost', () => {
    const urls = ['https://uploads.example.org/callback', 'http://localhost:4780/'];
    expect(withSite({ callbackUrls: urls }).predictor.uploadSite.callbackUrls).toEqual(urls);
  });

  // Cognito: "HTTPS over HTTP except for http://localhost for testing purposes only" (CreateUserPoolClient).
  it.each(['http://uploads.example.org/', 'http://127.0.0.1:4780/', 'ftp://uploads.example.org/'])(
    'rejects the non-https callback URL %s, naming the field',
    (url) => {
      expect(errorOf({ callbackUrls: [url] })).toContain(
        `predictor.uploadSite.callbackUrls.0 must be an https:// URL, or http://localhost for development (got "${url}")`,
      );
    },
  );

  it('rejects a callback URL with a fragment, and one that is no URL', () => {
    expect(errorOf({ callbackUrls: ['https://uploads.example.org/#signed-in'] })).toContain(
      'predictor.uploadSite.callbackUrls.0 must not include a fragment',
    );
    expect(errorOf({ callbackUrls: ['uploads.example.org'] })).toContain(
      'predictor.uploadSite.callbackUrls.0 must be an absolute URL',
    );
  });

  it('accepts a Cognito domain prefix and rejects one CreateUserPoolDomain would refuse', () => {
    expect(withSite({ domainPrefix: 'vigil-prod-uploads' }).predictor.uploadSite.domainPrefix).toBe(
      'vigil-prod-uploads',
    );
    for (const prefix of ['Uploads_Site', '-uploads', 'uploads-', 'a'.repeat(64)]) {
      expect(errorOf({ domainPrefix: prefix })).toContain(
        'predictor.uploadSite.domainPrefix must be 1 to 63 lowercase letters, digits and inner hyphens',
      );
    }
  });

  it('takes whole days of at least 1 for the upload expiry, and refuses a misspelt field', () => {
    expect(withSite({ uploadExpiryDays: 3 }).predictor.uploadSite.uploadExpiryDays).toBe(3);
    expect(errorOf({ uploadExpiryDays: 0 })).toContain(
      'predictor.uploadSite.uploadExpiryDays must be at least 1',
    );
    expect(errorOf({ uploadExpiryDays: 1.5 })).toContain(
      'predictor.uploadSite.uploadExpiryDays must be a whole number of days',
    );
    expect(errorOf({ selfSignup: true })).toContain('predictor.uploadSite');
  });
});

describe('predictor.uploadSite.siteUrl and predictor.resultsMail', () => {
  const withMail = (resultsMail: Record<string, unknown>) =>
    parseEnvironmentConfig({ ...minimal, predictor: { resultsMail } });
  const mailError = (resultsMail: Record<string, unknown>) => {
    try {
      withMail(resultsMail);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected the config to be rejected');
  };

  it('has no site URL and the mail off by default', () => {
    const { predictor } = parseEnvironmentConfig(minimal);
    expect(predictor.uploadSite.siteUrl).toBeUndefined();
    expect(predictor.resultsMail).toEqual({ enabled: false });
  });

  it('accepts an https site URL only', () => {
    expect(withSite({ siteUrl: 'https://uploads.example.org' }).predictor.uploadSite.siteUrl).toBe(
      'https://uploads.example.org',
    );
    expect(errorOf({ siteUrl: 'http://uploads.example.org' })).toContain(
      'predictor.uploadSite.siteUrl must be an https:// URL',
    );
  });

  it('accepts a sender of a verified domain or the verified address itself', () => {
    const domain = { enabled: true, fromAddress: 'predictor@example.org', identity: 'example.org' };
    expect(withMail(domain).predictor.resultsMail).toEqual(domain);
    const address = { enabled: true, fromAddress: 'me@example.org', identity: 'me@example.org' };
    expect(withMail(address).predictor.resultsMail).toEqual(address);
  });

  it('needs fromAddress and identity when enabled', () => {
    const message = mailError({ enabled: true });
    expect(message).toContain('predictor.resultsMail.fromAddress is required when enabled is true');
    expect(message).toContain('predictor.resultsMail.identity is required when enabled is true');
  });

  it('rejects a sender that is not an email address, or not of the identity', () => {
    expect(mailError({ enabled: true, fromAddress: 'predictor', identity: 'example.org' })).toContain(
      'predictor.resultsMail.fromAddress must be an email address',
    );
    expect(
      mailError({ enabled: true, fromAddress: 'predictor@elsewhere.org', identity: 'example.org' }),
    ).toContain('predictor.resultsMail.fromAddress must be the identity example.org or an address of it');
    expect(mailError({ identity: 'not a domain' })).toContain(
      'predictor.resultsMail.identity must be a domain (example.org) or an email address',
    );
  });
});
