import {
  type CloudWatchClient,
  DashboardNotFoundError,
  GetDashboardCommand,
  ListDashboardsCommand,
} from '@aws-sdk/client-cloudwatch';
import { liveDashboardPrefix, parseLiveDashboardName } from '../../dashboards/widget-bodies/live-dashboard';

/** A live dashboard that exists now. */
export interface ExistingDashboard {
  readonly name: string;
  readonly service: string;
  readonly part: number;
}

// ListDashboards pages by NextToken; this many pages is far beyond the account's dashboards.
const MAX_PAGES = 100;

/**
 * The environment's live dashboards as they exist: ListDashboards with the environment's name prefix,
 * every page (CloudWatch API Reference, ListDashboards: NextToken), keeping only names of the live
 * form, so the synth-time dashboards (`vigil-<env>-<service>`) are never touched.
 */
export async function listLiveDashboards(
  cloudWatch: CloudWatchClient,
  environment: string,
  callTimeoutMs: number,
): Promise<ExistingDashboard[]> {
  const found: ExistingDashboard[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    if (pages === MAX_PAGES) throw new Error(`ListDashboards still had more after ${MAX_PAGES} pages`);
    const page = await cloudWatch.send(
      new ListDashboardsCommand({
        DashboardNamePrefix: liveDashboardPrefix(environment),
        ...(token && { NextToken: token }),
      }),
      { abortSignal: AbortSignal.timeout(callTimeoutMs) },
    );
    pages += 1;
    for (const entry of page.DashboardEntries ?? []) {
      const parsed = entry.DashboardName
        ? parseLiveDashboardName(environment, entry.DashboardName)
        : undefined;
      if (parsed && entry.DashboardName) found.push({ name: entry.DashboardName, ...parsed });
    }
    token = page.NextToken || undefined;
  } while (token);
  return found;
}

/** A dashboard's body as stored, or undefined when it is gone (deleted since it was listed). */
export async function storedBody(
  cloudWatch: CloudWatchClient,
  name: string,
  callTimeoutMs: number,
): Promise<string | undefined> {
  try {
    const answer = await cloudWatch.send(new GetDashboardCommand({ DashboardName: name }), {
      abortSignal: AbortSignal.timeout(callTimeoutMs),
    });
    return answer.DashboardBody;
  } catch (error) {
    // GetDashboard's documented "not there" error (API reference, GetDashboard, Errors): deleted
    // between ListDashboards and now, so there is nothing stored to compare with.
    if (error instanceof DashboardNotFoundError) return undefined;
    throw error;
  }
}
