import { readEnvironment, requiredText } from '../shared/environment';
import * as z from '../shared/zod';

/** What the scheduled-query function is told by its environment. */
export interface ScheduledQueryConfig {
  /** The platform bus business alerts go to, `vigil-<env>-platform`. */
  readonly eventBusName: string;
  /** Milliseconds kept back from the invocation's deadline to stop the query and report. */
  readonly reserveMs: number;
}

const schema = z.pipe(
  z.object({
    EVENT_BUS_NAME: requiredText,
    DEADLINE_RESERVE_MS: z.optional(
      z.pipe(
        z.pipe(
          requiredText,
          z.transform((text) => Number(text)),
        ),
        z
          .number()
          .check(
            z.int({ error: 'must be a whole number of milliseconds' }),
            z.gte(1000, { error: 'must be at least 1000' }),
            z.lte(60_000, { error: 'must be at most 60000' }),
          ),
      ),
    ),
  }),
  z.transform(
    (env): ScheduledQueryConfig => ({
      eventBusName: env.EVENT_BUS_NAME,
      reserveMs: env.DEADLINE_RESERVE_MS ?? 5000,
    }),
  ),
);

/** Reads the function's settings; throws naming every missing or malformed variable. */
export function readScheduledQueryConfig(env: NodeJS.ProcessEnv = process.env): ScheduledQueryConfig {
  return readEnvironment(schema, env);
}
