import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AnyClient, createAwsClients } from '../../shared/aws-clients';
import { buildAlertEnricher } from '../build-enricher';
import type { EnricherConfig } from '../enricher-config';
import { cannedOutput, metricAlarmEvent } from './canned-responses';

/**
 * `npm run bench:enrichment`: runs the enricher as deployed (real SDK clients, real wiring) with
 * every AWS call delayed by 300 ms in an SDK middleware that answers with a canned response, and the
 * PagerDuty call answered by a local server after 300 ms. It prints wall times when everything
 * succeeds and when one call hangs forever, against the targets.
 */
const CALL_MS = 300;
const HARD_DEADLINE_MS = 4000;
const CONTEXT_COMMANDS = [
  'GetMetricDataCommand',
  'GetMetricWidgetImageCommand',
  'PutObjectCommand',
  'StartQueryCommand',
  'GetQueryResultsCommand',
  'GetTraceSummariesCommand',
  'DescribeAlarmHistoryCommand',
  'LookupEventsCommand',
  'ListTagsForResourceCommand',
];

interface CallRecord {
  readonly command: string;
  readonly start: number;
  readonly end?: number;
  readonly input: unknown;
}

/** Every client created gets a first middleware that waits, then answers without touching the network. */
function slowClients(hanging: ReadonlySet<string>, calls: CallRecord[]) {
  const onCreate = (client: AnyClient) => {
    (
      client as { middlewareStack: { add: (middleware: unknown, options: unknown) => void } }
    ).middlewareStack.add(
      (_next: unknown, context: { commandName: string }) => async (args: { input: unknown }) => {
        const record: { command: string; start: number; end?: number; input: unknown } = {
          command: context.commandName,
          start: performance.now(),
          input: args.input,
        };
        calls.push(record);
        if (hanging.has(context.commandName)) await new Promise(() => {});
        await new Promise((resolve) => setTimeout(resolve, CALL_MS));
        record.end = performance.now();
        return { output: { $metadata: {}, ...cannedOutput(context.commandName) }, response: {} };
      },
      { step: 'initialize', priority: 'high', name: 'benchLatency' },
    );
  };
  return createAwsClients({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
    onCreate,
  });
}

async function pagerDutyStandIn(): Promise<{ url: string; close: () => void }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () =>
      setTimeout(() => {
        response.writeHead(202, { 'content-type': 'application/json' });
        response.end('{"status":"success"}');
      }, CALL_MS),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/enqueue`,
    close: () => server.close(),
  };
}

function config(pagerDutyUrl: string): EnricherConfig {
  const topic = (severity: string) => `arn:aws:sns:eu-west-1:123456789012:vigil-bench-alerts-${severity}`;
  return {
    destinations: {
      critical: { topicArn: topic('critical'), pagerDutySecretName: 'vigil/pagerduty' },
      high: { topicArn: topic('high') },
      warning: { topicArn: topic('warning') },
      info: { topicArn: topic('info') },
    },
    episodeTableName: 'episodes',
    artifactsBucketName: 'artifacts',
    deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dead-letters',
    graphUrlTtlSeconds: 3600,
    contextDeadlineMs: 3000,
    flapTransitions: 4,
    flapWindowMinutes: 30,
    episodeRetentionDays: 30,
    outsideAlarmSeverity: 'high',
    remediationMode: 'dry-run',
    pagerDutyEventsUrl: pagerDutyUrl,
  };
}

interface Run {
  readonly scenario: string;
  readonly contextMs: number;
  readonly toAlertMs: number;
  readonly totalMs: number;
  readonly missing: string;
}

async function run(scenario: string, hanging: string[], pagerDutyUrl: string, index: number): Promise<Run> {
  const calls: CallRecord[] = [];
  const enrich = buildAlertEnricher(config(pagerDutyUrl), slowClients(new Set(hanging), calls));
  const started = performance.now();
  const [outcome] = await enrich(metricAlarmEvent(`bench-${index}`));
  const totalMs = performance.now() - started;
  const publish = calls.find((call) => call.command === 'PublishCommand');
  const context = calls.filter((call) => CONTEXT_COMMANDS.includes(call.command));
  const contextStart = Math.min(...context.map((call) => call.start));
  const contextEnd = Math.max(...context.map((call) => call.end ?? call.start));
  if (outcome?.result !== 'delivered' || !publish)
    throw new Error(`${scenario}: alert was ${outcome?.result}`);
  const message = JSON.parse((publish.input as { Message: string }).Message) as { default: string };
  const published = JSON.parse(message.default) as { missing?: { source: string; reason: string }[] };
  return {
    scenario,
    // A hung call never ends; the gathering ended when the publish began.
    contextMs: (hanging.length > 0 ? publish.start : contextEnd) - contextStart,
    toAlertMs: (publish.end ?? Number.NaN) - started,
    totalMs,
    missing: (published.missing ?? []).map((entry) => `${entry.source} (${entry.reason})`).join(', ') || '-',
  };
}

async function main(): Promise<void> {
  const pagerDuty = await pagerDutyStandIn();
  try {
    // One warm-up so module loading and JIT are not measured.
    await run('warm-up', [], pagerDuty.url, 0);
    const runs: Run[] = [];
    for (let i = 1; i <= 5; i++) runs.push(await run('all calls succeed', [], pagerDuty.url, i));
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const ok = {
      scenario: 'all calls succeed (median of 5)',
      contextMs: median(runs.map((r) => r.contextMs)),
      toAlertMs: median(runs.map((r) => r.toAlertMs)),
      totalMs: median(runs.map((r) => r.totalMs)),
      missing: '-',
    };
    const hangs: Run[] = [];
    for (const [i, command] of [...CONTEXT_COMMANDS, 'GetItemCommand'].entries()) {
      hangs.push(await run(`${command} hangs`, [command], pagerDuty.url, 100 + i));
    }
    const rows = [ok, ...hangs];
    console.log(`Every AWS call and the PagerDuty POST take ${CALL_MS} ms.\n`);
    console.log(
      ['scenario'.padEnd(40), 'context ms', 'to alert ms', 'total ms', 'not included in the alert'].join(
        '  ',
      ),
    );
    for (const row of rows) {
      console.log(
        [
          row.scenario.padEnd(40),
          row.contextMs.toFixed(0).padStart(10),
          row.toAlertMs.toFixed(0).padStart(11),
          row.totalMs.toFixed(0).padStart(8),
          row.missing,
        ].join('  '),
      );
    }
    // Two context sources are chains of two dependent calls (image then upload; query then results).
    const slowestSource = 2 * CALL_MS;
    const worstHang = Math.max(...hangs.map((r) => r.toAlertMs));
    console.log(
      `\ncontext gathering: ${ok.contextMs.toFixed(0)} ms = ${(ok.contextMs / CALL_MS).toFixed(2)}x the slowest single call ` +
        `(${CALL_MS} ms), ${(ok.contextMs / slowestSource).toFixed(2)}x the slowest source (${slowestSource} ms, two dependent calls); ` +
        'target 1.3x',
    );
    console.log(
      `worst time to alert with one call hanging: ${worstHang.toFixed(0)} ms (target <= ${HARD_DEADLINE_MS} ms): ` +
        (worstHang <= HARD_DEADLINE_MS ? 'met' : 'MISSED'),
    );
  } finally {
    pagerDuty.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
