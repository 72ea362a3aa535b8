import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SAVED_QUERIES } from '../../../constructs/monitoring/saved-queries';
import { ServiceMonitoring } from '../../../constructs/monitoring/service-monitoring';
import {
  parseLogsInsightsQuery,
  runLogsInsightsQuery,
} from '../../../scripts/local-loop/logs-insights-stand-in';
import { newFunction } from '../../support/alarm-template';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'aws', 'lambda-logs');
// One line each, as CloudWatch Logs stores them (the fixtures are formatted for reading).
const line = (name: string) => JSON.stringify(JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')));
const LOG_GROUP = '/aws/lambda/vigil-dev-predictor-scorer';
const events = [
  'platform-report-cold.json',
  'platform-report.json',
  'unhandled-error.json',
  'powertools-error.json',
].map((name, index) => ({
  logGroup: LOG_GROUP,
  timestamp: Date.parse('2023-12-08T23:00:00Z') + index * 1000,
  message: line(name),
}));
const query = (name: string) => {
  const saved = SAVED_QUERIES.find((candidate) => candidate.name === name);
  if (!saved) throw new Error(`no saved query ${name}`);
  return saved.query;
};
const rows = (name: string, lines = events) =>
  runLogsInsightsQuery(parseLogsInsightsQuery(query(name)), lines).results.map((row) =>
    Object.fromEntries(row.map((cell) => [cell.field, cell.value])),
  );

describe("the saved queries, run by the local Logs Insights stand-in on AWS's and Powertools' documented lines", () => {
  test('every query parses, with only the commands and functions the stand-in knows as Logs Insights documents them', () => {
    for (const saved of SAVED_QUERIES) expect(() => parseLogsInsightsQuery(saved.query)).not.toThrow();
  });

  test('errors by type: both error shapes, named by their type', () => {
    expect(rows('errors-by-type')).toEqual([
      expect.objectContaining({
        type: 'TypeError',
        text: "Cannot read properties of undefined (reading 'rows')",
        errors: '1',
      }),
      expect.objectContaining({ type: 'SlowDown', text: 'Please reduce your request rate.', errors: '1' }),
    ]);
  });

  test('slowest requests: the platform reports, slowest first', () => {
    expect(rows('slowest-requests').map((row) => [row.requestId, row.durationMs])).toEqual([
      ['4c6c2b0a-7d2a-4c2a-9b9e-5f3c7a1e2d10', '3215.7'],
      ['6d68ca91-49c9-448d-89b8-7ca3e6dc66aa', '2599.4'],
    ]);
  });

  test('cold starts: only the invocation with an init duration', () => {
    expect(rows('cold-starts')).toEqual([
      expect.objectContaining({ initDurationMs: '549.04', durationMs: '3215.7' }),
    ]);
  });

  test('one request: a request id finds its report and its error; a trace id finds the Powertools line', () => {
    const byRequest = runLogsInsightsQuery(
      parseLogsInsightsQuery(
        query('one-request').replaceAll('REQUEST_ID', '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa'),
      ),
      events,
    ).results;
    expect(byRequest).toHaveLength(2);
    const byTrace = runLogsInsightsQuery(
      parseLogsInsightsQuery(
        query('one-request').replaceAll('REQUEST_ID', '1-5759e988-bd862e3fe1be46a994272793'),
      ),
      events,
    ).results;
    expect(byTrace).toHaveLength(1);
  });
});

describe('ServiceMonitoring saves them for each service with functions', () => {
  const synth = (props: { savedQueries?: boolean } = {}) => {
    const app = new App({ context: { '@aws-cdk/aws-lambda:useCdkManagedLogGroup': true } });
    const stack = new Stack(app, 'Shop');
    const monitoring = new ServiceMonitoring(stack, 'Monitoring', {
      service: 'shop',
      alarmNamePrefix: 'vigil-dev',
      ...props,
    });
    monitoring.monitorLambda(newFunction(stack, 'Checkout'));
    monitoring.monitorLambda(newFunction(stack, 'Refunds'));
    return { template: Template.fromStack(stack), monitoring };
  };

  test('four definitions, named <prefix>-<service>/<query>, each over both functions’ log groups', () => {
    const { template, monitoring } = synth();
    const definitions = template.findResources('AWS::Logs::QueryDefinition');
    expect(
      Object.values(definitions)
        .map((definition) => definition.Properties.Name)
        .sort(),
    ).toEqual([
      'vigil-dev-shop/cold-starts',
      'vigil-dev-shop/errors-by-type',
      'vigil-dev-shop/one-request',
      'vigil-dev-shop/slowest-requests',
    ]);
    for (const definition of Object.values(definitions)) {
      expect(definition.Properties.LogGroupNames).toHaveLength(2);
    }
    expect(monitoring.logGroupNames).toHaveLength(2);
    template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'vigil-dev-shop/errors-by-type',
      QueryString: Match.stringLikeRegexp('filter level = "ERROR"'),
    });
  });

  test('savedQueries: false saves none', () => {
    synth({ savedQueries: false }).template.resourceCountIs('AWS::Logs::QueryDefinition', 0);
  });
});
