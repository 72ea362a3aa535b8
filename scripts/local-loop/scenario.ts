import type { Timeline } from './timeline';

/** The outcome line of `--json`, in the order issue 15's output contract lists the fields. */
export interface LoopSummary {
  readonly scenario: string;
  readonly simulatedSeconds: number;
  wallSeconds: number;
  /** From the bad release to the alarm going into ALARM. */
  readonly detectedAfterSeconds: number | null;
  readonly alerts: readonly {
    readonly alarm: string;
    readonly severity: string;
    readonly state: string;
    readonly notification: string;
    readonly episode: string;
  }[];
  readonly remediations: readonly {
    readonly playbook: string;
    readonly target: string;
    readonly outcome: string;
  }[];
  /** From the bad release to the episode's `resolved` alert. */
  readonly resolvedAfterSeconds: number | null;
  /** AWS operations a handler called that have no local stand-in. */
  readonly unsupportedCalls: readonly string[];
}

export interface ScenarioRun {
  readonly summary: LoopSummary;
  readonly timeline: Timeline;
  /** Each alert's email text, as written to the run folder. */
  readonly emails: readonly string[];
  /** What the run did not do for real, said once each. */
  readonly notes: readonly string[];
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(options: { readonly runFolder: string; readonly timelineStart: number }): Promise<ScenarioRun>;
}
