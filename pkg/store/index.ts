export type {
  Compare, CompareOp, CompareTarget, KeyValue, LeaseId, ListOptions, ListResult, PrefixSummary, Store, TxnOp, TxnResult,
  Watch, WatchEvent, WatchHandler,
} from './store';
export type { StoreError, StoreErrorCode } from './errors';
export {
  CompactedRevisionError, isCompacted, isCredentialsRefused, isLeaseNotFound, isPermissionDenied, isRetriable, isTlsFailure, LeaseNotFoundError, StoreUnavailableError,
} from './errors';
export type { InMemoryStoreOptions } from './in-memory-store';
export { InMemoryStore } from './in-memory-store';
export type { EtcdStoreOptions } from './etcd-options';
export { EtcdStore } from './etcd-store';
export type { ReachabilityOptions } from './reachability';
export { EtcdReachability } from './reachability';
