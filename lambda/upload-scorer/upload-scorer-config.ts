import { predictorEnvironment, readEnvironment, share } from '../shared/environment';
import * as z from '../shared/zod';

/** What the upload scorer is told by its environment. */
export interface UploadScorerConfig {
  /** Bucket the results files are written to (the same bucket the uploads land in). */
  readonly dataBucketName: string;
  readonly resultsTableName: string;
  /** Largest upload scored, in bytes as stored (compressed when gzip). */
  readonly maxUploadBytes: number;
  /** Share of rejected rows above which the whole file fails. */
  readonly maxRejectedShare: number;
}

const schema = z.pipe(
  z.extend(predictorEnvironment, { MAX_REJECTED_SHARE: share }),
  z.transform(
    (env): UploadScorerConfig => ({
      dataBucketName: env.DATA_BUCKET_NAME,
      resultsTableName: env.RESULTS_TABLE_NAME,
      maxUploadBytes: env.MAX_UPLOAD_BYTES,
      maxRejectedShare: env.MAX_REJECTED_SHARE,
    }),
  ),
);

/** Reads the scorer's settings; throws naming every missing or malformed variable. */
export function readUploadScorerConfig(env: NodeJS.ProcessEnv = process.env): UploadScorerConfig {
  return readEnvironment(schema, env);
}
