// What the informer needs from etcd, and nothing more: Store satisfies it.
import type { KeyValue, ListOptions, ListResult, PrefixSummary, Watch, WatchHandler } from '../store';

export interface ListerWatcher {
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  watch(prefix: string, fromRevision: number, handler: WatchHandler): Promise<Watch>;
  summarize(prefix: string, options?: { readonly revision?: number }): Promise<PrefixSummary>;
}

/** One change to the mirrored keys, already applied to the informer's map when handlers see it. */
export type Delta =
  | { readonly type: 'upsert'; readonly kv: KeyValue; readonly previous: KeyValue | undefined }
  | { readonly type: 'delete'; readonly key: string; readonly previous: KeyValue; readonly revision: number };

/** Why a batch of deltas arrived: the first list, a watch event, or a repair after a re-list. */
export type DeltaCause = 'list' | 'watch' | 'relist';

export interface DeltaHandler {
  /**
   * Called synchronously, in revision order, with every change; `revision` is the cache's revision
   * after the batch. Must not throw (a throw is logged and the batch is not retried).
   */
  onDeltas(deltas: readonly Delta[], revision: number, cause: DeltaCause): void;
}
