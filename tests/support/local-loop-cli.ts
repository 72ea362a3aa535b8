import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { LoopSummary } from '../../scripts/local-loop/scenario';

export const REPOSITORY_ROOT = path.join(__dirname, '..', '..');
const run = promisify(execFile);

/** What `npm start -- …` printed and how it exited. */
export interface LocalLoopRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm start -- <args>` as a user runs it: a child process from the repository root. */
export async function localLoop(...args: string[]): Promise<LocalLoopRun> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'scripts/local-loop/start.ts', ...args], {
      cwd: REPOSITORY_ROOT,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 170_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The `--json` outcome: the last line of stdout. */
export function outcomeOf(run: LocalLoopRun): LoopSummary {
  return JSON.parse(run.stdout.trimEnd().split('\n').at(-1) as string) as LoopSummary;
}
