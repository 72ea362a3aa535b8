import * as fs from 'node:fs';
import * as path from 'node:path';
import { type LogEvent, RUN_LOGS_FILE } from '../local-loop/local-logs';
import { CliError } from './cli-error';

/** Where `npm start` puts its run folders (start.ts: `.vigil-runs/<scenario>-<time>`). */
export const RUNS_ROOT = path.join(__dirname, '..', '..', '.vigil-runs');

/** The newest run folder under `root` (by modification time: the run that wrote last). */
export function newestRun(root: string = RUNS_ROOT): string {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    throw new CliError(`no local runs: ${root} does not exist (run npm start first)`);
  }
  const runs = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(root, entry.name))
    .map((folder) => ({ folder, at: fs.statSync(folder).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  const [newest] = runs;
  if (newest === undefined) throw new CliError(`no local runs under ${root} (run npm start first)`);
  return newest.folder;
}

/** The log lines a run folder holds, in the order written; a missing or unreadable file is a CliError. */
export function readRunLogs(runFolder: string): LogEvent[] {
  const file = path.join(runFolder, RUN_LOGS_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') {
      throw new CliError(`${runFolder} holds no ${RUN_LOGS_FILE}: the run wrote no log lines there`);
    }
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
  return text
    .split('\n')
    .filter((row) => row !== '')
    .map((row, index) => {
      try {
        const event = JSON.parse(row) as Partial<LogEvent>;
        if (
          typeof event.logGroup === 'string' &&
          typeof event.timestamp === 'number' &&
          typeof event.message === 'string'
        ) {
          return { logGroup: event.logGroup, timestamp: event.timestamp, message: event.message };
        }
      } catch {
        // Reported below with the line number, as any other malformed line.
      }
      throw new CliError(`${file}:${index + 1}: not a log event line`);
    });
}
