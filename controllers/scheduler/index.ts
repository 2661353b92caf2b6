export type { PendingCounts, SchedulerControllerOptions, SyncedCache } from './controller';
export { SchedulerController } from './controller';
export type { DecisionView } from './decisions';
export type { AttemptResult, ForecastMetrics, ScaleUpMetrics, SchedulerMetrics } from './metrics';
export { NOOP_FORECAST_METRICS, NOOP_SCALE_UP_METRICS, NOOP_SCHEDULER_METRICS } from './metrics';
export type { LeadershipChange, SchedulerServiceOptions, ShutdownBounds } from './service';
export { SchedulerService } from './service';
export { templateWorkerDocument } from './scale-up';
