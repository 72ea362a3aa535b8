import * as fs from 'node:fs';
import * as path from 'node:path';

/** One line a function wrote, as CloudWatch Logs keeps it: when (simulated time) and the raw text. */
export interface LogEvent {
  readonly logGroup: string;
  /** Epoch milliseconds, on the run's simulated clock. */
  readonly timestamp: number;
  readonly message: string;
}

/**
 * The run's CloudWatch Logs: the lines the functions the run executes for real wrote, by the log
 * group the template gives each function (`LoggingConfig.LogGroup`). The Logs Insights stand-in
 * queries it; log-metrics.ts turns its EMF lines and metric-filter matches into metrics.
 */
export class LocalLogStore {
  private readonly groups = new Map<string, LogEvent[]>();
  private readonly listeners: ((event: LogEvent) => void)[] = [];

  put(logGroup: string, timestamp: number, message: string): void {
    const event = { logGroup, timestamp, message };
    const events = this.groups.get(logGroup) ?? [];
    events.push(event);
    this.groups.set(logGroup, events);
    for (const listener of this.listeners) listener(event);
  }

  /** Called with every line as it is written (what CloudWatch Logs extracts metrics from). */
  onEvent(listener: (event: LogEvent) => void): void {
    this.listeners.push(listener);
  }

  /** The events of `logGroups` with `from <= timestamp <= to`, oldest first. */
  events(logGroups: readonly string[], from: number, to: number): LogEvent[] {
    return logGroups
      .flatMap((group) => this.groups.get(group) ?? [])
      .filter((event) => event.timestamp >= from && event.timestamp <= to)
      .sort((a, b) => a.timestamp - b.timestamp);
  }

  /** Every log group written to. */
  get logGroups(): readonly string[] {
    return [...this.groups.keys()];
  }
}

/** The run folder's log lines (`npm run logs -- --local` reads them): one JSON {@link LogEvent} per line, in the order written. */
export const RUN_LOGS_FILE = 'logs.jsonl';

/**
 * Keeps a run's log lines in its folder, as CloudWatch Logs keeps them: every line put in the store
 * is appended to `logs.jsonl` as it is written, so the file holds what the run wrote even if the run
 * fails part-way.
 */
export function recordRunLogs(store: LocalLogStore, runFolder: string): void {
  const file = path.join(runFolder, RUN_LOGS_FILE);
  store.onEvent((event) => {
    const { logGroup, timestamp, message } = event;
    fs.appendFileSync(file, `${JSON.stringify({ logGroup, timestamp, message })}\n`);
  });
}
