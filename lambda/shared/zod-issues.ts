import type * as z from './zod';

/**
 * One line naming every problem and where it is (`rows.3: must be an object; bytes: is required`),
 * so a caller fixes all of them in one round trip instead of one per request.
 */
export function describeIssues(error: z.core.$ZodError, root = 'body'): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : root}: ${issue.message}`)
    .join('; ');
}
