import { colorFor } from './format-line';
import { runLogsCommand } from './logs-command';

// `npm run logs -- <service or function> …`: a Vigil service's log lines, read or followed live.
const stop = new AbortController();
// Ctrl-C ends a --follow cleanly; a second one, or a reader that went away (`| head`), ends it now.
process.once('SIGINT', () => {
  stop.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
void runLogsCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  color: colorFor(process.stdout, process.env),
  signal: stop.signal,
}).then((code) => {
  process.exitCode = code;
});
