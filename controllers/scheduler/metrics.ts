// What the scheduler controller reports (contract §4 metric names; the OTel wiring lives in
// pkg/observability, which also lists the label values every series starts with at 0). No-op
// defaults keep call sites free of presence checks.
import type { ATTEMPT_RESULTS, ScaleUpResult, ScaleUpTrigger } from '../../pkg/metrics';

export type AttemptResult = (typeof ATTEMPT_RESULTS)[number];
export type { ScaleUpResult, ScaleUpTrigger };

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

/** scheduler_scale_up_requests_total{trigger,result}: one per scale-up call with a definite outcome. */
export interface ScaleUpMetrics {
  /** `accepted` on 202, `refused` on 409 ScaleUpRefused, `error` for any other failure. */
  requested(trigger: ScaleUpTrigger, result: ScaleUpResult): void;
}

export const NOOP_SCALE_UP_METRICS: ScaleUpMetrics = { requested: () => undefined };

/** scheduler_forecast_duration_seconds and scheduler_forecast_shortfall_instances{template} (contract §5). */
export interface ForecastMetrics {
  /** After each forecast: its duration and its shortfalls by template ('' for instances no template fits). */
  forecastFinished(durationMs: number, shortfallsByTemplate: Readonly<Record<string, number>>): void;
  /**
   * scheduler_forecast_uncovered_shortfall_instances{template} (ours): after acting, the planned
   * instances whose need is within bootSeconds + marginMinutes and has no accepted request. `{}`
   * (every template at 0) on a standby or with the forecast off.
   */
  uncovered(byTemplate: Readonly<Record<string, number>>): void;
}

export const NOOP_FORECAST_METRICS: ForecastMetrics = { forecastFinished: () => undefined, uncovered: () => undefined };
