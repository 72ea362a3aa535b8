import { readEnvironment, requiredText } from '../shared/environment';
import * as z from '../shared/zod';

/** What the results mailer is told by its environment. */
export interface ResultsMailerConfig {
  /** The verified sender, e.g. `Vigil predictor <predictor@example.org>`. */
  readonly fromAddress: string;
  /** The stack's configuration set: suppression and the bounce and complaint event destination. */
  readonly configurationSetName: string;
  /** The site's base URL; the mail links `<siteUrl>/results/<uploadId>`. Absent: no link. */
  readonly siteUrl?: string;
}

const schema = z.pipe(
  z.object({
    MAIL_FROM_ADDRESS: requiredText,
    MAIL_CONFIGURATION_SET: requiredText,
    SITE_URL: z.optional(z.url({ protocol: /^https$/, error: 'must be an https:// URL' })),
  }),
  z.transform(
    (env): ResultsMailerConfig => ({
      fromAddress: env.MAIL_FROM_ADDRESS,
      configurationSetName: env.MAIL_CONFIGURATION_SET,
      ...(env.SITE_URL !== undefined && { siteUrl: env.SITE_URL }),
    }),
  ),
);

/** Reads the mailer's settings; throws naming every missing or malformed variable. */
export function readResultsMailerConfig(env: NodeJS.ProcessEnv = process.env): ResultsMailerConfig {
  return readEnvironment(schema, env);
}
