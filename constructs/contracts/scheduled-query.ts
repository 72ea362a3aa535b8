import type { AlarmSeverity } from './alarm-severity';

/**
 * What an EventBridge Scheduler schedule hands the scheduled-query function (its target's `Input`):
 * one Logs Insights query, where it runs, and what to do with what it finds. Written by
 * `ScheduledLogQueries` at synth, read and validated by lambda/scheduled-query/.
 */
export interface ScheduledQueryInput {
  /** The query's name, unique in the environment: the metric dimension and the alert's dedupe key. */
  readonly name: string;
  /** The service whose logs it reads; the alert is raised for it. */
  readonly service: string;
  /** The Logs Insights query. */
  readonly queryString: string;
  /** The log groups it reads (1 to 50, as StartQuery takes). */
  readonly logGroupNames: readonly string[];
  /** How far back from the scheduled time it reads, in minutes. */
  readonly lookbackMinutes: number;
  /** Whether rows mean trouble: the query should find nothing, and rows raise an alert with them. */
  readonly alertWhenRows: boolean;
  /** The alert's severity when it finds rows. */
  readonly severity: AlarmSeverity;
  /** An https runbook link for the alert. */
  readonly runbook?: string;
  /**
   * When the schedule fired: Scheduler fills in `<aws.scheduler.scheduled-time>` ("Adding context
   * attributes", EventBridge Scheduler user guide), so a retried invocation reads the same window.
   */
  readonly scheduledTime: string;
}

/** The business alert source the scheduled-query function publishes with. */
export const SCHEDULED_QUERY_ALERT_SOURCE = 'vigil.scheduled-queries';
/** The metric namespace of the scheduled queries' results. */
export const SCHEDULED_QUERY_NAMESPACE = 'Vigil/ScheduledQueries';
