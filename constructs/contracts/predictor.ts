/**
 * What the predictor workload's stack and its Lambdas share about the results table. Constants
 * only, no imports, so the stack loads no Lambda runtime code (AWS SDK, zod) to read them. Not part
 * of the published package's contracts: it is the workload's, not the monitoring library's.
 */

/**
 * The global secondary index of site uploads by uploader: partition `uploaderSub`, sort `createdAt`
 * (ISO UTC text, so text order is time order). Only uploads made through the site carry an uploader.
 */
export const UPLOADER_INDEX = {
  indexName: 'by-uploader',
  partitionKey: 'uploaderSub',
  sortKey: 'createdAt',
} as const;

/**
 * The user pool's opt-out of the "results ready" mail: custom attribute `results_mail`, which Cognito
 * puts in the ID token as `custom:results_mail`; `off` opts the user out.
 */
export const RESULTS_MAIL_OPT_OUT = {
  attribute: 'results_mail',
  claim: 'custom:results_mail',
  off: 'off',
} as const;

/**
 * The upload site's `config.json`, which the predictor stack writes into the site bucket at deploy
 * time (the site stack is in us-east-1 and cannot know the API's URL or the user pool's client):
 * everything the page needs to sign in and call the API.
 */
export interface UploadSiteConfig {
  /** The HTTP API's base URL, `https://<api-id>.execute-api.<region>.amazonaws.com/`. */
  readonly apiUrl: string;
  /** The region of the API, the user pool and the data bucket. */
  readonly region: string;
  /** The user pool's public site client (authorization code with PKCE, no secret). */
  readonly clientId: string;
  /**
   * The Cognito-hosted sign-in domain, `https://<prefix>.auth.<region>.amazoncognito.com`, or null
   * when `predictor.uploadSite.domainPrefix` is not set (the page then cannot sign anyone in).
   */
  readonly signIn: string | null;
  /** The largest upload the API accepts, in bytes: the page refuses bigger files before uploading. */
  readonly maxUploadBytes: number;
  /** Days an upload is kept before S3 expires it, for the page to say so. */
  readonly uploadExpiryDays: number;
}
