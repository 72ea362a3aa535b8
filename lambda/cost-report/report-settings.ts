import { readEnvironment, requiredText, wholeNumber } from '../shared/environment';
import * as z from '../shared/zod';
import type { MonthlyReportSettings } from './monthly-report';

const list = z.pipe(
  requiredText,
  z.transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  ),
);

const schema = z.pipe(
  z.object({
    ACCOUNT_ID: requiredText.check(z.regex(/^\d{12}$/, { error: 'must be a 12-digit account id' })),
    REPORT_BUCKET_NAME: requiredText,
    COST_TOPIC_ARN: requiredText,
    TAG_KEYS: list,
    PLATFORM_TAG: requiredText.check(z.regex(/^[^=]+=.+$/, { error: 'must be KEY=VALUE' })),
    LINK_TTL_SECONDS: wholeNumber('seconds', { min: 60, max: 43_200 }),
    EMAIL_FROM: z.optional(z.email()),
    EMAIL_TO: z.optional(list),
  }),
  z.transform((env): MonthlyReportSettings => {
    const [key = '', value = ''] = env.PLATFORM_TAG.split('=');
    return {
      accountId: env.ACCOUNT_ID,
      bucketName: env.REPORT_BUCKET_NAME,
      topicArn: env.COST_TOPIC_ARN,
      tagKeys: env.TAG_KEYS,
      platformTag: { key, value },
      linkTtlSeconds: env.LINK_TTL_SECONDS,
      email: env.EMAIL_FROM && env.EMAIL_TO ? { from: env.EMAIL_FROM, to: env.EMAIL_TO } : undefined,
    };
  }),
);

/**
 * What the monthly report is told by its environment (set by the cost stack). A bad setting throws,
 * naming the variable: read at cold start, it fails the deployment's first run, not a report.
 */
export function readReportSettings(env: NodeJS.ProcessEnv = process.env): MonthlyReportSettings {
  return readEnvironment(schema, env);
}
