import type { UploadSiteConfig } from '../../constructs/contracts/predictor';

// Session storage: the tokens end with the tab, and another site's script cannot read them.
const TOKENS = 'vigil.tokens';
const PENDING = 'vigil.sign-in';
// Renew a little before the ID token expires, so a request never leaves with a token about to lapse.
const RENEW_BEFORE_MS = 60_000;

interface Tokens {
  readonly idToken: string;
  readonly refreshToken?: string;
  readonly expiresAt: number;
}

interface PendingSignIn {
  readonly state: string;
  readonly verifier: string;
  readonly returnTo: string;
}

/** The person signed in: what the ID token says (its signature is the API's to check, not the page's). */
export interface SignedInUser {
  readonly email: string;
  readonly idToken: string;
}

/**
 * Sign-in with the user pool's authorization code grant and PKCE ("Using PKCE in authorization code
 * grants", Cognito developer guide): the page keeps a random verifier, sends its SHA-256 as the
 * challenge to `/oauth2/authorize`, and trades the returned code with the verifier at
 * `/oauth2/token` ("The token endpoint"). The client has no secret, so the verifier is what stops a
 * stolen code from being traded by anyone else. The local run's token issuer serves the same two
 * endpoints.
 */
export class SignIn {
  constructor(
    private readonly config: UploadSiteConfig,
    private readonly storage: Storage = sessionStorage,
  ) {}

  /** The page's own origin root: the callback URL registered on the app client. */
  get redirectUri(): string {
    return `${location.origin}/`;
  }

  /** Sends the browser to the sign-in page; it comes back to the callback with a code. */
  async start(returnTo: string): Promise<never> {
    const authority = this.authority();
    const verifier = randomText(48);
    const pending: PendingSignIn = { state: randomText(24), verifier, returnTo };
    this.storage.setItem(PENDING, JSON.stringify(pending));
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: this.config.clientId,
      redirect_uri: this.redirectUri,
      scope: 'openid email',
      state: pending.state,
      code_challenge: await challengeOf(verifier),
      code_challenge_method: 'S256',
    });
    location.assign(`${authority}/oauth2/authorize?${query}`);
    return new Promise<never>(() => {});
  }

  /**
   * Finishes a sign-in when the URL carries the authorization server's answer: trades the code, or
   * reports the error it sent. Returns where the person was going, or undefined when the URL has no
   * answer in it.
   */
  async complete(url: URL): Promise<string | undefined> {
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    if (code === null && error === null) return undefined;
    const pending = this.takePending();
    if (error !== null) {
      throw new Error(`Sign-in failed: ${url.searchParams.get('error_description') ?? error}.`);
    }
    if (pending === undefined || pending.state !== url.searchParams.get('state')) {
      throw new Error(
        'Sign-in could not be finished: it was started in another tab or has expired. Sign in again.',
      );
    }
    await this.token({
      grant_type: 'authorization_code',
      client_id: this.config.clientId,
      code: code as string,
      redirect_uri: this.redirectUri,
      code_verifier: pending.verifier,
    });
    return pending.returnTo;
  }

  /** The signed-in user with a current ID token (renewed with the refresh token when due), if any. */
  async user(): Promise<SignedInUser | undefined> {
    let tokens = this.tokens();
    if (tokens === undefined) return undefined;
    if (tokens.expiresAt - RENEW_BEFORE_MS <= Date.now()) {
      if (tokens.refreshToken === undefined) return this.forget();
      try {
        tokens = await this.token(
          {
            grant_type: 'refresh_token',
            client_id: this.config.clientId,
            refresh_token: tokens.refreshToken,
          },
          tokens.refreshToken,
        );
      } catch {
        return this.forget();
      }
    }
    const email = claimsOf(tokens.idToken).email;
    return { email: typeof email === 'string' ? email : 'signed in', idToken: tokens.idToken };
  }

  /** Forgets the tokens and ends the session at the authorization server too. */
  signOut(): void {
    this.forget();
    const query = new URLSearchParams({ client_id: this.config.clientId, logout_uri: this.redirectUri });
    location.assign(`${this.authority()}/logout?${query}`);
  }

  /** Forgets the tokens (the API refused them). */
  forget(): undefined {
    this.storage.removeItem(TOKENS);
    return undefined;
  }

  private authority(): string {
    if (this.config.signIn === null) {
      throw new Error(
        'Sign-in is not set up for this site: the environment needs predictor.uploadSite.domainPrefix (the Cognito sign-in domain).',
      );
    }
    return this.config.signIn;
  }

  private async token(form: Record<string, string>, keptRefreshToken?: string): Promise<Tokens> {
    const response = await fetch(`${this.authority()}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof body.id_token !== 'string') {
      throw new Error(
        `Sign-in failed: ${String(body.error_description ?? body.error ?? `HTTP ${response.status}`)}.`,
      );
    }
    const tokens: Tokens = {
      idToken: body.id_token,
      // A refresh grant returns no new refresh token ("The token endpoint"): the old one stays.
      ...((typeof body.refresh_token === 'string' || keptRefreshToken !== undefined) && {
        refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : keptRefreshToken,
      }),
      expiresAt: Date.now() + Number(body.expires_in ?? 3600) * 1000,
    };
    this.storage.setItem(TOKENS, JSON.stringify(tokens));
    return tokens;
  }

  private tokens(): Tokens | undefined {
    const stored = this.storage.getItem(TOKENS);
    return stored === null ? undefined : (JSON.parse(stored) as Tokens);
  }

  private takePending(): PendingSignIn | undefined {
    const stored = this.storage.getItem(PENDING);
    this.storage.removeItem(PENDING);
    return stored === null ? undefined : (JSON.parse(stored) as PendingSignIn);
  }
}

/** The claims of a JWT, read without checking it: only to show who is signed in. */
function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

function randomText(bytes: number): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
