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
  /** What the scenario expected and did not see; `npm start` exits 1 when there is any. */
  readonly failures: readonly string[];
}

export interface ScenarioOptions {
  /** Where the run writes what a person reads afterwards (alerts, reports, the timeline). */
  readonly runFolder: string;
  /** The simulated time the scenario starts at (whole minute, UTC). */
  readonly timelineStart: number;
  /**
   * With `--serve`: the local console, up while the run goes. A scenario that waits for a person
   * (an approval) mounts the real handler on it and waits for the click; without a console it
   * answers as on-call would, through the same handler.
   */
  readonly console?: RunConsole;
}

/** What a running scenario needs from the local console (scripts/local-loop/console/). */
export interface RunConsole {
  /**
   * Serves the deployed function URL `deployedUrl` (e.g. the approval function's) on the console:
   * each request becomes a Lambda function URL event (payload format 2.0) for `handler`.
   * Returns the local URL that stands for `deployedUrl`.
   */
  mountFunctionUrl(
    deployedUrl: string,
    handler: (event: import('aws-lambda').APIGatewayProxyEventV2) => Promise<unknown>,
  ): string;
  /** Shows that a run waits for a person, with the links (local ones) that answer it. */
  awaitingApproval(request: {
    readonly runId: string;
    readonly playbook: string;
    readonly target: string;
    readonly approveUrl: string;
    readonly denyUrl: string;
  }): void;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(options: ScenarioOptions): Promise<ScenarioRun>;
}
