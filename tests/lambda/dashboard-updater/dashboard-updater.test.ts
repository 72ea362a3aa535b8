import '../support/test-environment';
import {
  CloudWatchClient,
  DashboardInvalidInputError,
  DashboardNotFoundError,
  DeleteDashboardsCommand,
  GetDashboardCommand,
  ListDashboardsCommand,
  PutDashboardCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  type ResourceTagMapping,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { buildLiveDashboard } from '../../../dashboards/widget-bodies/live-dashboard';
import { createDashboardUpdater } from '../../../lambda/dashboard-updater/dashboard-updater';
import { watchedResourceOf } from '../../../lambda/dashboard-updater/resource-arn';
import type { DashboardUpdaterSettings } from '../../../lambda/dashboard-updater/update-dashboards';
import { UpdaterEventError } from '../../../lambda/dashboard-updater/updater-event';
import { createAwsClients } from '../../../lambda/shared/aws-clients';
import { logger, metrics } from '../../../lambda/shared/observability';
import { dashboardBodyProblems } from '../../fixtures/aws/dashboard-updater/dashboard-body-schema';
import {
  ENVIRONMENT,
  functionArn,
  queueArn,
  scheduled,
  tableArn,
  tagChange,
  tagged,
} from './updater-fixtures';

const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const cloudWatch = mockClient(CloudWatchClient);

const SETTINGS: DashboardUpdaterSettings = {
  environment: ENVIRONMENT,
  updaterName: 'vigil-test-dashboard-updater',
  maxBodyBytes: 50_000,
  callTimeoutMs: 5_000,
};

function updater(settings: Partial<DashboardUpdaterSettings> = {}) {
  return createDashboardUpdater({
    clients: createAwsClients(),
    settings: { ...SETTINGS, ...settings },
    logger,
    metrics,
  });
}

/** GetResources answers: one page per argument, chained by PaginationToken. */
function resourcePages(...pages: ResourceTagMapping[][]): void {
  pages.forEach((page, index) => {
    const input = index === 0 ? {} : { PaginationToken: `page-${index + 1}` };
    tagging.on(GetResourcesCommand, input).resolves({
      ResourceTagMappingList: page,
      PaginationToken: index + 1 < pages.length ? `page-${index + 2}` : '',
    });
  });
}

/** The live dashboards that exist, with their stored bodies. */
function storedDashboards(dashboards: Record<string, string>): void {
  cloudWatch
    .on(ListDashboardsCommand)
    .resolves({ DashboardEntries: Object.keys(dashboards).map((DashboardName) => ({ DashboardName })) });
  cloudWatch.on(GetDashboardCommand).callsFake(({ DashboardName }: { DashboardName: string }) => {
    const body = dashboards[DashboardName];
    if (body === undefined) throw new DashboardNotFoundError({ message: 'gone', $metadata: {} });
    return { DashboardName, DashboardBody: body };
  });
}

/** The body the updater writes for `service` with these ARNs, built as the updater builds it. */
function bodyFor(service: string, arns: readonly string[]) {
  const resources = arns.map((arn) => watchedResourceOf(arn)).filter((r) => !('reason' in r));
  return buildLiveDashboard(
    { environment: ENVIRONMENT, service, updaterName: SETTINGS.updaterName, resources: resources as never },
    { maxBodyBytes: SETTINGS.maxBodyBytes },
  );
}

const puts = () =>
  cloudWatch.commandCalls(PutDashboardCommand).map(({ args }) => ({
    name: args[0].input.DashboardName ?? '',
    body: args[0].input.DashboardBody ?? '',
  }));
const deletes = () =>
  cloudWatch.commandCalls(DeleteDashboardsCommand).flatMap(({ args }) => args[0].input.DashboardNames ?? []);

beforeEach(() => {
  tagging.reset();
  cloudWatch.reset();
  cloudWatch.on(PutDashboardCommand).resolves({ DashboardValidationMessages: [] });
  cloudWatch.on(DeleteDashboardsCommand).resolves({});
});

describe('discovery', () => {
  test('reads every page of GetResources, filtered by the service and environment tags', async () => {
    resourcePages(
      [tagged(functionArn('orders-api'), 'orders'), tagged(queueArn('orders-queue'), 'orders')],
      [tagged(tableArn('orders'), 'orders')],
      [tagged(functionArn('billing-run'), 'billing')],
    );
    storedDashboards({});

    const result = await updater()(scheduled());

    const calls = tagging.commandCalls(GetResourcesCommand).map(({ args }) => args[0].input);
    expect(calls.map((input) => input.PaginationToken)).toEqual([undefined, 'page-2', 'page-3']);
    for (const input of calls) {
      expect(input.TagFilters).toEqual([
        { Key: 'vigil:service' },
        { Key: 'Environment', Values: [ENVIRONMENT] },
      ]);
      expect(input.ResourceTypeFilters).toEqual(
        expect.arrayContaining(['lambda:function', 'sqs', 'dynamodb:table']),
      );
    }
    expect(result.services).toEqual(['billing', 'orders']);
    const written = puts();
    expect(written.map(({ name }) => name)).toEqual(['vigil-test-billing-live', 'vigil-test-orders-live']);
    const orders = written[1]?.body ?? '';
    for (const heading of ['## lambda orders-api', '## sqs orders-queue', '## dynamodb orders']) {
      expect(orders).toContain(heading);
    }
    expect(orders).not.toContain('billing-run');
    for (const { body } of written) expect(dashboardBodyProblems(body)).toEqual([]);
  });

  test('draws a resource only from its ARN and tag, and names what it cannot draw', async () => {
    resourcePages([
      tagged(functionArn('orders-api'), 'orders'),
      tagged('arn:aws:apigateway:eu-west-1::/restapis/abc123', 'orders'),
      tagged(functionArn('misnamed'), 'Orders Service'),
    ]);
    storedDashboards({});

    const result = await updater()(scheduled());

    expect(result.skipped).toEqual([
      { arn: 'arn:aws:apigateway:eu-west-1::/restapis/abc123', reason: expect.stringContaining('ApiName') },
      { arn: functionArn('misnamed'), reason: expect.stringContaining('not a kebab-case service name') },
    ]);
    expect(puts().map(({ name }) => name)).toEqual(['vigil-test-orders-live']);
    expect(puts()[0]?.body).not.toContain('misnamed');
  });
});

describe('rebuilding', () => {
  const before = [functionArn('orders-api'), queueArn('orders-queue'), tableArn('orders')];

  test('nothing changed: the stored bodies are the ones it would write, so nothing is written', async () => {
    resourcePages(before.map((arn) => tagged(arn, 'orders')));
    const [stored] = bodyFor('orders', before);
    storedDashboards({ 'vigil-test-orders-live': stored?.body ?? '' });

    const result = await updater()(tagChange());

    expect(cloudWatch.commandCalls(PutDashboardCommand)).toHaveLength(0);
    expect(cloudWatch.commandCalls(DeleteDashboardsCommand)).toHaveLength(0);
    expect(result.unchanged).toEqual(['vigil-test-orders-live']);
  });

  test('a stored body that differs only in formatting is unchanged too', async () => {
    resourcePages(before.map((arn) => tagged(arn, 'orders')));
    const [stored] = bodyFor('orders', before);
    storedDashboards({ 'vigil-test-orders-live': JSON.stringify(JSON.parse(stored?.body ?? ''), null, 2) });

    await updater()(scheduled());

    expect(cloudWatch.commandCalls(PutDashboardCommand)).toHaveLength(0);
  });

  test('a resource that is gone loses its widgets', async () => {
    const [stored] = bodyFor('orders', before);
    storedDashboards({ 'vigil-test-orders-live': stored?.body ?? '' });
    resourcePages([tagged(functionArn('orders-api'), 'orders'), tagged(tableArn('orders'), 'orders')]);

    await updater()(scheduled());

    const [written] = puts();
    expect(written?.name).toBe('vigil-test-orders-live');
    expect(stored?.body).toContain('orders-queue');
    expect(written?.body).not.toContain('orders-queue');
    expect(written?.body).toContain('## lambda orders-api');
    expect(written?.body).toBe(bodyFor('orders', [functionArn('orders-api'), tableArn('orders')])[0]?.body);
    expect(dashboardBodyProblems(written?.body)).toEqual([]);
  });

  test('a service with no resources left loses its dashboards; other dashboards are left alone', async () => {
    resourcePages([tagged(functionArn('orders-api'), 'orders')]);
    storedDashboards({
      'vigil-test-orders-live': bodyFor('orders', [functionArn('orders-api')])[0]?.body ?? '',
      'vigil-test-legacy-live': '{"widgets":[]}',
      'vigil-test-legacy-live-2': '{"widgets":[]}',
      // Synth-time dashboards share the prefix and are never ours to delete.
      'vigil-test-orders': '{"widgets":[]}',
      'vigil-test-operations': '{"widgets":[]}',
    });

    const result = await updater()(scheduled());

    expect(deletes()).toEqual(['vigil-test-legacy-live', 'vigil-test-legacy-live-2']);
    expect(result.deleted).toEqual(deletes());
    expect(cloudWatch.commandCalls(PutDashboardCommand)).toHaveLength(0);
  });

  test('a body over the size limit is split between resources, and the parts no longer needed are deleted', async () => {
    const arns = Array.from({ length: 30 }, (_, index) =>
      functionArn(`orders-fn-${String(index).padStart(2, '0')}`),
    );
    resourcePages(
      arns.slice(0, 20).map((arn) => tagged(arn, 'orders')),
      arns.slice(20).map((arn) => tagged(arn, 'orders')),
    );
    storedDashboards({
      'vigil-test-orders-live': '{"widgets":[]}',
      'vigil-test-orders-live-2': '{"widgets":[]}',
      'vigil-test-orders-live-7': '{"widgets":[]}',
    });
    const maxBodyBytes = 12_000;

    await updater({ maxBodyBytes })(scheduled());

    const written = puts();
    expect(written.length).toBeGreaterThan(2);
    expect(written.map(({ name }) => name)).toEqual(
      written.map((_, index) => `vigil-test-orders-live${index === 0 ? '' : `-${index + 1}`}`),
    );
    for (const { body } of written) {
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxBodyBytes);
      expect(dashboardBodyProblems(body)).toEqual([]);
      expect(body).toContain(
        `Part ${written.findIndex((part) => part.body === body) + 1} of ${written.length}.`,
      );
    }
    // Every function is drawn exactly once, in name order across the parts.
    const headings = written.flatMap(({ body }) => body.match(/## lambda orders-fn-\d+/g) ?? []);
    expect(headings).toEqual(arns.map((arn) => `## lambda ${arn.split(':').pop()}`));
    expect(written.length).toBeLessThan(7);
    expect(deletes()).toEqual(['vigil-test-orders-live-7']);
    // Writes come before deletes, so the service always has a dashboard.
    const order = cloudWatch.calls().map((call) => call.args[0].constructor.name);
    expect(order.lastIndexOf('PutDashboardCommand')).toBeLessThan(order.indexOf('DeleteDashboardsCommand'));
  });

  test('the same resources in any order make the same bodies', async () => {
    const arns = [functionArn('b-fn'), queueArn('a-queue'), functionArn('a-fn'), tableArn('z-table')];
    resourcePages(arns.map((arn) => tagged(arn, 'orders')));
    storedDashboards({});
    await updater()(scheduled());
    const first = puts();

    cloudWatch.resetHistory();
    tagging.reset();
    resourcePages([...arns].reverse().map((arn) => tagged(arn, 'orders')));
    await updater()(scheduled());

    expect(puts()).toEqual(first);
    expect(first[0]?.body.indexOf('## dynamodb z-table')).toBeLessThan(
      first[0]?.body.indexOf('## lambda a-fn') ?? 0,
    );
  });
});

describe('validation messages from PutDashboard', () => {
  test('fail the invocation naming the dashboard and the problem, after the other dashboards are written', async () => {
    resourcePages([
      tagged(functionArn('orders-api'), 'orders'),
      tagged(functionArn('billing-run'), 'billing'),
    ]);
    storedDashboards({});
    cloudWatch.on(PutDashboardCommand, { DashboardName: 'vigil-test-billing-live' }).resolves({
      DashboardValidationMessages: [
        { DataPath: '/widgets/1/properties', Message: 'Should have property metrics' },
      ],
    });

    await expect(updater()(scheduled())).rejects.toThrow(
      'PutDashboard reported problems: vigil-test-billing-live: /widgets/1/properties Should have property metrics',
    );
    expect(puts().map(({ name }) => name)).toEqual(['vigil-test-billing-live', 'vigil-test-orders-live']);
  });

  test('a refused body (DashboardInvalidInputError) is reported the same way and not counted as written', async () => {
    resourcePages([tagged(functionArn('orders-api'), 'orders')]);
    storedDashboards({});
    cloudWatch.on(PutDashboardCommand).rejects(
      new DashboardInvalidInputError({
        message: 'The value for field DashboardBody is invalid',
        $metadata: {},
        dashboardValidationMessages: [{ DataPath: '/widgets/0', Message: 'Invalid widget' }],
      }),
    );

    await expect(updater()(scheduled())).rejects.toMatchObject({
      name: 'DashboardValidationError',
      problems: [
        {
          dashboard: 'vigil-test-orders-live',
          messages: [{ DataPath: '/widgets/0', Message: 'Invalid widget' }],
        },
      ],
    });
  });
});

describe('events', () => {
  test('the documented schedule and tag-change samples both start a rebuild', async () => {
    resourcePages([]);
    storedDashboards({});
    await expect(updater()(scheduled())).resolves.toMatchObject({ services: [] });
    await expect(updater()(tagChange())).resolves.toMatchObject({ services: [] });
  });

  test('a malformed event is refused with what is wrong, before any AWS call', async () => {
    const event = tagChange();
    delete (event.detail as Record<string, unknown>)['changed-tag-keys'];

    await expect(updater()(event)).rejects.toThrow(
      new UpdaterEventError(
        'Not a Tag Change on Resource event: detail.changed-tag-keys: Invalid input: expected array, received undefined',
      ),
    );
    await expect(updater()({ source: 'aws.s3' })).rejects.toThrow(/source "aws.s3", expected aws.events/);
    expect(tagging.calls()).toHaveLength(0);
    expect(cloudWatch.calls()).toHaveLength(0);
  });
});
