import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

// Created once per execution environment so cold-start detection, persistent log keys and the
// X-Ray segment survive across invocations. Configuration comes from the environment the stack sets:
// POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL.

/** Structured JSON logger of the function. */
export const logger = new Logger();

/** CloudWatch metrics in embedded metric format, written to the function's log. */
export const metrics = new Metrics();

/** X-Ray tracer; a no-op outside Lambda, so tests and local runs need no daemon. */
export const tracer = new Tracer();
