// Metric names as Prometheus scrapes them. The first group is fixed by contract §4 (dashboards and
// alerts written by others read them); the second is ours, documented in docs/observability.md.
// Histogram buckets are explicit: placement takes well under a millisecond, while the end-to-end
// time (createdAt -> accepted) runs to minutes when an instance waits for room.

export const CONTRACT_METRICS = {
  scheduleAttempts: 'scheduler_schedule_attempts_total',
  attemptDuration: 'scheduler_scheduling_attempt_duration_seconds',
  e2eDuration: 'scheduler_e2e_scheduling_duration_seconds',
  pendingInstances: 'scheduler_pending_instances',
  workqueueDepth: 'workqueue_depth',
  workqueueRetries: 'workqueue_retries_total',
  isLeader: 'scheduler_is_leader',
  leaderChanges: 'scheduler_leader_changes_total',
  malformedValues: 'scheduler_malformed_values_total',
  informerRelists: 'scheduler_informer_relists_total',
  configReloads: 'scheduler_config_reloads_total',
  unschedulableReasons: 'scheduler_unschedulable_reasons_total',
  clientRequestDuration: 'http_client_request_duration_seconds',
  // v1.1 (contract §5): the forecast and the scale-ups sent now or from it.
  forecastShortfall: 'scheduler_forecast_shortfall_instances',
  forecastDuration: 'scheduler_forecast_duration_seconds',
  scaleUpRequests: 'scheduler_scale_up_requests_total',
} as const;

export const EXTRA_METRICS = {
  /** 1 while placement.paused is set. */
  paused: 'scheduler_paused',
  /** Seconds the longest-waiting placeable instance has been ready to place (0 when none). */
  oldestPending: 'scheduler_oldest_pending_seconds',
  workqueueAdds: 'workqueue_adds_total',
  workqueueQueueDuration: 'workqueue_queue_duration_seconds',
  workqueueWorkDuration: 'workqueue_work_duration_seconds',
  reconciles: 'scheduler_reconcile_total',
  reconcileDuration: 'scheduler_reconcile_duration_seconds',
  /** Planned instances of the last forecast due within their template's bootSeconds + margin and not covered by an accepted request. */
  forecastUncovered: 'scheduler_forecast_uncovered_shortfall_instances',
} as const;

/** Every name we register: the contract's and ours. */
export type MetricName = (typeof CONTRACT_METRICS)[keyof typeof CONTRACT_METRICS] | (typeof EXTRA_METRICS)[keyof typeof EXTRA_METRICS];

/** 50 µs .. 1 s: one placement decision. */
export const PLACEMENT_BUCKETS_SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** 50 ms .. 2 h: from an instance's creation to the API's acceptance. */
export const END_TO_END_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];
/** 5 ms .. 10 s: one HTTP attempt (OpenTelemetry's advice for http.client.request.duration). */
export const HTTP_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** 1 ms .. 2 min: one forecast over the horizon (every instance placed once on a copy of the fleet). */
export const FORECAST_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** 100 µs .. 60 s: a key's wait in the queue, or one reconcile (which may include an API call). */
export const WORK_BUCKETS_SECONDS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60];
