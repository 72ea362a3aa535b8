import type { MetricAlarmDefinition } from '../../constructs/alarm-engine/alarm-definition';
import type { AlarmSimulation } from '../../constructs/alarm-engine/simulated-time';
import type { AwsClients } from '../../lambda/shared/aws-clients';
import type { SynthesizedAppReader } from './synthesized-app';
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
  /**
   * The monthly cost report's figures as the report shows them (scenario `monthly-cost`): the month
   * reported, its total and currency, each service's amount (net of credits), and the credits and
   * refunds it shows — the sum of the services below zero; a credit smaller than its service's cost
   * is netted in and not shown.
   */
  readonly costReport?: {
    readonly month: string;
    readonly total: number;
    readonly currency: string;
    readonly services: readonly { readonly service: string; readonly amount: number }[];
    readonly creditsApplied: number;
  };
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
  /**
   * The port of the local upload site (scenario `upload-site`): the site client's localhost callback
   * URL names it. 0: any free port. @default 0
   */
  readonly sitePort?: number;
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
  /** The run no longer waits for the approval of `runId`: `answer` says how it ended (e.g. `approved`). */
  approvalAnswered(runId: string, answer: string): void;
  /**
   * Hands the console a run's local AWS, for the pages read after the run (dashboards from the metric
   * store, ledger records from local DynamoDB, the evaluated alarms). A harness run given a console
   * calls this when it opens, and its own close then leaves these open: the console closes them
   * (`resources.close()`) when it stops.
   */
  holdRun(resources: RunResources): void;
  /**
   * Shows the local upload site (scenario `upload-site`) and keeps it up while the console serves: its
   * URL and sign-ins on the run page, and the simulated clock's control (`POST /api/clock`).
   */
  holdUploadSite?(site: HeldUploadSite): void;
}

/** What the console needs of the local upload site it holds. */
export interface HeldUploadSite {
  readonly siteUrl: string;
  readonly users: readonly { readonly email: string; readonly password: string }[];
  /** Moves the simulated clock on; S3's lifecycle deletes what is due. Returns the objects deleted. */
  advance(ms: number): Promise<string[]>;
  /** The data bucket's objects now, with when each expires. */
  objects(): { key: string; expiresAt?: string }[];
  close(): Promise<void>;
}

/** A run's local AWS and what it evaluated, kept open for the console (see {@link RunConsole.holdRun}). */
export interface RunResources {
  /** The synthesized app the run deployed locally (dashboards, functions' environments, state machines). */
  readonly reader: SynthesizedAppReader;
  /** The run's clients: CloudWatch answers from the run's metric store, DynamoDB is the run's dynalite. */
  readonly clients: AwsClients;
  /** The evaluated alarms' engine, their transitions and the metric feed they read, on the simulated clock. */
  readonly simulation: AlarmSimulation;
  /** The evaluated alarms, by name. */
  readonly alarms: ReadonlyMap<string, MetricAlarmDefinition>;
  /** What happened, as it happens. */
  readonly timeline: Timeline;
  /** The remediation ledger's table name (as the envelope's environment names it). */
  readonly ledgerTableName: string;
  /** Stops dynalite and disposes the synthesized app. */
  close(): Promise<void>;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(options: ScenarioOptions): Promise<ScenarioRun>;
}
