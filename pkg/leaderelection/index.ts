export type { AcquiredTerm, LockStore } from './lease-lock';
export { EtcdLeaseLock } from './lease-lock';
export type { ElectorMetrics, LeaderElectorOptions, StepDownReason, Term } from './elector';
export { LeaderElector } from './elector';
