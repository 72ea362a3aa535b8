import * as fs from 'node:fs';
import * as path from 'node:path';
import type { cx_api } from 'aws-cdk-lib';
import { z } from 'zod';
import { monitoringCostOf } from '../constructs/monitoring/monitoring-cost';

/** One unacknowledged finding of a validation plugin (cdk-nag pack or CloudFormation validation). */
export interface Finding {
  readonly plugin: string;
  readonly rule: string;
  readonly description: string;
  readonly constructPath: string;
}

/** What one synthesized stack contains, as printed by `npm start`. */
export interface StackSummary {
  readonly stack: string;
  readonly resources: number;
  readonly alarms: number;
  readonly functions: number;
  /** Monthly USD of its alarms, dashboards and log-derived metrics at list prices. */
  readonly monitoringUsd: number;
  readonly findings: readonly Finding[];
}

// The file's format belongs to aws-cdk-lib; parsing it strictly turns a format change into a clear error.
const validationReport = z.object({
  pluginReports: z.array(
    z.object({
      pluginName: z.string(),
      violations: z.array(
        z.object({
          ruleName: z.string(),
          description: z.string(),
          violatingConstructs: z.array(z.object({ constructPath: z.string() })),
        }),
      ),
    }),
  ),
});

const ALARM_TYPES = new Set(['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']);

/** Findings recorded in the assembly's `validation-report.json` (absent when no plugin ran). */
export function readFindings(assembly: cx_api.CloudAssembly): Finding[] {
  const reportFile = path.join(assembly.directory, 'validation-report.json');
  if (!fs.existsSync(reportFile)) return [];
  const report = validationReport.parse(JSON.parse(fs.readFileSync(reportFile, 'utf8')));
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((construct) => ({
        plugin: plugin.pluginName,
        rule: violation.ruleName,
        description: violation.description,
        constructPath: construct.constructPath,
      })),
    ),
  );
}

/** Counts resources, alarms, Lambda functions and unacknowledged findings per stack. */
export function summarizeAssembly(assembly: cx_api.CloudAssembly): StackSummary[] {
  const findings = readFindings(assembly);
  return assembly.stacksRecursively.map((stack) => {
    // CDKMetadata is CLI bookkeeping, not part of what the user deploys.
    const resources = Object.values<{ Type: string }>(stack.template.Resources ?? {}).filter(
      (resource) => resource.Type !== 'AWS::CDK::Metadata',
    );
    const stackPath = stack.hierarchicalId;
    return {
      stack: stack.stackName,
      resources: resources.length,
      alarms: resources.filter((resource) => ALARM_TYPES.has(resource.Type)).length,
      functions: resources.filter((resource) => resource.Type === 'AWS::Lambda::Function').length,
      monitoringUsd: monitoringCostOf(stack.template).total,
      findings: findings.filter(
        (finding) => finding.constructPath === stackPath || finding.constructPath.startsWith(`${stackPath}/`),
      ),
    };
  });
}

/** Renders the summaries as an aligned text table with a totals row. */
export function formatSummaryTable(summaries: readonly StackSummary[]): string {
  const header = [
    'Stack',
    'Resources',
    'Alarms',
    'Lambda functions',
    'Monitoring $/month',
    'Unacknowledged findings',
  ];
  const total = (pick: (summary: StackSummary) => number) =>
    String(summaries.reduce((sum, summary) => sum + pick(summary), 0));
  const rows = [
    header,
    ...summaries.map((summary) => [
      summary.stack,
      String(summary.resources),
      String(summary.alarms),
      String(summary.functions),
      summary.monitoringUsd.toFixed(2),
      String(summary.findings.length),
    ]),
    [
      'Total',
      total((summary) => summary.resources),
      total((summary) => summary.alarms),
      total((summary) => summary.functions),
      summaries.reduce((sum, summary) => sum + summary.monitoringUsd, 0).toFixed(2),
      total((summary) => summary.findings.length),
    ],
  ];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(rows[0] ?? []), rule, ...rows.slice(1, -1).map(line), rule, line(rows.at(-1) ?? [])].join(
    '\n',
  );
}
