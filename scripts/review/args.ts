import * as path from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE =
  'usage: npm run review -- [--env dev|prod] [--out DIR] [--format md|html|both] [--assembly DIR]';

export type ReviewFormat = 'md' | 'html' | 'both';

/** The command line of `npm run review`, checked. */
export interface ReviewArgs {
  /** The environment to review; undefined for cdk.json's default. */
  readonly env?: string;
  readonly outDir: string;
  readonly format: ReviewFormat;
  /** An assembly already synthesized for `env` (e.g. by `cdk synth`) instead of synthesizing one. */
  readonly assembly?: string;
}

/** A command line the review cannot run with; printed with the usage, exit 2. */
export class ReviewArgsError extends Error {}

const FORMATS: readonly ReviewFormat[] = ['md', 'html', 'both'];

/** Parses `npm run review` arguments (a leading `--`, as `npx tsx … -- …` passes it, is skipped). */
export function parseReviewArgs(argv: readonly string[], cwd: string): ReviewArgs {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let values: { env?: string; out?: string; format?: string; assembly?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        env: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string' },
        assembly: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ReviewArgsError(`${(error as Error).message}; ${USAGE}`);
  }
  const format = (values.format ?? 'both') as ReviewFormat;
  if (!FORMATS.includes(format)) {
    throw new ReviewArgsError(`--format: expected md, html or both (got "${values.format}"); ${USAGE}`);
  }
  return {
    ...(values.env !== undefined ? { env: values.env } : {}),
    // cdk.out is ignored by git and already holds what synthesis produces.
    outDir: path.resolve(cwd, values.out ?? path.join('cdk.out', 'review')),
    format,
    ...(values.assembly !== undefined ? { assembly: path.resolve(cwd, values.assembly) } : {}),
  };
}
