import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CostReport } from '../../../lambda/cost-report/cost-report-model';
import { publishMonthlyReport } from '../../../lambda/cost-report/monthly-report';
import { readRecording } from '../../../lambda/cost-report/recording/recorded-exchanges';
import { reportPeriod } from '../../../lambda/cost-report/report-period';
import { readReportSettings } from '../../../lambda/cost-report/report-settings';
import { LocalAws } from '../local-aws';
import { type AnsweredCall, answerFromRecording } from '../recorded-answers';
import type { LoopSummary, Scenario } from '../scenario';
import { synthesizeDevApp } from '../synthesize';
import { SynthesizedAppReader } from '../synthesized-app';
import { Timeline } from '../timeline';

/**
 * Cost Explorer and Budgets answers recorded for one small serverless account, November 2026: one
 * file per request with its exact input and output (pages and errors included), in the shapes of the
 * AWS Billing and Cost Management API Reference each file names in its `reference`
 * (API_GetCostAndUsage.html, API_GetCostForecast.html, API_GetAnomalies.html,
 * API_budgets_DescribeBudgets.html, API_budgets_DescribeBudgetPerformanceHistory.html). The format
 * is lambda/cost-report/recording/recorded-exchanges.ts's, which `npm run cost-report -- --fixture`
 * replays too.
 */
const RECORDING = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'tests',
  'fixtures',
  'aws',
  'cost-explorer',
  'monthly-cost',
);

/** The report uses no DynamoDB; `LocalAws.clients` wants an endpoint, and this one is never called. */
const NO_DYNAMODB = 'http://127.0.0.1:9';

export const monthlyCost: Scenario = {
  name: 'monthly-cost',
  description:
    "the cost report from recorded Cost Explorer answers: the monthly schedule fires, the real report reads last month's costs, budgets and anomalies, renders them and mails them",
  run: async ({ runFolder }) => {
    const app = synthesizeDevApp();
    try {
      return await run(new SynthesizedAppReader(app), runFolder);
    } finally {
      app.dispose();
    }
  },
};

async function run(reader: SynthesizedAppReader, folder: string) {
  const fn = reader.resource('AWS::Lambda::Function', '-cost', 'ReporterFunction');
  const alias = reader.resource('AWS::Lambda::Alias', '-cost', 'ReporterLive');
  const rule = reader.resource('AWS::Events::Rule', '-cost', 'MonthlySchedule');
  const targets = (rule.properties.Targets ?? []) as { Arn?: unknown }[];
  if (!targets.some((target) => JSON.stringify(target.Arn) === JSON.stringify({ Ref: alias.logicalId }))) {
    throw new Error(`${rule.logicalId} does not invoke ${alias.logicalId}`);
  }
  const schedule = String(rule.properties.ScheduleExpression);
  const recording = readRecording(RECORDING);
  // Simulated time is the schedule's firing the recording was made at. The scenario's default start
  // (a few hours ago) would ask for months not recorded.
  const recordedAt = Date.parse(recording.manifest.recordedAt);
  const firesAt = firstFiringAfter(schedule, reportPeriod(new Date(recordedAt)).month);
  if (firesAt !== recordedAt) {
    throw new Error(
      `the recording was made at ${recording.manifest.recordedAt}, not when ${rule.logicalId} fires (${new Date(firesAt).toISOString()})`,
    );
  }
  const timeline = new Timeline(firesAt);
  const functionName = reader.ref(fn);
  timeline.add(
    firesAt,
    `scheduled rule ${rule.logicalId} (${schedule}) fires: invokes ${functionName}:${alias.properties.Name}`,
  );

  // Configured as deployed: the function's environment in the template, read by its own reader.
  const settings = readReportSettings(reader.environment(fn));
  const aws = new LocalAws();
  const recorded = answerFromRecording(aws, recording, (call) => timeline.add(firesAt, describeCall(call)));
  const objects = new Map<string, string>();
  aws.on('S3.PutObject', (input: { Bucket: string; Key: string; Body: string; ContentType?: string }) => {
    objects.set(input.Key, input.Body);
    timeline.add(firesAt, `S3 PutObject s3://${input.Bucket}/${input.Key} (${input.ContentType})`);
    return { ETag: `"${objects.size}"`, VersionId: `local-${objects.size}` };
  });
  const emails: string[] = [];
  aws.on('SNS.Publish', (input: { TopicArn: string; Subject?: string; Message: string }) => {
    // What an email subscription of the topic receives: the subject, then the message.
    emails.push(`Subject: ${input.Subject ?? ''}\n\n${input.Message}\n`);
    timeline.add(firesAt, `mail published to ${input.TopicArn.split(':').at(-1)}: ${input.Subject ?? ''}`);
    return { MessageId: `local-${emails.length}` };
  });
  aws.on(
    'SESv2.SendEmail',
    (input: {
      Destination?: { ToAddresses?: string[] };
      Content?: { Simple?: { Subject?: { Data?: string } } };
    }) => {
      timeline.add(
        firesAt,
        `SES email to ${input.Destination?.ToAddresses?.join(', ')}: ${input.Content?.Simple?.Subject?.Data ?? ''}`,
      );
      return { MessageId: `local-ses-${emails.length}` };
    },
  );
  // The clients the function gets in its own region (the cost stack's), answered by the stand-ins.
  const clients = aws.clients(NO_DYNAMODB, fn.stack.region);

  const failures: string[] = [];
  try {
    await publishMonthlyReport(clients, settings, new Date(firesAt));
  } catch (error) {
    failures.push(`the report failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  const written = writeReport(folder, objects, emails);
  if (written.html === undefined) failures.push('the report was not written (no HTML stored)');
  else timeline.add(firesAt, `report written: ${path.join(folder, 'cost-report.html')}, .csv, .json`);
  if (emails.length === 0) failures.push('no mail was published');
  for (const call of aws.unsupported) failures.push(`no local stand-in for ${call}`);
  for (const call of recorded.unrecorded) failures.push(`not in the recording: ${call}`);

  const report = written.json === undefined ? undefined : (JSON.parse(written.json) as CostReport);
  const unasked = recorded.unasked();
  const notes = [
    `Cost Explorer and Budgets: answered from ${path.relative(process.cwd(), RECORDING)} (recorded for the run of ${new Date(firesAt).toISOString()}), not from an account`,
    "S3 and SNS: the report's objects and its mail kept in memory and written to the run folder; the link in the mail is presigned for the real bucket",
    `the EventBridge rule: not evaluated; the run starts at its firing the recording was made for (${schedule})`,
    ...unasked.map(
      (exchange) =>
        `recorded, never asked by the report: ${exchange.file} (${exchange.operation} ${describeRequest(exchange.input)})`,
    ),
  ];
  const summary: LoopSummary = {
    scenario: 'monthly-cost',
    simulatedSeconds: 0,
    wallSeconds: 0,
    detectedAfterSeconds: null,
    alerts: [],
    remediations: [],
    resolvedAfterSeconds: null,
    unsupportedCalls: aws.unsupported,
    ...(report === undefined ? {} : { costReport: costReportOf(report) }),
  };
  return { summary, timeline, emails, notes, failures };
}

/** The report as a person receives it: the HTML the link opens, the CSV and JSON beside it, the mail. */
function writeReport(folder: string, objects: ReadonlyMap<string, string>, emails: readonly string[]) {
  const stored = (extension: string) =>
    [...objects].find(([key]) => key.endsWith(`.${extension}`))?.[1] ?? undefined;
  const written = { html: stored('html'), csv: stored('csv'), json: stored('json') };
  for (const [extension, body] of Object.entries(written)) {
    if (body !== undefined) fs.writeFileSync(path.join(folder, `cost-report.${extension}`), body);
  }
  if (emails[0] !== undefined) fs.writeFileSync(path.join(folder, 'cost-report-email.txt'), emails[0]);
  return written;
}

/** The outcome line's figures, as the report shows them. */
function costReportOf(report: CostReport): NonNullable<LoopSummary['costReport']> {
  const credits = report.adjustments.find((line) => line.recordType === 'Credit');
  return {
    month: report.period.month,
    total: report.totals.net.lastMonth,
    currency: report.currency,
    // Usage per service, then each credit, refund, tax or fee line: together they add up to the total.
    services: [
      ...report.services.map((service) => ({ service: service.service, amount: service.lastMonth })),
      ...report.adjustments.map((line) => ({ service: line.label, amount: line.lastMonth })),
    ],
    creditsApplied: credits?.lastMonth ?? 0,
  };
}

/**
 * The first time an EventBridge `cron(minute hour day-of-month * ? *)` schedule fires after `month`
 * (`YYYY-MM`) ends, in UTC as EventBridge evaluates cron. Other forms are not needed here.
 */
export function firstFiringAfter(schedule: string, month: string): number {
  const match = /^cron\((\d+) (\d+) (\d+) \* \? \*\)$/.exec(schedule);
  if (!match) throw new Error(`unsupported schedule ${schedule}: expected cron(M H D * ? *)`);
  const [, minute, hour, day] = match.map(Number) as [number, number, number, number];
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return Date.UTC(year, monthNumber, day, hour, minute);
}

/** `GetCostAndUsage 2026-10-01..2026-12-01 MONTHLY by SERVICE, page 1 of 2: 20 groups`. */
function describeCall(call: AnsweredCall): string {
  const service = call.operation.startsWith('Budgets.') ? 'Budgets' : 'Cost Explorer';
  const operation = call.operation.split('.')[1];
  const paged = call.pages > 1 ? `, page ${call.page} of ${call.pages}` : '';
  return `${service} ${operation} ${describeRequest(call.request)}${paged}: ${describeAnswer(call.answer)} (${call.file})`;
}

function describeRequest(request: Record<string, unknown>): string {
  const period = (request.TimePeriod ?? request.DateInterval) as Record<string, string | number> | undefined;
  const day = (value: string | number | undefined) =>
    typeof value === 'number' ? new Date(value * 1000).toISOString().slice(0, 10) : value;
  const parts = [
    period && `${day(period.Start ?? period.StartDate)}..${day(period.End ?? period.EndDate)}`,
    request.Granularity as string | undefined,
    Array.isArray(request.GroupBy) &&
      `by ${(request.GroupBy as { Type: string; Key: string }[]).map((group) => (group.Type === 'TAG' ? `tag ${group.Key}` : group.Key)).join(' and ')}`,
    request.Filter !== undefined && `filter ${JSON.stringify(request.Filter)}`,
    request.AccountId !== undefined && `account ${request.AccountId}`,
    request.BudgetName !== undefined && `budget ${request.BudgetName}`,
  ];
  return parts.filter(Boolean).join(' ');
}

function describeAnswer(answer: Record<string, unknown>): string {
  if (Array.isArray(answer.ResultsByTime)) {
    const results = answer.ResultsByTime as { Groups?: unknown[]; Estimated?: boolean }[];
    const groups = results.reduce((sum, result) => sum + (result.Groups?.length ?? 0), 0);
    const estimated = results.some((result) => result.Estimated) ? ', estimated' : '';
    return `${results.length} periods${groups > 0 ? `, ${groups} groups` : ''}${estimated}`;
  }
  if (Array.isArray(answer.Anomalies)) return `${answer.Anomalies.length} anomalies`;
  if (Array.isArray(answer.Budgets)) return `${answer.Budgets.length} budgets`;
  if (answer.BudgetPerformanceHistory) return 'budgeted and actual amounts';
  const total = answer.Total as { Amount?: string; Unit?: string } | undefined;
  return total ? `forecast ${total.Amount} ${total.Unit}` : 'answered';
}
