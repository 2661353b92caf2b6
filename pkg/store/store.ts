// The one seam to etcd. The informer, the leader elector, the development Control Plane API and the
// demo use only this interface, so each runs on real etcd (EtcdStore) or in memory (InMemoryStore)
// with the same semantics, checked by one conformance suite.
//
// Revisions are plain numbers (etcd's int64 revisions stay far below 2^53); lease ids are decimal
// strings because etcd draws them from the whole int64 range.

export interface KeyValue {
  readonly key: string;
  readonly value: Buffer;
  /** Revision of the put that created this key (the fencing token for the leader key). */
  readonly createRevision: number;
  /** Revision of the last put to this key. */
  readonly modRevision: number;
  /** Number of puts since creation (1 on create). */
  readonly version: number;
  /** Lease the key is attached to, if any. */
  readonly leaseId?: LeaseId;
}

export type LeaseId = string;

export interface ListOptions {
  /** Read as of this revision; default: the current one. Fails with CompactedRevisionError when compacted. */
  readonly revision?: number;
  /** Keys per round trip; every page is read at the same revision. Default 1,000. */
  readonly pageSize?: number;
}

export interface ListResult {
  /** The revision the whole list was read at. */
  readonly revision: number;
  /** Keys in byte order. */
  readonly kvs: readonly KeyValue[];
}

export type WatchEvent =
  | { readonly type: 'put'; readonly kv: KeyValue }
  /** modRevision is the revision of the delete; value is empty. */
  | { readonly type: 'delete'; readonly kv: KeyValue };

export interface WatchHandler {
  /**
   * Events of one or more whole revisions, in revision order, never repeated and never skipped
   * (across reconnects the watch resumes after the last revision delivered).
   */
  onEvents(events: readonly WatchEvent[]): void;
  /**
   * The watch has ended and delivers nothing more: CompactedRevisionError when the revision to
   * resume from is compacted, another StoreError otherwise. The caller re-lists and watches anew.
   */
  onError(err: Error): void;
}

export interface Watch {
  /** Stops delivery; idempotent; safe after onError. */
  close(): Promise<void>;
}

export type CompareTarget = 'createRevision' | 'modRevision' | 'version' | 'value' | 'lease';
export type CompareOp = '=' | '!=' | '<' | '>';

/** A missing key compares as createRevision = modRevision = version = 0, empty value, no lease. */
export interface Compare {
  readonly key: string;
  readonly target: CompareTarget;
  readonly op: CompareOp;
  readonly value: number | string;
}

export type TxnOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string | Buffer; readonly leaseId?: LeaseId }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'get'; readonly key: string };

export interface TxnResult {
  readonly succeeded: boolean;
  /** The store's revision after the transaction (its own revision when it wrote). */
  readonly revision: number;
  /** One entry per op of the branch taken: the key read for 'get' (undefined if absent), undefined otherwise. */
  readonly results: readonly (KeyValue | undefined)[];
}

export interface PrefixSummary {
  /** The revision the summary was read at. */
  readonly revision: number;
  /** Keys under the prefix. */
  readonly count: number;
  /** The highest modRevision among them (0 when none). */
  readonly maxModRevision: number;
}

export interface Store {
  /** The key as of now, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  /** Every key under prefix at one revision, read in pages. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /**
   * Watches every key under prefix from fromRevision (inclusive). Rejects at once (or calls onError)
   * with CompactedRevisionError when fromRevision is compacted.
   */
  watch(prefix: string, fromRevision: number, handler: WatchHandler): Promise<Watch>;
  /** If every compare holds, runs onSuccess, else onFailure; atomically, in one revision. */
  txn(compares: readonly Compare[], onSuccess: readonly TxnOp[], onFailure?: readonly TxnOp[]): Promise<TxnResult>;
  /** The current revision (cheap; used by health and drift checks). */
  currentRevision(): Promise<number>;
  /**
   * Key count and highest mod revision under prefix, without reading values (etcd: a count range
   * plus a one-key range sorted by mod revision), as of options.revision (default now; a compacted
   * revision fails with CompactedRevisionError). The informer's drift check compares it with its cache.
   */
  summarize(prefix: string, options?: { readonly revision?: number }): Promise<PrefixSummary>;

  /** A new lease of ttlSeconds. */
  grantLease(ttlSeconds: number): Promise<LeaseId>;
  /** Renews the lease once; resolves with the TTL granted; LeaseNotFoundError when it has expired. */
  keepAliveOnce(leaseId: LeaseId): Promise<number>;
  /** Revokes the lease, deleting its keys; resolves also when it had already expired. */
  revokeLease(leaseId: LeaseId): Promise<void>;

  /** Compacts history up to revision (tests and operators). */
  compact(revision: number): Promise<void>;
  /** Closes connections and watches; idempotent. */
  close(): Promise<void>;
}
