import {
  type CloudWatchClient,
  DashboardInvalidInputError,
  type DashboardValidationMessage,
  DeleteDashboardsCommand,
  PutDashboardCommand,
} from '@aws-sdk/client-cloudwatch';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { buildLiveDashboard, type LiveDashboardPart } from '../../dashboards/widget-bodies/live-dashboard';
import { discoverResources } from './discover-resources';
import { listLiveDashboards, storedBody } from './existing-dashboards';
import type { SkippedResource } from './resource-arn';
import { sameBody } from './same-body';

/** What the updater needs to run. */
export interface DashboardUpdaterSettings {
  /** The environment whose resources and dashboards are handled, e.g. `prod`. */
  readonly environment: string;
  /** The function's own name, written into each dashboard's note. */
  readonly updaterName: string;
  /** Most bytes of one dashboard body before the service is split into parts. */
  readonly maxBodyBytes: number;
  /** Milliseconds each AWS call may take. */
  readonly callTimeoutMs: number;
}

/** One PutDashboard answer's validation messages. */
export interface DashboardValidationProblem {
  readonly dashboard: string;
  readonly messages: readonly DashboardValidationMessage[];
}

/** What a run did. */
export interface DashboardUpdateResult {
  /** Services with at least one resource, sorted. */
  readonly services: readonly string[];
  /** Dashboards PutDashboard took without a validation message. */
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  readonly deleted: readonly string[];
  readonly skipped: readonly SkippedResource[];
  readonly validationProblems: readonly DashboardValidationProblem[];
}

/** PutDashboard reported problems with (or refused) a body; the run's other work is done. */
export class DashboardValidationError extends Error {
  override readonly name = 'DashboardValidationError';

  constructor(readonly problems: readonly DashboardValidationProblem[]) {
    super(
      `PutDashboard reported problems: ${problems
        .map(
          ({ dashboard, messages }) =>
            `${dashboard}: ${messages.map((message) => `${message.DataPath ?? '/'} ${message.Message ?? ''}`.trim()).join('; ')}`,
        )
        .join(' | ')}`,
    );
  }
}

export interface DashboardUpdaterClients {
  readonly cloudWatch: CloudWatchClient;
  readonly resourceGroupsTagging: ResourceGroupsTaggingAPIClient;
}

/**
 * Rebuilds every service's live dashboard from what is tagged now: discovers the resources, builds
 * each service's parts, writes only the parts whose stored body differs (nothing at all when nothing
 * changed), and only after every write deletes the parts no longer wanted (a service whose parts
 * shrank, a service with no resources left), so a service is never without a dashboard mid-run.
 */
export async function updateLiveDashboards(
  clients: DashboardUpdaterClients,
  settings: DashboardUpdaterSettings,
): Promise<DashboardUpdateResult> {
  const { callTimeoutMs } = settings;
  const [discovery, existing] = await Promise.all([
    discoverResources(clients.resourceGroupsTagging, { environment: settings.environment, callTimeoutMs }),
    listLiveDashboards(clients.cloudWatch, settings.environment, callTimeoutMs),
  ]);
  const services = [...discovery.services.keys()].sort();
  const wanted: LiveDashboardPart[] = services.flatMap((service) =>
    buildLiveDashboard(
      {
        environment: settings.environment,
        service,
        updaterName: settings.updaterName,
        resources: discovery.services.get(service) ?? [],
      },
      { maxBodyBytes: settings.maxBodyBytes },
    ),
  );
  const existingNames = new Set(existing.map(({ name }) => name));

  const written: string[] = [];
  const unchanged: string[] = [];
  const validationProblems: DashboardValidationProblem[] = [];
  // One dashboard at a time: a run writes few, and sequential calls keep its request rate low.
  for (const part of wanted) {
    const stored = existingNames.has(part.name)
      ? await storedBody(clients.cloudWatch, part.name, callTimeoutMs)
      : undefined;
    if (sameBody(stored, part.body)) {
      unchanged.push(part.name);
      continue;
    }
    const messages = await putDashboard(clients.cloudWatch, part, callTimeoutMs);
    if (messages.accepted) written.push(part.name);
    if (messages.problems.length > 0)
      validationProblems.push({ dashboard: part.name, messages: messages.problems });
  }

  const wantedNames = new Set(wanted.map(({ name }) => name));
  const deleted = existing
    .map(({ name }) => name)
    .filter((name) => !wantedNames.has(name))
    .sort();
  if (deleted.length > 0) {
    await clients.cloudWatch.send(new DeleteDashboardsCommand({ DashboardNames: deleted }), {
      abortSignal: AbortSignal.timeout(callTimeoutMs),
    });
  }

  return { services, written, unchanged, deleted, skipped: discovery.skipped, validationProblems };
}

/**
 * Writes one dashboard. PutDashboard's DashboardValidationMessages (API reference, PutDashboard,
 * Response Elements) is empty when the input was correct; with only warnings the dashboard was
 * written but parts of it might not render; with errors the operation failed. The messages carry no
 * level, so a dashboard with any message is not counted as written. Invalid input can also be refused
 * with DashboardInvalidInputError, whose `dashboardValidationMessages` say why. Either way the
 * messages are returned for the run to log and fail on.
 */
async function putDashboard(
  cloudWatch: CloudWatchClient,
  part: LiveDashboardPart,
  callTimeoutMs: number,
): Promise<{ accepted: boolean; problems: readonly DashboardValidationMessage[] }> {
  try {
    const answer = await cloudWatch.send(
      new PutDashboardCommand({ DashboardName: part.name, DashboardBody: part.body }),
      { abortSignal: AbortSignal.timeout(callTimeoutMs) },
    );
    const problems = answer.DashboardValidationMessages ?? [];
    return { accepted: problems.length === 0, problems };
  } catch (error) {
    if (!(error instanceof DashboardInvalidInputError)) throw error;
    const problems = error.dashboardValidationMessages ?? [];
    return { accepted: false, problems: problems.length > 0 ? problems : [{ Message: error.message }] };
  }
}
