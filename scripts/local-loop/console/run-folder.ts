import * as fs from 'node:fs';
import * as path from 'node:path';

/** What the run folder holds for the console: alerts (their four files) and remediation records, by number. */
export function runFolderEntries(runFolder: string): { alerts: AlertFiles[]; remediations: string[] } {
  const files = fs.existsSync(runFolder) ? fs.readdirSync(runFolder).sort() : [];
  const alerts = new Map<string, AlertFiles>();
  for (const file of files) {
    const match = /^alert-(\d+)-([a-z_]+)\.(email\.txt|chat\.json|pagerduty\.json|structured\.json)$/.exec(
      file,
    );
    if (!match) continue;
    const [, number = '', state = '', format = ''] = match;
    const entry = alerts.get(number) ?? { number, state, files: {} };
    entry.files[format] = path.join(runFolder, file);
    alerts.set(number, entry);
  }
  const remediations = files
    .map((file) => /^remediation-(\d+)\.json$/.exec(file)?.[1])
    .filter((number): number is string => number !== undefined);
  return { alerts: [...alerts.values()], remediations };
}

export interface AlertFiles {
  readonly number: string;
  /** The alarm state the alert is about, lowercased (`alarm`, `ok`). */
  readonly state: string;
  /** By format: `email.txt`, `chat.json`, `pagerduty.json`, `structured.json`. */
  readonly files: Record<string, string>;
}

/** `NN` from a URL segment, or undefined: only the numbers the run writes (no path tricks). */
export function entryNumber(segment: string | undefined): string | undefined {
  return segment !== undefined && /^\d{1,4}$/.test(segment) ? segment.padStart(2, '0') : undefined;
}
