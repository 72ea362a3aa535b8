import {
  type DashboardBody,
  MAX_WIDGETS_PER_DASHBOARD,
  type PlacedWidget,
  type UnplacedWidget,
} from './dashboard-body';
import { placeRows } from './grid-layout';
import { resourceSection, type WatchedResource } from './resource-widgets';
import { textWidget } from './widgets';

/**
 * The tag naming a resource's service: `vigil:service=<service>`, kebab-case, the key Vigil's alarms
 * already carry. Anything deployed outside CDK joins a service's live dashboard by setting it, with
 * {@link ENVIRONMENT_TAG_KEY}.
 */
export const SERVICE_TAG_KEY = 'vigil:service';
/** The tag naming the environment, `Environment=<name>`: the tag `Tags.of(app)` puts on every Vigil resource. */
export const ENVIRONMENT_TAG_KEY = 'Environment';

// A service name is a dashboard-name part: PutDashboard allows A-Z, a-z, 0-9, "-" and "_" in names of
// at most 255 characters (PutDashboard, DashboardName). Vigil's services are kebab-case.
const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,99}$/;

/** Whether a `vigil:service` tag value can name a live dashboard. */
export function isServiceName(value: string): boolean {
  return SERVICE_NAME.test(value);
}

/** `vigil-<env>-<service>-live`, then `-live-2`, `-live-3` … for the parts a large service is split into. */
export function liveDashboardName(environment: string, service: string, part: number): string {
  return `vigil-${environment}-${service}-live${part === 1 ? '' : `-${part}`}`;
}

/** Every live dashboard name of an environment starts with this; ListDashboards takes it as the prefix. */
export function liveDashboardPrefix(environment: string): string {
  return `vigil-${environment}-`;
}

/**
 * The service and part of a live dashboard name, or undefined for any other dashboard (the synth-time
 * `vigil-<env>-<service>` ones included). The service is everything before the last `-live`, so a
 * service may itself end in `-live`.
 */
export function parseLiveDashboardName(
  environment: string,
  name: string,
): { service: string; part: number } | undefined {
  const prefix = liveDashboardPrefix(environment);
  if (!name.startsWith(prefix)) return undefined;
  const match = /^(.+)-live(?:-([1-9]\d*))?$/.exec(name.slice(prefix.length));
  if (!match?.[1] || !isServiceName(match[1])) return undefined;
  const part = match[2] === undefined ? 1 : Number(match[2]);
  // `-live-1` is never written (part 1 has no number), so it is not one of ours.
  if (match[2] === '1') return undefined;
  return { service: match[1], part };
}

/** What bounds one part of a live dashboard. */
export interface LiveDashboardLimits {
  /**
   * Most bytes of one body (UTF-8 JSON). The CloudWatch API reference states no byte limit for
   * PutDashboard's DashboardBody (Type: String, with no length constraint), so this is Vigil's own
   * bound, kept well under anything a request could plausibly be refused for.
   */
  readonly maxBodyBytes: number;
  /** @default 500, the documented most widgets in one body */
  readonly maxWidgets?: number;
}

/** One dashboard to write: its name and its body, serialized. */
export interface LiveDashboardPart {
  readonly name: string;
  readonly body: string;
}

export interface LiveDashboardInput {
  readonly environment: string;
  readonly service: string;
  /** What the updater's function is called, named in the note at the top of each part. */
  readonly updaterName: string;
  readonly resources: readonly WatchedResource[];
}

const INTRO_HEIGHT = 2;

/**
 * A service's live dashboard: a note saying it is generated (PutDashboard's documentation recommends
 * one for dashboards made by script), then a section per resource, sorted by kind, name and ARN, so
 * the same resources always make the same bytes and "nothing changed" is a comparison. A body over
 * the limits is split between resources (a section is never cut) into parts `-live`, `-live-2` …
 */
export function buildLiveDashboard(
  input: LiveDashboardInput,
  limits: LiveDashboardLimits,
): LiveDashboardPart[] {
  const maxWidgets = limits.maxWidgets ?? MAX_WIDGETS_PER_DASHBOARD;
  const sorted = [...input.resources].sort(
    (a, b) => compare(a.kind, b.kind) || compare(a.name, b.name) || compare(a.arn, b.arn),
  );
  const sections = sorted.map((resource) => resourceSection(resource));
  // Packed with the widest note a part can have, so filling in the real part numbers never grows it.
  const widestIntro = intro(input, 999, 999);
  const groups: UnplacedWidget[][][] = [];
  let current: UnplacedWidget[][] = [];
  for (const section of sections) {
    const candidate = [...current, section];
    if (fits(render([widestIntro], candidate), limits.maxBodyBytes, maxWidgets)) {
      current = candidate;
      continue;
    }
    if (current.length === 0 || !fits(render([widestIntro], [section]), limits.maxBodyBytes, maxWidgets)) {
      throw new Error(
        `the section of ${section[0]?.type === 'text' ? section[0].properties.markdown : 'a resource'} alone exceeds one dashboard's limits`,
      );
    }
    groups.push(current);
    current = [section];
  }
  groups.push(current);
  return groups.map((group, index) => ({
    name: liveDashboardName(input.environment, input.service, index + 1),
    body: serialize(render([intro(input, index + 1, groups.length)], group)),
  }));
}

function intro(input: LiveDashboardInput, part: number, parts: number): UnplacedWidget {
  const count = parts > 1 ? ` Part ${part} of ${parts}.` : '';
  return textWidget(
    `# ${input.service} (live)\nRebuilt by ${input.updaterName} from the resources tagged \`${SERVICE_TAG_KEY}=${input.service}\` and \`${ENVIRONMENT_TAG_KEY}=${input.environment}\`; edits made here are overwritten.${count}`,
    { width: 24, height: INTRO_HEIGHT },
  );
}

function render(
  head: readonly UnplacedWidget[],
  sections: readonly (readonly UnplacedWidget[])[],
): DashboardBody {
  const rows: UnplacedWidget[][] = [[...head]];
  for (const [heading, ...graphs] of sections) {
    if (heading) rows.push([heading]);
    rows.push(graphs);
  }
  const widgets: PlacedWidget[] = placeRows(rows);
  return { start: '-PT6H', widgets };
}

function fits(body: DashboardBody, maxBytes: number, maxWidgets: number): boolean {
  return body.widgets.length <= maxWidgets && Buffer.byteLength(serialize(body), 'utf8') <= maxBytes;
}

/** The body as written: plain JSON.stringify, keys in the order the builders set them. */
export function serialize(body: DashboardBody): string {
  return JSON.stringify(body);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
