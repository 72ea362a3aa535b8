// Imported first: Powertools reads these when the handlers' observability module loads. The loop
// prints its own timeline; the handlers' JSON log lines and trace segments would bury it.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_DEV ??= 'false';
// The handlers' EMF lines are not read by the loop: Lambda's built-in and the queues' metrics are.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_SERVICE_NAME ??= 'vigil-local-loop';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'VigilLocalLoop';
process.env.AWS_REGION ??= 'eu-west-1';
