// The placer's view of the fleet, updated incrementally and never copied per decision: workers by
// id with capacity, and per worker the allocation (sum of held requirements, integer thousandths)
// and the number of holders, kept as columns (worker-table.ts) for the placer's loops.
//
// Holders come in two layers keyed by instance id, and the effective holder of an instance is its
// observed one if any, else its assumed one:
// - observed (setHolder/removeHolder): what the informer sees in etcd (holdsCapacity of contract §1);
// - assumed (assume/forget): placements the reconciler has decided but the cache has not shown yet.
// So a real holder seen in the watch replaces an assumption for the same instance without double
// counting, and a watch event showing the instance still PENDING cannot erase an assumption; the
// reconciler forgets an assumption on a definite refusal or once the observed holder has arrived.
// A holder may name a worker not (yet) in the snapshot: it is kept and counted when the worker appears.
import type { License, Resources, Version, Worker, WorkerStatus } from '../objects';
import type { WorkerColumns } from './worker-table';
import { WorkerTable } from './worker-table';

/**
 * What the shape filters and Locality read; one object per distinct (status, license, cmlVersion,
 * nodeDefinitions, region). A fleet has few shapes, so per-shape work is cheap next to per-worker work.
 */
export interface WorkerShape {
  /** Dense slot number among the live shapes (reused after a shape goes away). */
  readonly index: number;
  readonly key: string;
  readonly status: WorkerStatus;
  readonly license: License;
  readonly cmlVersion: Version | undefined;
  readonly nodeDefinitions: ReadonlySet<string>;
  readonly region: string | undefined;
}

/** One worker as the placer sees it, copied out of the snapshot (it does not follow later changes). */
export interface WorkerInfo {
  readonly worker: Worker;
  readonly shape: WorkerShape;
  /** Sum of the requirements of the instances holding capacity on this worker. */
  readonly allocated: Resources;
  /** Number of instances holding capacity on this worker. */
  readonly holders: number;
}

export interface Holding {
  readonly workerId: string;
  readonly resources: Resources;
}

interface ShapeSlot {
  readonly shape: WorkerShape;
  refs: number;
}

export class Snapshot {
  /** Worker id -> position in the table. */
  private readonly positions = new Map<string, number>();
  private readonly table = new WorkerTable();
  private ids: readonly string[] | undefined;
  private readonly observed = new Map<string, Holding>();
  private readonly assumed = new Map<string, Holding>();
  /** Effective holdings by worker id (also for workers not in the snapshot): instance id -> resources. */
  private readonly byWorker = new Map<string, Map<string, Resources>>();
  private readonly shapesByKey = new Map<string, ShapeSlot>();
  private readonly slots: (WorkerShape | undefined)[] = [];
  private readonly freeSlots: number[] = [];

  /** Number of (valid) workers: the N of "0/N workers fit". */
  get size(): number {
    return this.table.size;
  }

  /** Adds or replaces a worker; its allocation is kept (or, when new, summed from known holders). */
  upsertWorker(worker: Worker): void {
    const key = shapeKey(worker);
    const at = this.positions.get(worker.id);
    if (at !== undefined) {
      let shape = this.table.shape(at);
      if (shape.key !== key) {
        this.releaseShape(shape);
        shape = this.acquireShape(key, worker);
      }
      this.table.set(at, worker, shape);
      return;
    }
    const added = this.table.push(worker, this.acquireShape(key, worker));
    for (const resources of this.byWorker.get(worker.id)?.values() ?? []) this.table.hold(added, resources, 1);
    this.positions.set(worker.id, added);
    this.ids = undefined;
  }

  /** Removes a worker (deleted or turned malformed); holders naming it are kept for its return. */
  removeWorker(workerId: string): void {
    const at = this.positions.get(workerId);
    if (at === undefined) return;
    this.releaseShape(this.table.shape(at));
    this.positions.delete(workerId);
    if (this.table.swapRemove(at) >= 0) this.positions.set(this.table.worker(at).id, at);
    this.ids = undefined;
  }

  /** Observed layer: instanceId holds resources on workerId (idempotent; a move adjusts both sides). */
  setHolder(instanceId: string, workerId: string, resources: Resources): void {
    this.change(instanceId, () => this.observed.set(instanceId, { workerId, resources }));
  }

  /** Observed layer: instanceId holds nothing (deleted, or no longer holdsCapacity). Idempotent. */
  removeHolder(instanceId: string): void {
    this.change(instanceId, () => this.observed.delete(instanceId));
  }

  /** Assumed layer: the reconciler placed instanceId on workerId; shadowed by any observed holder. */
  assume(instanceId: string, workerId: string, resources: Resources): void {
    this.change(instanceId, () => this.assumed.set(instanceId, { workerId, resources }));
  }

  /** Assumed layer: drops the assumption for instanceId. Idempotent. */
  forget(instanceId: string): void {
    this.change(instanceId, () => this.assumed.delete(instanceId));
  }

  /** The effective holding of an instance and the layer it comes from, if any. */
  holderOf(instanceId: string): (Holding & { readonly source: 'observed' | 'assumed' }) | undefined {
    const observed = this.observed.get(instanceId);
    if (observed !== undefined) return { ...observed, source: 'observed' };
    const assumed = this.assumed.get(instanceId);
    return assumed === undefined ? undefined : { ...assumed, source: 'assumed' };
  }

  /** Number of assumptions (shadowed ones included). */
  get assumedCount(): number {
    return this.assumed.size;
  }

  /** A copy of one worker's view, or undefined when it is not in the snapshot. */
  getWorker(workerId: string): WorkerInfo | undefined {
    const at = this.positions.get(workerId);
    if (at === undefined) return undefined;
    const t = this.table;
    return { worker: t.worker(at), shape: t.shape(at), allocated: t.allocatedAt(at), holders: t.holders[at]! };
  }

  /** The workers as columns, in an internal order that changes as workers come and go. Do not keep across updates. */
  columns(): WorkerColumns {
    return this.table;
  }

  /** The ids by position in columns(); the same frozen array until a worker is added or removed. */
  workerIds(): readonly string[] {
    this.ids ??= Object.freeze(Array.from({ length: this.table.size }, (_, i) => this.table.worker(i).id));
    return this.ids;
  }

  /** The live shapes by slot (a slot may be empty); slot = WorkerShape.index. */
  shapeSlots(): readonly (WorkerShape | undefined)[] {
    return this.slots;
  }

  private change(instanceId: string, mutate: () => void): void {
    const before = this.effective(instanceId);
    mutate();
    const after = this.effective(instanceId);
    if (before === after || (before !== undefined && after !== undefined && sameHolding(before, after))) return;
    if (before !== undefined) this.detach(instanceId, before);
    if (after !== undefined) this.attach(instanceId, after);
  }

  private effective(instanceId: string): Holding | undefined {
    return this.observed.get(instanceId) ?? this.assumed.get(instanceId);
  }

  private attach(instanceId: string, h: Holding): void {
    let held = this.byWorker.get(h.workerId);
    if (held === undefined) {
      held = new Map();
      this.byWorker.set(h.workerId, held);
    }
    held.set(instanceId, h.resources);
    const at = this.positions.get(h.workerId);
    if (at !== undefined) this.table.hold(at, h.resources, 1);
  }

  private detach(instanceId: string, h: Holding): void {
    const held = this.byWorker.get(h.workerId);
    held?.delete(instanceId);
    if (held?.size === 0) this.byWorker.delete(h.workerId);
    const at = this.positions.get(h.workerId);
    if (at !== undefined) this.table.hold(at, h.resources, -1);
  }

  private acquireShape(key: string, worker: Worker): WorkerShape {
    const slot = this.shapesByKey.get(key);
    if (slot !== undefined) {
      slot.refs++;
      return slot.shape;
    }
    const index = this.freeSlots.pop() ?? this.slots.length;
    const shape: WorkerShape = Object.freeze({
      index,
      key,
      status: worker.status,
      license: worker.license,
      cmlVersion: worker.cmlVersion,
      nodeDefinitions: new Set(worker.nodeDefinitions),
      region: worker.region,
    });
    this.slots[index] = shape;
    this.shapesByKey.set(key, { shape, refs: 1 });
    return shape;
  }

  private releaseShape(shape: WorkerShape): void {
    const slot = this.shapesByKey.get(shape.key);
    if (slot === undefined || --slot.refs > 0) return;
    this.shapesByKey.delete(shape.key);
    this.slots[shape.index] = undefined;
    this.freeSlots.push(shape.index);
  }
}

/**
 * Equal keys exactly when the shapes are equal. JSON, not a separator join: joined, the node
 * definitions [] and [""] (or ["a\u0000b"] and ["a", "b"]) made one key, so one worker's shape
 * answered for the other's (issue 13, found by pkg/placement/bad-input.property.test.ts).
 */
function shapeKey(w: Worker): string {
  return JSON.stringify([w.status, w.license, w.cmlVersion?.raw ?? null, [...new Set(w.nodeDefinitions)].sort(), w.region ?? null]);
}

function sameHolding(a: Holding, b: Holding): boolean {
  return a.workerId === b.workerId && sameResources(a.resources, b.resources);
}

function sameResources(a: Resources, b: Resources): boolean {
  return (
    a.cpuMilli === b.cpuMilli &&
    a.memoryMilli === b.memoryMilli &&
    a.storageMilli === b.storageMilli &&
    a.nodesMilli === b.nodesMilli &&
    a.portsMilli === b.portsMilli
  );
}
