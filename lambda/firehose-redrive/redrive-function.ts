import { FirehoseClient } from '@aws-sdk/client-firehose';
import { createAwsClients } from '../shared/aws-clients';
import { readEnvironment, requiredText } from '../shared/environment';
import { instrumentHandler } from '../shared/instrument-handler';
import { logger, tracer } from '../shared/observability';
import * as z from '../shared/zod';
import { describeIssues } from '../shared/zod-issues';
import { redriveErrorPrefix } from './redrive';

/** The invocation's payload does not say what to redrive in a way this function can follow. */
export class InvalidRedriveEventError extends Error {
  override readonly name = 'InvalidRedriveEventError';
}

// Everything here runs once per execution environment: a bad setting fails the cold start.
const settings = readEnvironment(
  z.object({
    ARCHIVE_BUCKET_NAME: requiredText,
    DELIVERY_STREAM_NAME: requiredText,
    ERROR_PREFIX: z._default(requiredText, 'errors/'),
  }),
);
const { s3 } = createAwsClients();
// Belongs in createAwsClients with the other clients; made the same way here until it moves there.
const firehose = tracer.captureAWSv3Client(new FirehoseClient({}));

// Strict, so a misspelt `dryrun` fails instead of running for real; the prefix must stay inside the
// error output, or archived logs would be re-put and moved away.
const redriveEvent = z.nullish(
  z.strictObject({
    prefix: z.optional(
      requiredText.check(
        z.refine((prefix) => prefix.startsWith(settings.ERROR_PREFIX), {
          error: `must be under ${settings.ERROR_PREFIX}`,
        }),
      ),
    ),
    maxObjects: z.optional(z.number().check(z.int(), z.gte(1), z.lte(1000))),
    dryRun: z.optional(z.boolean()),
  }),
);

/**
 * Invoked by hand or by a remediation run: `{ prefix?, maxObjects?, dryRun? }`, all optional.
 * Answers with a summary; the full report is in S3 under its `reportKey` (a synchronous answer may
 * not exceed 6 MB). A run that nears its timeout stops starting work and still reports; invoking it
 * again resumes where it stopped.
 */
export const handler = instrumentHandler(async (event: unknown, context) => {
  const parsed = redriveEvent.safeParse(event);
  if (!parsed.success) {
    throw new InvalidRedriveEventError(`Invalid redrive event: ${describeIssues(parsed.error, 'event')}`);
  }
  const report = await redriveErrorPrefix(
    { s3, firehose, remainingTimeMs: () => context.getRemainingTimeInMillis() },
    {
      bucket: settings.ARCHIVE_BUCKET_NAME,
      deliveryStreamName: settings.DELIVERY_STREAM_NAME,
      prefix: parsed.data?.prefix ?? settings.ERROR_PREFIX,
      maxObjects: parsed.data?.maxObjects,
      dryRun: parsed.data?.dryRun,
    },
  );
  const summary = {
    reportKey: report.reportKey,
    dryRun: report.dryRun,
    truncated: report.truncated,
    stoppedForTime: report.stoppedForTime,
    totals: report.totals,
    // Bounded: the report has them all.
    unfinished: report.objects
      .filter((object) => object.status !== 'handled')
      .slice(0, 50)
      .map(({ key, status, resumeAfterLine, stoppedBy, error }) => ({
        key,
        status,
        resumeAfterLine,
        ...(stoppedBy !== undefined && { stoppedBy }),
        ...(error !== undefined && { error }),
      })),
  };
  logger.info('Redrive finished', summary);
  return summary;
});
