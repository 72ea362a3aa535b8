import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { ResultsTable } from '../../../lambda/shared/results-table';
import { createUploadQueueHandler } from '../../../lambda/upload-scorer/upload-queue-handler';
import { readUploadScorerConfig } from '../../../lambda/upload-scorer/upload-scorer-config';
import { exportHeader, SyntheticCrimes, toExportCsv } from '../../../predictor/generator/synthetic-crimes';
import { scoreCsv } from '../../../predictor/inference/score-csv';
import { type LocalRun, MINUTE, openLocalRun } from '../local-run';
import { BucketNotifications, mappingsOf, QueueEventSource } from '../queue-events';
import type { Scenario, ScenarioRun } from '../scenario';

const ROWS_PER_UPLOAD = 200;
/**
 * When analysts upload (minutes from the start): one file, a folder of six during the outage, and
 * files after it. The outage outlasts three receives of the folder's events (the visibility timeout
 * is six times the scorer's timeout), so SQS moves them to the dead-letter queue; it is over by then,
 * and what is left is events stuck in the dead-letter queue: what a redrive is for.
 */
const UPLOADS_AT = [0, 12, 12, 12, 12, 12, 12, 130, 160].map((minute) => minute * MINUTE);
/** S3 answers the scorer's GetObject with 503 Slow Down from then, for this long. */
const OUTAGE_FROM = 10 * MINUTE;
const OUTAGE_FOR = 90 * MINUTE;
const GIVE_UP_AFTER = 6 * 60 * MINUTE;

export const poisonMessages: Scenario = {
  name: 'poison-messages',
  description:
    'S3 refuses the upload scorer for an hour; each upload event fails three receives and SQS moves it to the dead-letter queue; its alarm fires, the dlq-redrive playbook moves the events back, and the scorer scores them',
  run: async (options) => {
    let queueNames: readonly string[] = [];
    const run = await openLocalRun({
      ...options,
      config: { remediation: { mode: 'dry-run', playbooks: { 'dlq-redrive': { mode: 'enforce' } } } },
      watch: [],
      // The alarms on the upload-events queue and its dead-letter queue: SQS's own metrics.
      evaluates: (alarm, _watched, reader) => {
        queueNames = ['UploadEvents', 'UploadEventDeadLetters'].map(
          (prefix) =>
            reader
              .ref(reader.resource('AWS::SQS::Queue', '-predictor', prefix))
              .split('/')
              .at(-1) as string,
        );
        const stats = alarm.metricStat
          ? [alarm.metricStat]
          : (alarm.metrics ?? []).flatMap((q) => q.metricStat ?? []);
        return (
          stats.length > 0 &&
          stats.every(
            (stat) =>
              stat.metric.namespace === 'AWS/SQS' &&
              queueNames.includes(stat.metric.dimensions.QueueName ?? ''),
          )
        );
      },
    });
    try {
      return await poison(run, options.timelineStart);
    } finally {
      await run.close();
    }
  },
};

async function poison(run: LocalRun, start: number): Promise<ScenarioRun> {
  const { reader } = run;
  // The run's queues: SQS answers the functions from them, and SNS subscriptions deliver into them.
  const { sqs } = run;
  const notifications = new BucketNotifications(reader, sqs);
  const uploads = sqs.queue('UploadEvents', reader, '-predictor');
  const deadLetters = sqs.queue('UploadEventDeadLetters', reader, '-predictor');
  const dlqAlarm = run.alarmWithPlaybook('dlq-redrive');

  // The upload scorer, from the module its bundle is built from, configured from its template.
  const scorerFn = reader.resource('AWS::Lambda::Function', '-predictor', 'UploadScorerFunction');
  const config = readUploadScorerConfig(reader.localEnvironment(scorerFn));
  const handler = createUploadQueueHandler({
    s3: run.clients.s3,
    results: new ResultsTable(run.clients.dynamoDb, config.resultsTableName),
    scoreCsv,
    resultsBucket: config.dataBucketName,
    maxUploadBytes: config.maxUploadBytes,
    maxRejectedShare: config.maxRejectedShare,
  });
  const [mapping] = mappingsOf(reader, uploads);
  if (!mapping) throw new Error(`no event source mapping reads ${uploads.name}`);
  let scored = 0;
  const consumer = new QueueEventSource(mapping, sqs, async (event: SQSEvent) => {
    const response = await handler(event);
    scored += event.Records.length - response.batchItemFailures.length;
    return response;
  });

  // S3's 503 Slow Down on GetObject during the outage ("Amazon S3 error responses", SlowDown), else
  // the stored object, as the S3 stand-in keeps it.
  const outageFrom = start + OUTAGE_FROM;
  const outageUntil = outageFrom + OUTAGE_FOR;
  const storedObject = run.aws.answer('S3.GetObject');
  run.aws.on('S3.GetObject', (input: { Bucket: string; Key: string }) => {
    if (run.now() >= outageFrom && run.now() < outageUntil) {
      throw Object.assign(new Error('Please reduce your request rate.'), {
        name: 'SlowDown',
        $fault: 'server',
        $retryable: { throttling: true },
        $metadata: { httpStatusCode: 503 },
      });
    }
    return storedObject(input);
  });
  run.timeline.add(
    start,
    `uploads: ${UPLOADS_AT.length} exports of ${ROWS_PER_UPLOAD} rows to s3://${config.dataBucketName}/uploads/ over ${(UPLOADS_AT.at(-1) ?? 0) / MINUTE} min`,
  );
  run.timeline.add(
    outageFrom,
    `S3 starts answering the scorer's GetObject with 503 Slow Down, for ${OUTAGE_FOR / MINUTE} min`,
  );
  run.timeline.add(outageUntil, 'S3 answers GetObject again');

  const crimes = new SyntheticCrimes({ seed: 15 });
  let uploaded = 0;
  const pendingUploads = UPLOADS_AT.map((offset) => start + offset);
  let deadLettered = 0;
  let detectedAt: number | undefined;
  let resolvedAt: number | undefined;
  run.onTransition((transition) => {
    if (transition.alarm === dlqAlarm.name && transition.to === 'ALARM') detectedAt ??= transition.at;
  });
  run.onAlert((alert) => {
    if (detectedAt !== undefined && alert.notification === 'resolved' && alert.alarm.name === dlqAlarm.name) {
      resolvedAt = Date.parse(alert.changedAt);
    }
  });
  const upload = async () => {
    const key = `uploads/analyst-${String(++uploaded).padStart(3, '0')}.csv`;
    const body = `${exportHeader()}\n${toExportCsv(crimes.nextRows(ROWS_PER_UPLOAD))}`;
    // The analyst's PUT through the presigned URL, then S3's notification of it.
    await run.clients.s3.send(new PutObjectCommand({ Bucket: config.dataBucketName, Key: key, Body: body }));
    notifications.objectCreated(sqs, config.dataBucketName, key, Buffer.byteLength(body), run.now());
  };

  await run.runUntil(
    () =>
      resolvedAt !== undefined &&
      pendingUploads.length === 0 &&
      uploads.messages.length === 0 &&
      deadLetters.messages.length === 0,
    start + GIVE_UP_AFTER,
    async () => {
      const now = run.now();
      while ((pendingUploads[0] ?? Number.POSITIVE_INFINITY) <= now) {
        pendingUploads.shift();
        await upload();
      }
      const before = deadLetters.messages.length;
      const outcome = await consumer.poll(now);
      sqs.tick(now, run.simulation.feed);
      if (deadLetters.messages.length > before) {
        deadLettered += deadLetters.messages.length - before;
        run.timeline.add(
          now,
          `SQS moved an upload event to ${deadLetters.name} after ${uploads.redrive?.maxReceiveCount} failed receives (${deadLetters.messages.length} there now)`,
        );
      }
      if (outcome.failed > 0 && outcome.received > 0) {
        run.timeline.add(
          now,
          `scorer: ${outcome.failed} of ${outcome.received} upload event(s) failed; SQS delivers again after the visibility timeout`,
        );
      }
    },
  );

  return {
    summary: run.summary('poison-messages', { from: outageFrom, detectedAt, resolvedAt }),
    timeline: run.timeline,
    emails: run.emails,
    notes: run.notes([
      `upload scorer: run for real on ${uploaded} uploads of ${ROWS_PER_UPLOAD} rows; ${scored} scored, ${deadLettered} dead-lettered on the way`,
      "SQS: the app's queues run locally (visibility timeout, maxReceiveCount, redrive move tasks), their metrics sent once a minute",
    ]),
    failures: [
      deadLettered === 0 && 'no upload event reached the dead-letter queue',
      detectedAt === undefined && `${dlqAlarm.name} never fired`,
      !run.remediations.some((r) => r.playbook === 'dlq-redrive' && r.outcome === 'remediated') &&
        'the dlq-redrive playbook did not remediate',
      scored !== uploaded && `${uploaded - scored} of ${uploaded} uploads were never scored`,
      resolvedAt === undefined && 'the episode was never resolved',
    ].filter((failure): failure is string => typeof failure === 'string'),
  };
}
