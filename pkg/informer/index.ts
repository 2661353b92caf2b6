export type { ListerWatcher, Delta, DeltaCause, DeltaHandler } from './list-watch';
export type { InformerMetrics, InformerOptions, RelistReason } from './informer';
export { PrefixInformer } from './informer';
export type {
  CachedInstance,
  CachedWorker,
  CacheListener,
  CacheMetrics,
  InvalidInstance,
  LabletCacheOptions,
  LeaderRecord,
} from './lablet-cache';
export { LabletCache } from './lablet-cache';
