/** A problem the person running `npm run logs` can fix: printed as one line, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    /** 2 for a wrong command line, as the other CLIs here do; 1 for everything else. */
    readonly exitCode = 1,
  ) {
    // One line whatever the cause wrote: a multi-line message would read as a stack trace.
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'CliError';
  }
}
