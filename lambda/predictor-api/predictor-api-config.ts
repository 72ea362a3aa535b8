import { predictorEnvironment, readEnvironment, wholeNumber } from '../shared/environment';
import * as z from '../shared/zod';

/** What the predictor API is told by its environment. */
export interface PredictorApiConfig {
  readonly dataBucketName: string;
  readonly resultsTableName: string;
  /** Largest file a client may declare in `POST /uploads`. */
  readonly maxUploadBytes: number;
  /** Lifetime of presigned upload and download URLs. */
  readonly presignTtlSeconds: number;
  /** Days S3 keeps results (the data bucket's `results/` lifecycle rule): no download link after. */
  readonly resultsRetentionDays: number;
}

export const DEFAULT_PRESIGN_TTL_SECONDS = 900;
// A URL signed with the function's temporary role credentials dies with them; promising longer lies.
const MAX_PRESIGN_TTL_SECONDS = 12 * 3600;

const schema = z.pipe(
  z.extend(predictorEnvironment, {
    PRESIGN_TTL_SECONDS: z._default(
      wholeNumber('seconds', { min: 1, max: MAX_PRESIGN_TTL_SECONDS }),
      DEFAULT_PRESIGN_TTL_SECONDS,
    ),
    RESULTS_RETENTION_DAYS: wholeNumber('days', { min: 1, max: 36_500 }),
  }),
  z.transform(
    (env): PredictorApiConfig => ({
      dataBucketName: env.DATA_BUCKET_NAME,
      resultsTableName: env.RESULTS_TABLE_NAME,
      maxUploadBytes: env.MAX_UPLOAD_BYTES,
      presignTtlSeconds: env.PRESIGN_TTL_SECONDS,
      resultsRetentionDays: env.RESULTS_RETENTION_DAYS,
    }),
  ),
);

/** Reads the API's settings; throws naming every missing or malformed variable. */
export function readPredictorApiConfig(env: NodeJS.ProcessEnv = process.env): PredictorApiConfig {
  return readEnvironment(schema, env);
}
