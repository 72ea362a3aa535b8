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
 * succeeds and when one call hangs forever, against the targets; then, for a delivery call that hangs
 * (the topic publish, the PagerDuty routing key read on a cold start), that the alert is published or
 * dead-lettered within the deadline, exactly once.
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

async function pagerDutyStandIn(): Promise<{ url: string; posts: () => number; close: () => void }> {
  let posts = 0;
  const server = createServer((request, response) => {
    posts++;
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
    posts: () => posts,
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
    remediationPlaybooks: { 'lambda-alias-rollback': { mode: 'dry-run', approval: false } },
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

interface DeliveryRun {
  readonly scenario: string;
  readonly result: string;
  /** From receiving the event to the last publish or dead letter finishing. */
  readonly settledMs: number;
  /** From receiving the event to the invocation returning (delivery records written). */
  readonly returnedMs: number;
  readonly published: number;
  readonly deadLettered: number;
  readonly pages: number;
  /** Channels in the dead letter, with why. */
  readonly failed: readonly { readonly channel: string; readonly error: string }[];
}

/** One alert with a delivery call hanging forever: what went out, what was dead-lettered, and when. */
async function deliveryRun(
  scenario: string,
  hanging: string,
  pagerDuty: Awaited<ReturnType<typeof pagerDutyStandIn>>,
  index: number,
): Promise<DeliveryRun> {
  const calls: CallRecord[] = [];
  // A new enricher is a cold start: no routing key cached yet.
  const enrich = buildAlertEnricher(config(pagerDuty.url), slowClients(new Set([hanging]), calls));
  const pagesBefore = pagerDuty.posts();
  const started = performance.now();
  const [outcome] = await enrich(metricAlarmEvent(`bench-${index}`));
  const returnedMs = performance.now() - started;
  const finished = (command: string) =>
    calls.filter((call) => call.command === command && call.end !== undefined);
  const settled = [...finished('PublishCommand'), ...finished('SendMessageCommand')];
  return {
    scenario,
    result: outcome?.result ?? 'none',
    settledMs: Math.max(...settled.map((call) => call.end ?? 0)) - started,
    returnedMs,
    published: finished('PublishCommand').length,
    deadLettered: finished('SendMessageCommand').length,
    pages: pagerDuty.posts() - pagesBefore,
    failed: outcome && 'delivery' in outcome ? outcome.delivery.failed : [],
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

    // The critical topic pages too: each alert has one topic publish and one page to account for.
    const deliveries = [
      await deliveryRun('topic publish hangs', 'PublishCommand', pagerDuty, 200),
      await deliveryRun('routing key read hangs (cold start)', 'GetSecretValueCommand', pagerDuty, 201),
    ];
    console.log(
      `\nA delivery call hangs forever; the alert must be published or dead-lettered by ${HARD_DEADLINE_MS} ms.\n`,
    );
    console.log(
      [
        'scenario'.padEnd(40),
        'result'.padEnd(13),
        'settled ms',
        'returned ms',
        'published',
        'dead letters',
        'pages',
        'failed',
      ].join('  '),
    );
    for (const row of deliveries) {
      console.log(
        [
          row.scenario.padEnd(40),
          row.result.padEnd(13),
          row.settledMs.toFixed(0).padStart(10),
          row.returnedMs.toFixed(0).padStart(11),
          String(row.published).padStart(9),
          String(row.deadLettered).padStart(12),
          String(row.pages).padStart(5),
          row.failed.map((failure) => `${failure.channel} (${failure.error})`).join(', ') || '-',
        ].join('  '),
      );
    }
    for (const row of deliveries) {
      // Exactly once: each destination (the topic, the page) either went out or is in the one dead
      // letter, never both, never twice; the invocation returned, so Lambda has nothing to retry.
      const inLetter = (channel: string) => row.failed.some((failure) => failure.channel === channel);
      const once =
        row.deadLettered <= 1 &&
        (row.published === 1) !== inLetter('topic') &&
        (row.pages === 1) !== inLetter('pagerduty') &&
        row.published <= 1 &&
        row.pages <= 1;
      const inTime = row.returnedMs <= HARD_DEADLINE_MS;
      console.log(
        `${row.scenario}: ${row.result} within ${row.settledMs.toFixed(0)} ms (target <= ${HARD_DEADLINE_MS} ms): ` +
          `${inTime ? 'met' : 'MISSED'}; exactly once (${row.published} published, ${row.deadLettered} dead-lettered, ` +
          `${row.pages} paged): ${once ? 'yes' : 'NO'}`,
      );
      if (!inTime || !once) process.exitCode = 1;
    }
  } finally {
    pagerDuty.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
