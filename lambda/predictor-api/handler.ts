import { predictRecords } from '../../predictor/inference/predict-records';
import { createAwsClients } from '../shared/aws-clients';
import { instrumentHandler } from '../shared/instrument-handler';
import { ResultsTable } from '../shared/results-table';
import { createPredictorApi } from './predictor-api';
import { readPredictorApiConfig } from './predictor-api-config';

// Everything here runs once per execution environment: a bad setting fails the cold start.
const config = readPredictorApiConfig();
const { presigningS3, dynamoDb } = createAwsClients();

const api = createPredictorApi({
  config,
  results: new ResultsTable(dynamoDb, config.resultsTableName),
  presigningS3,
  predictRecords,
});

/** API Gateway HTTP API (payload format 2.0) proxy integration. */
export const handler = instrumentHandler(api);
