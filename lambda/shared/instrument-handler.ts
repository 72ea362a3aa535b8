import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from './observability';

/** A Lambda handler in the promise style: the only style these functions use. */
export type AsyncHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * Wraps a handler with what the Powertools middy middleware would do (middy is not a dependency):
 * Lambda context on every log line, a ColdStart metric, an X-Ray subsegment annotated with cold start
 * and service, and stored metrics flushed even when the handler throws.
 */
export function instrumentHandler<TEvent, TResult>(
  handler: AsyncHandler<TEvent, TResult>,
): AsyncHandler<TEvent, TResult> {
  return async (event, context) => {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    const segment = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
    const subsegment = segment?.addNewSubsegment(`## ${process.env._HANDLER ?? context.functionName}`);
    if (subsegment) {
      tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
    }
    try {
      return await handler(event, context);
    } catch (error) {
      if (subsegment) tracer.addErrorAsMetadata(error as Error);
      logger.error('Invocation failed', { error });
      throw error;
    } finally {
      subsegment?.close();
      if (segment) tracer.setSegment(segment);
      // Publishing an empty buffer only logs a warning on every request; skip it.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
