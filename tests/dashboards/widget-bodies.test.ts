import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { placeRows } from '../../dashboards/widget-bodies/grid-layout';
import {
  buildLiveDashboard,
  liveDashboardName,
  parseLiveDashboardName,
} from '../../dashboards/widget-bodies/live-dashboard';
import type { WatchedResource } from '../../dashboards/widget-bodies/resource-widgets';
import { resourceSection } from '../../dashboards/widget-bodies/resource-widgets';
import { textWidget } from '../../dashboards/widget-bodies/widgets';
import { dashboardBodyProblems } from '../fixtures/aws/dashboard-updater/dashboard-body-schema';

const fn = (name: string): WatchedResource => ({
  kind: 'lambda',
  name,
  arn: `arn:aws:lambda:eu-west-1:123456789012:function:${name}`,
  region: 'eu-west-1',
  dimensions: [['FunctionName', name]],
});

describe('grid layout', () => {
  it('places rows left to right, wrapping at 24 columns, each row below the last', () => {
    const w = (width: number, height: number) => textWidget('x', { width, height });
    const placed = placeRows([[w(24, 2)], [w(8, 6), w(8, 6), w(8, 6), w(8, 3)], [w(24, 1)]]);
    expect(placed.map(({ x, y }) => [x, y])).toEqual([
      [0, 0],
      [0, 2],
      [8, 2],
      [16, 2],
      [0, 8],
      [0, 11],
    ]);
  });
});

describe('live dashboard names', () => {
  it('reads back the service and part of every name it makes, and nothing else', () => {
    const service = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,30}$/);
    fc.assert(
      fc.property(service, fc.integer({ min: 1, max: 99 }), (name, part) => {
        expect(parseLiveDashboardName('prod', liveDashboardName('prod', name, part))).toEqual({
          service: name,
          part,
        });
      }),
    );
    for (const other of [
      'vigil-prod-predictor',
      'vigil-prod-operations',
      'vigil-dev-orders-live',
      'vigil-prod-orders-live-1',
      'vigil-prod--live',
    ]) {
      expect(parseLiveDashboardName('prod', other)).toBeUndefined();
    }
  });
});

describe('live dashboard bodies', () => {
  const input = (resources: WatchedResource[]) => ({
    environment: 'prod',
    service: 'orders',
    updaterName: 'vigil-prod-dashboard-updater',
    resources,
  });

  it('draws each resource with the same section builder, headed like the synth-time dashboards', () => {
    const [part] = buildLiveDashboard(input([fn('orders-api')]), { maxBodyBytes: 50_000 });
    const body = JSON.parse(part?.body ?? '');
    expect(dashboardBodyProblems(body)).toEqual([]);
    const section = resourceSection(fn('orders-api'));
    expect(
      body.widgets.slice(1).map(({ x: _x, y: _y, ...widget }: Record<string, unknown>) => widget),
    ).toEqual(section);
    expect(section[0]).toMatchObject({ type: 'text', properties: { markdown: '## lambda orders-api' } });
    expect(body.widgets[1].properties.metrics).toBeUndefined();
    expect(body.widgets[2].properties.metrics[0]).toEqual([
      'AWS/Lambda',
      'Invocations',
      'FunctionName',
      'orders-api',
      { stat: 'Sum', label: 'Invocations' },
    ]);
  });

  it('splits by widget count too, at the documented 500 widgets', () => {
    const resources = Array.from({ length: 130 }, (_, index) => fn(`fn-${String(index).padStart(3, '0')}`));
    const parts = buildLiveDashboard(input(resources), { maxBodyBytes: 10_000_000 });
    expect(parts.map(({ name }) => name)).toEqual(['vigil-prod-orders-live', 'vigil-prod-orders-live-2']);
    for (const part of parts) {
      const body = JSON.parse(part.body);
      expect(body.widgets.length).toBeLessThanOrEqual(500);
      expect(dashboardBodyProblems(body)).toEqual([]);
    }
  });

  it('refuses a limit no single resource fits in', () => {
    expect(() => buildLiveDashboard(input([fn('orders-api')]), { maxBodyBytes: 500 })).toThrow(
      '## lambda orders-api alone exceeds one dashboard',
    );
  });
});

describe('the widget builders module', () => {
  it('imports nothing but its own files, so a Lambda bundle never carries aws-cdk-lib', () => {
    const folder = path.join(__dirname, '..', '..', 'dashboards', 'widget-bodies');
    const files = fs.readdirSync(folder).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const source = fs.readFileSync(path.join(folder, file), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1]);
      expect({ file, outside: imports.filter((from) => !from?.startsWith('./')) }).toEqual({
        file,
        outside: [],
      });
    }
  });
});
