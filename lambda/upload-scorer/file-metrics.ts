import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../shared/observability';
import type { FinalResult, ResultErrorCode } from '../shared/results-table';

// Each file's metrics are published on their own, so each EMF record carries that file's dimensions
// even when one event brings several files.

/**
 * Scored files count rows and latency by ModelVersion, so a new model's drift shows as its own
 * series; failed files count once by ErrorCode.
 */
export function publishFileMetrics(result: FinalResult): void {
  if (result.status === 'FAILED') {
    publishFailedFile(result.error?.code ?? 'INTERNAL');
    return;
  }
  metrics.addDimension('ModelVersion', result.counts.modelVersion ?? 'unknown');
  metrics.addMetric('RowsScored', MetricUnit.Count, result.counts.scored);
  metrics.addMetric('RowsRejected', MetricUnit.Count, result.counts.rejected);
  metrics.addMetric('ScoringLatency', MetricUnit.Milliseconds, Math.round(result.durationMs));
  if (result.counts.meanProbability !== null) {
    metrics.addMetric('MeanProbability', MetricUnit.NoUnit, result.counts.meanProbability);
  }
  metrics.publishStoredMetrics();
}

/** One file that could not be scored, by why. */
export function publishFailedFile(code: ResultErrorCode): void {
  metrics.addDimension('ErrorCode', code);
  metrics.addMetric('FilesFailed', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
