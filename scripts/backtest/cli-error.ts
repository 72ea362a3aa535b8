/** A problem the person running `npm run backtest` can fix: printed as one line, without a stack. */
export class CliError extends Error {
  constructor(message: string) {
    // One line whatever the cause wrote: a multi-line message would read as a stack trace.
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'CliError';
  }
}
