export { CacheSyncTimeoutError, isCacheSyncTimeout } from './errors';
export type { Reconciler, Result } from './reconciler';
export type { ReconcileOutcome, ReconcileQueue, RunnerLogger, RunnerMetrics, RunnerOptions, SyncedCache } from './runner';
export { NoopRunnerMetrics, Runner } from './runner';
