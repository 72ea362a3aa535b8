import { scoreCsv } from '../../predictor/inference/score-csv';
import { createAwsClients } from '../shared/aws-clients';
import { instrumentHandler } from '../shared/instrument-handler';
import { ResultsTable } from '../shared/results-table';
import { createUploadQueueHandler } from './upload-queue-handler';
import { readUploadScorerConfig } from './upload-scorer-config';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const config = readUploadScorerConfig();
const { s3, dynamoDb } = createAwsClients();

const handleUploadEvents = createUploadQueueHandler({
  s3,
  results: new ResultsTable(dynamoDb, config.resultsTableName),
  scoreCsv,
  resultsBucket: config.dataBucketName,
  maxUploadBytes: config.maxUploadBytes,
  maxRejectedShare: config.maxRejectedShare,
});

/**
 * Messages of the upload-events queue, each an S3 ObjectCreated notification for `uploads/`, from an
 * SQS event source mapping (one message per batch); answers with the messages that failed.
 */
export const handler = instrumentHandler(handleUploadEvents);
