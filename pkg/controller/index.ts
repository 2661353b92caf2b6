export { TerminalError, isTerminalError } from './errors';
export type { Reconciler, Result } from './reconciler';
export type { ReconcileOutcome, ReconcileQueue, RunnerLogger, RunnerMetrics, RunnerOptions } from './runner';
export { NoopRunnerMetrics, Runner } from './runner';
