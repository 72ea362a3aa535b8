import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  ENVIRONMENT_TAG_KEY,
  isServiceName,
  SERVICE_TAG_KEY,
} from '../../dashboards/widget-bodies/live-dashboard';
import type { WatchedResource } from '../../dashboards/widget-bodies/resource-widgets';
import { isSkipped, RESOURCE_TYPE_FILTERS, type SkippedResource, watchedResourceOf } from './resource-arn';

/** What discovery found: each service's resources, and the tagged ones that cannot be drawn. */
export interface Discovery {
  /** Service name → its resources, in the order the API returned them (the dashboard sorts them). */
  readonly services: ReadonlyMap<string, readonly WatchedResource[]>;
  readonly skipped: readonly SkippedResource[];
  /** GetResources calls made: one per page. */
  readonly pages: number;
}

export interface DiscoverOptions {
  readonly environment: string;
  /** Milliseconds each GetResources call may take. */
  readonly callTimeoutMs: number;
}

// GetResources returns at most 100 resources a page (ResourcesPerPage: 1 to 100).
const RESOURCES_PER_PAGE = 100;
// A page token that comes back again would loop forever; this many pages is 100,000 resources.
const MAX_PAGES = 1000;

/**
 * Every resource of the environment that names its service in the `vigil:service` tag, CDK's or not:
 * GetResources with both tags as filters (AND between keys), every page, until the API answers
 * without a PaginationToken (AWS Resource Groups Tagging API Reference, GetResources: "A null value
 * for PaginationToken indicates that there are no more results"; an empty string is how the SDK
 * commonly sees it).
 */
export async function discoverResources(
  client: ResourceGroupsTaggingAPIClient,
  options: DiscoverOptions,
): Promise<Discovery> {
  const services = new Map<string, WatchedResource[]>();
  const skipped: SkippedResource[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    if (pages === MAX_PAGES) throw new Error(`GetResources still had more after ${MAX_PAGES} pages`);
    const page = await client.send(
      new GetResourcesCommand({
        TagFilters: [{ Key: SERVICE_TAG_KEY }, { Key: ENVIRONMENT_TAG_KEY, Values: [options.environment] }],
        ResourceTypeFilters: [...RESOURCE_TYPE_FILTERS],
        ResourcesPerPage: RESOURCES_PER_PAGE,
        ...(token && { PaginationToken: token }),
      }),
      { abortSignal: AbortSignal.timeout(options.callTimeoutMs) },
    );
    pages += 1;
    for (const mapping of page.ResourceTagMappingList ?? []) {
      const arn = mapping.ResourceARN ?? '';
      const service = mapping.Tags?.find((tag) => tag.Key === SERVICE_TAG_KEY)?.Value ?? '';
      if (!isServiceName(service)) {
        skipped.push({
          arn,
          reason: `its ${SERVICE_TAG_KEY} tag ${JSON.stringify(service)} is not a kebab-case service name`,
        });
        continue;
      }
      const resource = watchedResourceOf(arn);
      if (isSkipped(resource)) {
        skipped.push(resource);
        continue;
      }
      services.set(service, [...(services.get(service) ?? []), resource]);
    }
    token = page.PaginationToken || undefined;
  } while (token);
  return { services, skipped, pages };
}
