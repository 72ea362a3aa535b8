import * as fs from 'node:fs';
import * as z from './zod';

/** The function was deployed with a missing or malformed setting; it cannot serve anything. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/**
 * Parses `env` with `schema` once, at cold start. A bad value fails the function's initialisation
 * with a message naming each offending variable, instead of a confusing error on the first request.
 */
export function readEnvironment<TSchema extends z.ZodMiniType>(
  schema: TSchema,
  env: NodeJS.ProcessEnv = process.env,
): z.output<TSchema> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new EnvironmentError(`Invalid Lambda environment: ${problems.join('; ')}`);
  }
  return result.data;
}

const shown = (input: unknown) => JSON.stringify(input);

/** A required, non-blank variable. */
export const requiredText = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .check(z.trim(), z.minLength(1, { error: 'must not be empty' }));

/** A variable holding JSON, parsed; not JSON reads `must be JSON <what>`. */
export function jsonText(what: string) {
  return z.pipe(
    requiredText,
    z.transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // zod/mini hands a transform the parse payload itself: issues are pushed onto it.
        ctx.issues.push({ code: 'custom', message: `must be JSON ${what}`, input: text });
        return z.NEVER;
      }
    }),
  );
}

/**
 * A record keyed by some of `keys` (`label` names them in the error), e.g. settings by playbook; a
 * key outside them reads `must be keyed by <label> (<keys>), not <found>`.
 */
export function keyedRecord<const Keys extends readonly [string, ...string[]], Value extends z.ZodMiniType>(
  label: string,
  keys: Keys,
  value: Value,
) {
  return z.partialRecord(z.enum(keys), value, {
    // zod reports keys outside the enum as `unrecognized_keys`, which its types do not list here.
    error: (issue) => {
      const found = (issue as { keys?: string[] }).keys;
      return found ? `must be keyed by ${label} (${keys.join(', ')}), not ${found.join(', ')}` : undefined;
    },
  });
}

/** A whole number written in decimal, from `min` to `max`. */
export function wholeNumber(unit: string, { min, max }: { min: number; max: number }) {
  return z.pipe(
    z.pipe(
      requiredText.check(
        z.regex(/^\d+$/, {
          error: (issue) => `must be a whole number of ${unit} (got ${shown(issue.input)})`,
        }),
      ),
      z.transform(Number),
    ),
    z
      .number()
      .check(
        z.gte(min, { error: (issue) => `must be at least ${min} ${unit} (got ${issue.input})` }),
        z.lte(max, { error: (issue) => `must be at most ${max} ${unit} (got ${issue.input})` }),
      ),
  );
}

/** A share from 0 to 1, such as `0.05`. */
export const share = z.pipe(
  requiredText.check(
    z.regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, {
      error: (issue) => `must be a number from 0 to 1, such as 0.05 (got ${shown(issue.input)})`,
    }),
  ),
  z.transform(Number),
);

// A single presigned PUT (how users upload) cannot exceed 5 GiB.
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

/** Settings both predictor functions share. */
export const predictorEnvironment = z.object({
  DATA_BUCKET_NAME: requiredText,
  RESULTS_TABLE_NAME: requiredText,
  MAX_UPLOAD_BYTES: wholeNumber('bytes', { min: 1, max: MAX_SINGLE_PUT_BYTES }),
  // The scoring library reads it; checked here so a wrong path fails the deployment's first cold
  // start with the variable's name, not the first scoring run with an ONNX error.
  PREDICTOR_MODEL_PATH: z.optional(
    requiredText.check(
      z.refine((path) => fs.existsSync(path), {
        error: (issue) => `points to ${shown(issue.input)}, which does not exist`,
      }),
    ),
  ),
  POWERTOOLS_SERVICE_NAME: requiredText,
  POWERTOOLS_METRICS_NAMESPACE: requiredText,
});
