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
//
// Forks (issue 18): fork() returns a snapshot equal to this one that then lives its own life, for
// what-if placement (the forecast): any change to a fork (workers added, holders released, instances
// assumed) never shows in its parent, and changes to the parent after the fork never show in the
// fork. A fork is forked the same way. It costs a copy of the columns (about 1 MB at 10,000
// workers), not of the holders: those sit in copy-on-write buckets (cow-map.ts) that each side
// copies on its first write to them. The parent keeps no reference to its forks: drop one to
// discard it. Row revisions never collide across forks (worker-table.ts), so one placer with row
// caches may place on the live snapshot and on forks in turn.
import type { License, Resources, Version, Worker, WorkerStatus } from '../objects';
import { CowMap, hashKey } from './cow-map';
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

/** What the effective holders naming a worker not in the snapshot add up to. */
interface HeldTotal {
  readonly allocated: Resources;
  readonly holders: number;
}

export class Snapshot {
  /** Worker id -> position in the table. */
  private positions = new CowMap<number>();
  private table = new WorkerTable();
  private ids: readonly string[] | undefined;
  private observed = new CowMap<Holding>();
  private assumed = new CowMap<Holding>();
  /** By worker id, for workers not in the snapshot: their effective holders, summed (a worker in it has them in its row). */
  private absent = new CowMap<HeldTotal>();
  private shapesByKey = new Map<string, ShapeSlot>();
  private slots: (WorkerShape | undefined)[] = [];
  private freeSlots: number[] = [];

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
    const added = this.table.push(worker, this.acquireShape(key, worker), this.absent.get(worker.id));
    this.absent.delete(worker.id);
    this.positions.set(worker.id, added);
    this.ids = undefined;
  }

  /** Removes a worker (deleted or turned malformed); holders naming it are kept for its return. */
  removeWorker(workerId: string): void {
    const at = this.positions.get(workerId);
    if (at === undefined) return;
    const holders = this.table.holders[at]!;
    if (holders > 0) this.absent.set(workerId, { allocated: this.table.allocatedAt(at), holders });
    this.releaseShape(this.table.shape(at));
    this.positions.delete(workerId);
    if (this.table.swapRemove(at) >= 0) this.positions.set(this.table.worker(at).id, at);
    this.ids = undefined;
  }

  /** Observed layer: instanceId holds resources on workerId (idempotent; a move adjusts both sides). */
  setHolder(instanceId: string, workerId: string, resources: Resources): void {
    this.change(instanceId, this.observed, { workerId, resources });
  }

  /** Observed layer: instanceId holds nothing (deleted, or no longer holdsCapacity). Idempotent. */
  removeHolder(instanceId: string): void {
    this.change(instanceId, this.observed, undefined);
  }

  /** Assumed layer: the reconciler placed instanceId on workerId; shadowed by any observed holder. */
  assume(instanceId: string, workerId: string, resources: Resources): void {
    this.change(instanceId, this.assumed, { workerId, resources });
  }

  /** Assumed layer: drops the assumption for instanceId. Idempotent. */
  forget(instanceId: string): void {
    this.change(instanceId, this.assumed, undefined);
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

  /**
   * A snapshot equal to this one, for what-if placement: later changes to either never show in the
   * other. Costs a copy of the columns and of the shape slots; holders are shared until written
   * (see the module comment). Needs no cleanup: drop it when done.
   */
  fork(): Snapshot {
    const f = new Snapshot();
    f.positions = this.positions.fork();
    f.table = this.table.fork();
    f.ids = this.ids;
    f.observed = this.observed.fork();
    f.assumed = this.assumed.fork();
    f.absent = this.absent.fork();
    for (const [key, slot] of this.shapesByKey) f.shapesByKey.set(key, { shape: slot.shape, refs: slot.refs });
    f.slots = this.slots.slice();
    f.freeSlots = this.freeSlots.slice();
    return f;
  }

  /** Sets (or, with undefined, deletes) instanceId in one layer and moves its effective holding. */
  private change(instanceId: string, layer: CowMap<Holding>, holding: Holding | undefined): void {
    const h = hashKey(instanceId);
    const before = this.effective(instanceId, h);
    if (holding === undefined) layer.delete(instanceId, h);
    else layer.set(instanceId, holding, h);
    const after = this.effective(instanceId, h);
    if (before === after || (before !== undefined && after !== undefined && sameHolding(before, after))) return;
    if (before !== undefined) this.detach(before);
    if (after !== undefined) this.attach(after);
  }

  private effective(instanceId: string, h: number): Holding | undefined {
    return this.observed.get(instanceId, h) ?? this.assumed.get(instanceId, h);
  }

  private attach(h: Holding): void {
    const at = this.positions.get(h.workerId);
    if (at !== undefined) this.table.hold(at, h.resources, 1);
    else this.holdAbsent(h, 1);
  }

  private detach(h: Holding): void {
    const at = this.positions.get(h.workerId);
    if (at !== undefined) this.table.hold(at, h.resources, -1);
    else this.holdAbsent(h, -1);
  }

  private holdAbsent(h: Holding, sign: 1 | -1): void {
    const total = this.absent.get(h.workerId);
    const holders = (total?.holders ?? 0) + sign;
    if (holders <= 0) {
      this.absent.delete(h.workerId);
      return;
    }
    const a = total?.allocated;
    const r = h.resources;
    this.absent.set(h.workerId, {
      holders,
      allocated: {
        cpuMilli: (a?.cpuMilli ?? 0) + sign * r.cpuMilli,
        memoryMilli: (a?.memoryMilli ?? 0) + sign * r.memoryMilli,
        storageMilli: (a?.storageMilli ?? 0) + sign * r.storageMilli,
        nodesMilli: (a?.nodesMilli ?? 0) + sign * r.nodesMilli,
        portsMilli: (a?.portsMilli ?? 0) + sign * r.portsMilli,
      },
    });
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
