// The typed mirror of PREFIX/: LabletInstances, Workers and the leader key, decoded once per key
// revision, with the indexes the scheduler reads (placeable instances, holders by worker, workers by
// status). Malformed values are skipped for placement, logged once per key revision and counted; an
// instance that held capacity keeps holding with its last good value until its key is deleted or
// becomes valid (contract §1). Listeners hear every change synchronously, after the indexes moved.
import type { InstancePhase, LabletInstance, Malformed, ObjectKind, Worker, WorkerStatus } from '../objects';
import { classifyKey, decode, holdsCapacity, isPlaceable } from '../objects';
import type { Logger } from '../observability';
import { NOOP_LOGGER } from '../observability';
import type { KeyValue } from '../store';
import type { Delta, DeltaCause, DeltaHandler } from './list-watch';

export interface CachedInstance {
  readonly instance: LabletInstance;
  /** The etcd mod revision of the value `instance` was decoded from (sent as instanceRevision). */
  readonly modRevision: number;
  /** True when the key's current value is malformed and `instance` is its last good value. */
  readonly isStale: boolean;
}

export interface CachedWorker {
  readonly worker: Worker;
  readonly modRevision: number;
}

/** A malformed instance whose id and phase still read: the scheduler reports it InvalidSpec. */
export interface InvalidInstance {
  readonly id: string;
  readonly phase: InstancePhase;
  readonly reason: string;
  readonly modRevision: number;
}

export interface LeaderRecord {
  readonly holder: string;
  /** The fencing token of the term (contract §1). */
  readonly createRevision: number;
  readonly leaseId: string | undefined;
}

/** Hears every change after the cache and its indexes reflect it. Must not throw. */
export interface CacheListener {
  onInstanceChange?(id: string, before: CachedInstance | undefined, after: CachedInstance | undefined): void;
  onWorkerChange?(id: string, before: CachedWorker | undefined, after: CachedWorker | undefined): void;
  onInvalidInstance?(invalid: InvalidInstance): void;
  onLeaderChange?(leader: LeaderRecord | undefined): void;
  /** After each batch of deltas; `revision` is the cache's revision. */
  onBatch?(revision: number, cause: DeltaCause): void;
}

export interface CacheMetrics {
  malformedValue(kind: ObjectKind): void;
}

export interface LabletCacheOptions {
  /** PREFIX (contract §1), with or without its trailing slash. */
  readonly prefix: string;
  readonly logger?: Logger;
  readonly metrics?: CacheMetrics;
}

export class LabletCache implements DeltaHandler {
  private readonly instances = new Map<string, CachedInstance>();
  private readonly workers = new Map<string, CachedWorker>();
  private readonly invalid = new Map<string, InvalidInstance>();
  private readonly placeable = new Set<string>();
  private readonly holdersByWorker = new Map<string, Set<string>>();
  private readonly workersByStatus = new Map<WorkerStatus, Set<string>>();
  private leader: LeaderRecord | undefined;
  private readonly listeners: CacheListener[] = [];
  private readonly logger: Logger;
  private readonly metrics: CacheMetrics;

  constructor(private readonly options: LabletCacheOptions) {
    this.logger = options.logger ?? NOOP_LOGGER;
    this.metrics = options.metrics ?? { malformedValue: () => undefined };
  }

  addListener(listener: CacheListener): void {
    this.listeners.push(listener);
  }

  instance(id: string): CachedInstance | undefined {
    return this.instances.get(id);
  }

  worker(id: string): CachedWorker | undefined {
    return this.workers.get(id);
  }

  /** Ids of instances that are PENDING with no workerId and valid: the scheduler's to place. */
  placeableIds(): ReadonlySet<string> {
    return this.placeable;
  }

  /** Ids of instances holding capacity on workerId (contract §1). */
  holdersOf(workerId: string): ReadonlySet<string> {
    return this.holdersByWorker.get(workerId) ?? EMPTY;
  }

  workersWithStatus(status: WorkerStatus): ReadonlySet<string> {
    return this.workersByStatus.get(status) ?? EMPTY;
  }

  allWorkers(): IterableIterator<CachedWorker> {
    return this.workers.values();
  }

  allInstances(): IterableIterator<CachedInstance> {
    return this.instances.values();
  }

  invalidInstance(id: string): InvalidInstance | undefined {
    return this.invalid.get(id);
  }

  /** Ids of malformed but identifiable instances whose phase reads PENDING (to report InvalidSpec). */
  invalidPendingIds(): string[] {
    const ids: string[] = [];
    for (const invalid of this.invalid.values()) if (invalid.phase === 'PENDING') ids.push(invalid.id);
    return ids;
  }

  currentLeader(): LeaderRecord | undefined {
    return this.leader;
  }

  counts(): { instances: number; workers: number; invalidInstances: number; placeable: number } {
    return { instances: this.instances.size, workers: this.workers.size, invalidInstances: this.invalid.size, placeable: this.placeable.size };
  }

  onDeltas(deltas: readonly Delta[], revision: number, cause: DeltaCause): void {
    for (const delta of deltas) {
      if (delta.type === 'upsert') this.applyPut(delta.kv);
      else this.applyDelete(delta.key);
    }
    for (const l of this.listeners) l.onBatch?.(revision, cause);
  }

  private applyPut(kv: KeyValue): void {
    const decoded = decode(this.options.prefix, kv.key, kv.value);
    switch (decoded.type) {
      case 'instance':
        this.invalid.delete(decoded.instance.id);
        this.setInstance(decoded.instance.id, { instance: decoded.instance, modRevision: kv.modRevision, isStale: false });
        return;
      case 'worker':
        this.setWorker(decoded.worker.id, { worker: decoded.worker, modRevision: kv.modRevision });
        return;
      case 'leader':
        this.setLeader({ holder: decoded.holder, createRevision: kv.createRevision, leaseId: kv.leaseId });
        return;
      case 'ignored':
        return;
      case 'malformed':
        this.applyMalformed(kv, decoded);
        return;
    }
  }

  private applyMalformed(kv: KeyValue, malformed: Malformed): void {
    this.metrics.malformedValue(malformed.kind);
    this.logger.warn('malformed value skipped', { key: kv.key, revision: kv.modRevision, kind: malformed.kind, reason: malformed.reason });
    if (malformed.id === undefined) return;
    if (malformed.kind === 'worker') {
      this.setWorker(malformed.id, undefined);
      return;
    }
    const previous = this.instances.get(malformed.id);
    if (previous !== undefined && holdsCapacity(previous.instance)) {
      // The safe side: keep holding with the last good value until the key is deleted or valid.
      this.setInstance(malformed.id, { ...previous, isStale: true });
    } else {
      this.setInstance(malformed.id, undefined);
    }
    if (malformed.phase === undefined) {
      this.invalid.delete(malformed.id);
      return;
    }
    const invalid: InvalidInstance = { id: malformed.id, phase: malformed.phase, reason: malformed.reason, modRevision: kv.modRevision };
    this.invalid.set(malformed.id, invalid);
    for (const l of this.listeners) l.onInvalidInstance?.(invalid);
  }

  private applyDelete(key: string): void {
    const cls = classifyKey(this.options.prefix, key);
    switch (cls.type) {
      case 'leader':
        this.setLeader(undefined);
        return;
      case 'worker':
        this.setWorker(cls.id, undefined);
        return;
      case 'instance':
        this.invalid.delete(cls.id);
        this.setInstance(cls.id, undefined);
        return;
      case 'ignored':
      case 'malformed':
        return; // never mirrored as an object
    }
  }

  private setInstance(id: string, after: CachedInstance | undefined): void {
    const before = this.instances.get(id);
    if (before === after) return;
    if (before !== undefined) this.unindexInstance(id, before.instance);
    if (after === undefined) this.instances.delete(id);
    else {
      this.instances.set(id, after);
      this.indexInstance(id, after);
    }
    for (const l of this.listeners) l.onInstanceChange?.(id, before, after);
  }

  private indexInstance(id: string, cached: CachedInstance): void {
    const { instance } = cached;
    if (!cached.isStale && isPlaceable(instance)) this.placeable.add(id);
    if (holdsCapacity(instance) && instance.workerId !== undefined) addTo(this.holdersByWorker, instance.workerId, id);
  }

  private unindexInstance(id: string, instance: LabletInstance): void {
    this.placeable.delete(id);
    if (instance.workerId !== undefined) removeFrom(this.holdersByWorker, instance.workerId, id);
  }

  private setWorker(id: string, after: CachedWorker | undefined): void {
    const before = this.workers.get(id);
    if (before === undefined && after === undefined) return;
    if (before !== undefined) removeFrom(this.workersByStatus, before.worker.status, id);
    if (after === undefined) this.workers.delete(id);
    else {
      this.workers.set(id, after);
      addTo(this.workersByStatus, after.worker.status, id);
    }
    for (const l of this.listeners) l.onWorkerChange?.(id, before, after);
  }

  private setLeader(leader: LeaderRecord | undefined): void {
    this.leader = leader;
    for (const l of this.listeners) l.onLeaderChange?.(leader);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function addTo<K>(index: Map<K, Set<string>>, key: K, id: string): void {
  let set = index.get(key);
  if (set === undefined) index.set(key, (set = new Set()));
  set.add(id);
}

function removeFrom<K>(index: Map<K, Set<string>>, key: K, id: string): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}
