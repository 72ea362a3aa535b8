import { scoreCsv } from '../../predictor/inference/score-csv';
import { createAwsClients } from '../shared/aws-clients';
import { instrumentHandler } from '../shared/instrument-handler';
import { ResultsTable } from '../shared/results-table';
import { createUploadEventHandler } from './upload-event-handler';
import { readUploadScorerConfig } from './upload-scorer-config';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const config = readUploadScorerConfig();
const { s3, dynamoDb } = createAwsClients();

const handleUploadEvent = createUploadEventHandler({
  s3,
  results: new ResultsTable(dynamoDb, config.resultsTableName),
  scoreCsv,
  resultsBucket: config.dataBucketName,
  maxUploadBytes: config.maxUploadBytes,
  maxRejectedShare: config.maxRejectedShare,
});

/** S3 ObjectCreated notifications for `uploads/`, invoked asynchronously. */
export const handler = instrumentHandler(handleUploadEvent);
