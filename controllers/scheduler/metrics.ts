// What the scheduler controller reports (contract §4 metric names; the OTel wiring lives in
// pkg/observability). A no-op default keeps call sites free of presence checks.

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

export interface SchedulerMetrics {
  /** scheduler_schedule_attempts_total{result}, scheduler_scheduling_attempt_duration_seconds. */
  attempt(result: AttemptResult, durationMs: number): void;
  /** scheduler_e2e_scheduling_duration_seconds: from createdAt to the API's acceptance. */
  accepted(endToEndMs: number): void;
  /** scheduler_unschedulable_reasons_total{reason}, once per no-fit attempt. */
  unschedulableReasons(reasons: Readonly<Record<string, number>>): void;
}

export const NOOP_SCHEDULER_METRICS: SchedulerMetrics = {
  attempt: () => undefined,
  accepted: () => undefined,
  unschedulableReasons: () => undefined,
};
