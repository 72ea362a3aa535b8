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
