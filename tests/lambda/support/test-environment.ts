// Imported first by every Lambda test: Powertools reads these when the observability module loads.
process.env.POWERTOOLS_SERVICE_NAME = 'predictor-test';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'VigilTest';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AWS_REGION = 'eu-west-1';
