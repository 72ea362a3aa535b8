import type { UploadSiteConfig } from '../../constructs/contracts/predictor';
import { apiError, type PlainError } from './error-text';

/** An upload as `/app/uploads` and `/app/results/{id}` show it (lambda/predictor-api/get-result.ts). */
export interface UploadView {
  readonly uploadId: string;
  readonly status: 'PENDING' | 'SUCCEEDED' | 'PARTIAL' | 'FAILED';
  readonly fileName?: string;
  readonly summary: {
    readonly rows?: number;
    readonly scored?: number;
    readonly rejected?: number;
    readonly meanProbability?: number;
    readonly modelVersion?: string;
    readonly durationMs?: number;
  };
  readonly error?: { readonly code: string; readonly message: string };
  readonly rejectedSamples?: readonly { line: number; id?: string; column: string; reason: string }[];
  readonly resultsUrl?: string;
  /** When S3 deletes (or deleted) the scored rows. */
  readonly resultsExpireAt?: string;
  readonly createdAt: string;
  readonly updatedAt?: string;
}

/** `POST /app/uploads`' answer: where to PUT the file. */
export interface UploadTicket {
  readonly uploadId: string;
  readonly uploadUrl: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A refused request, in plain words, with the server's own message as the detail. */
export class SiteError extends Error {
  constructor(
    readonly plain: PlainError,
    readonly detail: string,
    readonly status: number,
  ) {
    super(`${plain.title}: ${detail}`);
  }
}

/** The predictor API's browser routes, each sent with the signed-in person's ID token. */
export class SiteApi {
  constructor(
    private readonly config: UploadSiteConfig,
    private readonly idToken: () => Promise<string>,
  ) {}

  createUpload(file: { fileName: string; contentType: string; bytes: number }): Promise<UploadTicket> {
    return this.request('POST', '/app/uploads', file);
  }

  async recentUploads(): Promise<readonly UploadView[]> {
    return (await this.request<{ uploads: UploadView[] }>('GET', '/app/uploads')).uploads;
  }

  result(uploadId: string): Promise<UploadView> {
    return this.request('GET', `/app/results/${encodeURIComponent(uploadId)}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.config.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await this.idToken()}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new SiteError(
        { title: 'The predictor cannot be reached', advice: 'Check your connection and try again.' },
        (error as Error).message,
        0,
      );
    }
    const answer = (await response.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string };
      message?: string;
    };
    if (!response.ok) {
      throw new SiteError(
        apiError(response.status, answer.error?.code),
        answer.error?.message ?? answer.message ?? `HTTP ${response.status}`,
        response.status,
      );
    }
    return answer as T;
  }
}
