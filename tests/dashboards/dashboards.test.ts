import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { loadConfig } from '../../config/load-config';
import { dashboardBodyProblems } from '../fixtures/aws/dashboard-updater/dashboard-body-schema';
import { vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

interface Widget {
  type: string;
  width: number;
  properties: { title?: string; alarms?: string[]; annotations?: { alarms?: string[] }; markdown?: string };
}

/** Each dashboard body of a template, with every CloudFormation token in it replaced by a placeholder. */
function bodiesOf(template: Template): string[] {
  return Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map((dashboard) => {
    const body = dashboard.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
    return typeof body === 'string'
      ? body
      : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  });
}

/** The (first) dashboard's widgets. */
function widgetsOf(template: Template): Widget[] {
  return (JSON.parse(bodiesOf(template)[0] ?? '') as { widgets: Widget[] }).widgets;
}

// Reads templates only: CloudFormation's validation runs in compliance-gate.test.ts.
const { app, stacks } = vigilStacks(loadConfig('dev'), WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION);
const predictor = Template.fromStack(stacks.predictor);
const widgets = widgetsOf(predictor);
const registered = stacks.predictor.monitoring
  .registeredAlarms()
  .filter(({ partOf }) => partOf === undefined);

describe('service dashboard', () => {
  it('is named for the service and linked from a stack output', () => {
    predictor.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'vigil-dev-predictor' });
    const outputs = Object.values(predictor.findOutputs('*')).map((output) => JSON.stringify(output.Value));
    expect(outputs.some((value) => value.includes('#dashboards:name=vigil-dev-predictor'))).toBe(true);
  });

  it('shows the status of every notifying alarm, paging ones first', () => {
    const status = widgets.filter((widget) => widget.type === 'alarm');
    expect(status.map((widget) => widget.properties.title)).toEqual([
      'Critical and high',
      'Warning and info',
    ]);
    const shown = status.reduce((sum, widget) => sum + (widget.properties.alarms?.length ?? 0), 0);
    expect(shown).toBe(registered.length);
    const urgent = registered.filter(({ severity }) => severity === 'critical' || severity === 'high');
    expect(status[0]?.properties.alarms).toHaveLength(urgent.length);
  });

  it('shows the error budget left of each objective over its budget period', () => {
    const budgets = widgets.filter((widget) => widget.properties.title?.includes('error budget left'));
    expect(budgets.map((widget) => widget.properties.title)).toEqual([
      'api: error budget left (30 days)',
      'api-function: error budget left (30 days)',
    ]);
  });

  it('graphs every metric alarm against its threshold, under a heading per resource', () => {
    const graphs = widgets.filter((widget) => widget.properties.annotations?.alarms);
    const metricAlarms = registered.filter(({ alarm }) => alarm instanceof cloudwatch.Alarm);
    expect(graphs).toHaveLength(metricAlarms.length);
    const headings = widgets.filter((widget) => widget.properties.markdown?.startsWith('## '));
    expect(headings.map((widget) => widget.properties.markdown)).toEqual(
      expect.arrayContaining([
        '## lambda upload-scorer',
        '## lambda api',
        '## http-api http-api',
        '## model arrest-model',
      ]),
    );
    expect(widgets.every((widget) => widget.width <= 24)).toBe(true);
  });
});

describe('operations overview', () => {
  const overview = Template.fromStack(stacks.dashboards);
  const overviewWidgets = widgetsOf(overview);

  it('opens with the health of every service, then each service’s paging alarms and budgets', () => {
    overview.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'vigil-dev-operations' });
    expect(overviewWidgets.map((widget) => widget.properties.title)).toEqual([
      'Service health',
      'alerting: paging alarms',
      'remediation: paging alarms',
      'predictor: paging alarms',
      'api: budget left',
      'api-function: budget left',
      'log-archive: paging alarms',
    ]);
    expect(overviewWidgets[0]?.properties.alarms).toHaveLength(3);
  });
});

describe('every synthesized dashboard', () => {
  it('matches the dashboard body structure CloudWatch documents', () => {
    // The assembly Template.fromStack already synthesized: no second synth.
    const bodies = app.synth().stacks.flatMap((stack) => bodiesOf(Template.fromJSON(stack.template)));
    // The alerting, remediation and predictor dashboards, and the overview.
    expect(bodies.length).toBeGreaterThanOrEqual(4);
    for (const body of bodies) expect(dashboardBodyProblems(body)).toEqual([]);
  });
});
