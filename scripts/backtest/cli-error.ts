import * as fs from 'node:fs';

/** A problem the person running `npm run backtest` can fix: printed as one line, without a stack. */
export class CliError extends Error {
  constructor(message: string) {
    // One line whatever the cause wrote: a multi-line message would read as a stack trace.
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'CliError';
  }
}

/** A file's text, or a one-line CliError naming the file (missing, unreadable). */
export function readInputFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : `${file}: ${(error as Error).message}`);
  }
}
