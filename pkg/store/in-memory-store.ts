// A Store in process memory with etcd's semantics, for unit tests, the demo and the development
// Control Plane API: one global revision (starting at 1, +1 per writing txn), create/mod revision
// and version per key, reads at past revisions, watch history with compaction, txn compares,
// leases that expire on the injected Clock (their keys deleted in one revision, with watch
// events), paged lists. Watch delivery is asynchronous and in order (see in-memory-watchers.ts).
// The conformance suite (conformance.suite.ts) holds it to the same behaviour as EtcdStore.
import type { Clock, Timer } from '../clock';
import { SystemClock } from '../clock';
import { pageSizeOf, requireInteger, requireKey, requireValidCompare, requireValidOps } from './checks';
import { CompactedRevisionError, LeaseNotFoundError } from './errors';
import { KeySpace } from './in-memory-keyspace';
import type { RevisionEvents } from './in-memory-watchers';
import { WatcherHub } from './in-memory-watchers';
import { keyAfterString } from './keys';
import type {
  Compare, KeyValue, LeaseId, ListOptions, ListResult, PrefixSummary, Store, TxnOp, TxnResult, Watch, WatchEvent,
  WatchHandler,
} from './store';

export interface InMemoryStoreOptions {
  /** Drives lease expiry. Default: SystemClock; tests pass a FakeClock and step it. */
  readonly clock?: Clock;
}

interface LeaseState {
  readonly ttlSeconds: number;
  readonly keys: Set<string>;
  timer: Timer;
}

/** Lease ids beyond 2^53, as etcd's are: callers must keep them as strings. */
const FIRST_LEASE_ID = 7_587_869_000_000_000_001n;

export class InMemoryStore implements Store {
  private readonly clock: Clock;
  private readonly keys = new KeySpace();
  private readonly hub = new WatcherHub();
  private readonly leases = new Map<LeaseId, LeaseState>();
  /** Events of every revision after the compaction point; log[i] is revision logStart + i. */
  private log: RevisionEvents[] = [];
  private logStart = 2;
  private revision = 1;
  private compactRevision = 0;
  private nextLeaseId = FIRST_LEASE_ID;
  private isClosed = false;

  constructor(options: InMemoryStoreOptions = {}) {
    this.clock = options.clock ?? new SystemClock();
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.run(() => this.keys.current(requireKey(key)));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const pageSize = pageSizeOf(options.pageSize);
    this.assertOpen();
    const revision = this.readableRevision(options.revision);
    const kvs: KeyValue[] = [];
    let from = prefix;
    for (;;) {
      // Each page is its own read at the same revision, as on etcd; writes may land in between.
      this.assertOpen();
      this.readableRevision(revision);
      const page = this.keys.page(prefix, from, revision, pageSize);
      kvs.push(...page.kvs);
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || last === undefined) return { revision, kvs };
      from = keyAfterString(last.key);
      await Promise.resolve();
    }
  }

  watch(prefix: string, fromRevision: number, handler: WatchHandler): Promise<Watch> {
    return this.run(() => {
      requireInteger(fromRevision, 'fromRevision', 0);
      // As on etcd, 0 means "from the next revision".
      const start = fromRevision === 0 ? this.revision + 1 : fromRevision;
      if (start < this.compactRevision) throw new CompactedRevisionError(start, this.compactRevision);
      return this.hub.add(prefix, handler, this.log.slice(Math.max(0, start - this.logStart)));
    });
  }

  txn(compares: readonly Compare[], onSuccess: readonly TxnOp[], onFailure: readonly TxnOp[] = []): Promise<TxnResult> {
    return this.run(() => {
      for (const c of compares) requireValidCompare(c);
      requireValidOps(onSuccess);
      requireValidOps(onFailure);
      const succeeded = compares.every((c) => this.holds(c));
      return this.apply(succeeded ? onSuccess : onFailure, succeeded);
    });
  }

  currentRevision(): Promise<number> {
    return this.run(() => this.revision);
  }

  summarize(prefix: string, options: { readonly revision?: number } = {}): Promise<PrefixSummary> {
    return this.run(() => {
      const revision = this.readableRevision(options.revision);
      return { revision, ...this.keys.summarize(prefix, revision) };
    });
  }

  grantLease(ttlSeconds: number): Promise<LeaseId> {
    return this.run(() => {
      requireInteger(ttlSeconds, 'ttlSeconds', 1);
      const id = String(this.nextLeaseId++);
      this.leases.set(id, { ttlSeconds, keys: new Set(), timer: this.expiryTimer(id, ttlSeconds) });
      return id;
    });
  }

  keepAliveOnce(leaseId: LeaseId): Promise<number> {
    return this.run(() => {
      const lease = this.leases.get(leaseId);
      if (lease === undefined) throw new LeaseNotFoundError(leaseId);
      lease.timer.cancel();
      lease.timer = this.expiryTimer(leaseId, lease.ttlSeconds);
      return lease.ttlSeconds;
    });
  }

  revokeLease(leaseId: LeaseId): Promise<void> {
    return this.run(() => this.endLease(leaseId));
  }

  compact(revision: number): Promise<void> {
    return this.run(() => {
      requireInteger(revision, 'revision', 1);
      if (revision > this.revision) throw futureRevision(revision, this.revision);
      if (revision <= this.compactRevision) throw new CompactedRevisionError(revision, this.compactRevision);
      this.compactRevision = revision;
      this.keys.compact(revision);
      this.log = this.log.slice(Math.max(0, revision - this.logStart));
      this.logStart = Math.max(this.logStart, revision);
    });
  }

  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      for (const lease of this.leases.values()) lease.timer.cancel();
      this.leases.clear();
      this.hub.closeAll();
    }
    return Promise.resolve();
  }

  /** Runs fn as one atomic step, turning a throw into a rejection (as a network call would). */
  private run<T>(fn: () => T): Promise<T> {
    try {
      this.assertOpen();
      return Promise.resolve(fn());
    } catch (err: unknown) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw new Error('InMemoryStore is closed');
  }

  private readableRevision(requested: number | undefined): number {
    if (requested === undefined) return this.revision;
    requireInteger(requested, 'revision', 1);
    if (requested < this.compactRevision) throw new CompactedRevisionError(requested, this.compactRevision);
    if (requested > this.revision) throw futureRevision(requested, this.revision);
    return requested;
  }

  private holds(c: Compare): boolean {
    const kv = this.keys.current(c.key);
    let order: number;
    switch (c.target) {
      case 'createRevision':
        order = (kv?.createRevision ?? 0) - Number(c.value);
        break;
      case 'modRevision':
        order = (kv?.modRevision ?? 0) - Number(c.value);
        break;
      case 'version':
        order = (kv?.version ?? 0) - Number(c.value);
        break;
      case 'value':
        order = Buffer.compare(kv?.value ?? Buffer.alloc(0), Buffer.from(String(c.value)));
        break;
      case 'lease': {
        const have = BigInt(kv?.leaseId ?? '0');
        const want = BigInt(c.value);
        order = have === want ? 0 : have < want ? -1 : 1;
        break;
      }
    }
    switch (c.op) {
      case '=':
        return order === 0;
      case '!=':
        return order !== 0;
      case '<':
        return order < 0;
      case '>':
        return order > 0;
    }
  }

  /** Applies ops in order at the next revision (reads see earlier writes of the same txn). */
  private apply(ops: readonly TxnOp[], succeeded: boolean): TxnResult {
    for (const op of ops) {
      if (op.type === 'put' && op.leaseId !== undefined && !this.leases.has(op.leaseId)) {
        throw new LeaseNotFoundError(op.leaseId);
      }
    }
    const revision = this.revision + 1;
    const events: WatchEvent[] = [];
    const results: (KeyValue | undefined)[] = [];
    for (const op of ops) {
      switch (op.type) {
        case 'get':
          results.push(this.keys.current(op.key));
          break;
        case 'put':
          events.push({ type: 'put', kv: this.put(op.key, op.value, op.leaseId, revision) });
          results.push(undefined);
          break;
        case 'delete': {
          const deleted = this.remove(op.key, revision);
          if (deleted !== undefined) events.push(deleted);
          results.push(undefined);
          break;
        }
      }
    }
    this.commit(revision, events);
    return { succeeded, revision: this.revision, results };
  }

  private put(key: string, value: string | Buffer, leaseId: LeaseId | undefined, revision: number): KeyValue {
    const prev = this.keys.current(key);
    if (prev?.leaseId !== undefined) this.leases.get(prev.leaseId)?.keys.delete(key);
    const kv: KeyValue = {
      key,
      value: typeof value === 'string' ? Buffer.from(value) : Buffer.from(value),
      createRevision: prev?.createRevision ?? revision,
      modRevision: revision,
      version: (prev?.version ?? 0) + 1,
      ...(leaseId === undefined ? {} : { leaseId }),
    };
    this.keys.record(key, revision, kv);
    if (leaseId !== undefined) this.leases.get(leaseId)?.keys.add(key);
    return kv;
  }

  private remove(key: string, revision: number): WatchEvent | undefined {
    const prev = this.keys.current(key);
    if (prev === undefined) return undefined;
    if (prev.leaseId !== undefined) this.leases.get(prev.leaseId)?.keys.delete(key);
    this.keys.record(key, revision, undefined);
    // etcd's delete event carries the key and the delete's revision; the rest is zero.
    return { type: 'delete', kv: { key, value: Buffer.alloc(0), createRevision: 0, modRevision: revision, version: 0 } };
  }

  /** Moves to revision if anything changed, keeps the events for watch replay and publishes them. */
  private commit(revision: number, events: readonly WatchEvent[]): void {
    if (events.length === 0) return;
    this.revision = revision;
    this.log.push({ revision, events });
    this.hub.publish(events);
  }

  private expiryTimer(leaseId: LeaseId, ttlSeconds: number): Timer {
    return this.clock.setTimer(ttlSeconds * 1_000, () => this.endLease(leaseId));
  }

  /** Revoke and expiry alike: the lease's keys go in one revision. */
  private endLease(leaseId: LeaseId): void {
    const lease = this.leases.get(leaseId);
    if (lease === undefined) return;
    lease.timer.cancel();
    this.leases.delete(leaseId);
    const revision = this.revision + 1;
    const events: WatchEvent[] = [];
    for (const key of [...lease.keys].sort()) {
      const deleted = this.remove(key, revision);
      if (deleted !== undefined) events.push(deleted);
    }
    this.commit(revision, events);
  }
}

function futureRevision(requested: number, current: number): RangeError {
  return new RangeError(`revision ${requested} is a future revision (current ${current})`);
}
