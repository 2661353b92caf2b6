// The workers as columns (a struct of arrays), for the placer's loops: a decision over 10,000 workers
// reads a few contiguous typed arrays (well under a megabyte) instead of three or four objects per
// worker scattered over the heap, which inside the running scheduler, with HTTP and watch work between
// decisions, were mostly out of the CPU caches (docs/scaling.md). Positions are dense (0..size-1) and
// change when a worker is removed (the last one moves into its place); the arrays are replaced when
// they grow, so plugins read them through the table during one decision and keep nothing.
// fork() copies the columns (about 1 MB at 10,000 workers; no per-worker objects are made), and
// row revisions come from one counter for every table in the process, so a fork and its parent
// show the same revision at a position only for a row neither has written since the fork.
import type { Capacity, Resources, Worker } from '../objects';
import { compareIds } from './decision';
import type { WorkerShape } from './snapshot';

/** Resource columns per worker, in contract order (ResourcesFit checks them in this order). */
export const CPU = 0;
export const MEMORY = 1;
export const STORAGE = 2;
export const NODES = 3;
export const PORTS = 4;
export const RESOURCE_STRIDE = 5;

/** What placement plugins read: per position, resources at [RESOURCE_STRIDE x position + column]. */
export interface WorkerColumns {
  readonly size: number;
  /** Sum of the holders' requirements, integer thousandths. */
  readonly allocated: Float64Array;
  /** Integer thousandths; an absent (unlimited) nodes or ports capacity is Infinity. */
  readonly capacity: Float64Array;
  /** Number of instances holding capacity. */
  readonly holders: Int32Array;
  /** WorkerShape.index of each worker. */
  readonly shapeIndex: Int32Array;
  /**
   * Per position, a number that changes whenever the row's allocation, capacity or worker changes
   * (never 0, never reused by any table in the process): a placer may keep what it computed from a
   * row until it changes. Forks copy it: equal (position, revision) in a snapshot and in a fork
   * (or in two forks of one snapshot) means the same row contents, so a row cache keyed by
   * position and revision may serve both; a row written on either side gets a revision no other
   * table has shown.
   */
  readonly revision: Float64Array;
  /**
   * A number that changes whenever a row comes, goes or changes shape (never reused by any table in
   * the process; a fork starts with its parent's): what is derived from shapeIndex alone may be kept
   * while it is unchanged.
   */
  readonly layout: number;
  worker(position: number): Worker;
  /**
   * Rank of each worker's id in byte order (0 = smallest), by position: ties compare integers, not
   * strings. Kept up to date as workers come and go; read it during one decision, keep nothing.
   */
  idRanks(): Int32Array;
}

/** Writes r into row `at` of a resource column array; an absent nodes or ports capacity as Infinity. */
export function writeResources(target: Float64Array, at: number, r: Resources | Capacity): void {
  const o = at * RESOURCE_STRIDE;
  target[o + CPU] = r.cpuMilli;
  target[o + MEMORY] = r.memoryMilli;
  target[o + STORAGE] = r.storageMilli;
  target[o + NODES] = r.nodesMilli ?? Infinity;
  target[o + PORTS] = r.portsMilli ?? Infinity;
}

/** The last revision given to a row of any table (see WorkerColumns.revision). */
let lastRevision = 0;
/** The last layout given to any table (see WorkerColumns.layout). */
let lastLayout = 0;

export class WorkerTable implements WorkerColumns {
  size = 0;
  allocated = new Float64Array(0);
  capacity = new Float64Array(0);
  holders = new Int32Array(0);
  shapeIndex = new Int32Array(0);
  revision = new Float64Array(0);
  layout = ++lastLayout;
  private workers: Worker[] = [];
  private shapes: WorkerShape[] = [];
  /** Once idRanks() was asked: rank by position and position by rank, kept up to date as rows come and go. */
  private ranks = new Int32Array(0);
  private order = new Int32Array(0);
  private isRanked = false;
  private rankView: Int32Array | undefined;

  worker(position: number): Worker {
    return this.workers[position]!;
  }

  shape(position: number): WorkerShape {
    return this.shapes[position]!;
  }

  idRanks(): Int32Array {
    if (!this.isRanked) this.rankAll();
    this.rankView ??= this.ranks.subarray(0, this.size);
    return this.rankView;
  }

  /**
   * A table equal to this one (same positions, revisions and ranks) that shares nothing mutable
   * with it: the typed columns and the row arrays are copied, the workers and shapes (immutable)
   * are shared.
   */
  fork(): WorkerTable {
    const t = new WorkerTable();
    const n = this.size;
    const rows = Math.max(64, n + (n >> 4));
    t.size = n;
    t.layout = this.layout;
    t.allocated = copyRows(this.allocated, new Float64Array(rows * RESOURCE_STRIDE), n * RESOURCE_STRIDE);
    t.capacity = copyRows(this.capacity, new Float64Array(rows * RESOURCE_STRIDE), n * RESOURCE_STRIDE);
    t.holders = copyRows(this.holders, new Int32Array(rows), n);
    t.shapeIndex = copyRows(this.shapeIndex, new Int32Array(rows), n);
    t.revision = copyRows(this.revision, new Float64Array(rows), n);
    t.workers = this.workers.slice();
    t.shapes = this.shapes.slice();
    t.ranks = copyRows(this.ranks, new Int32Array(rows), this.isRanked ? n : 0);
    t.order = copyRows(this.order, new Int32Array(rows), this.isRanked ? n : 0);
    t.isRanked = this.isRanked;
    return t;
  }

  /** Appends a worker with nothing allocated (or with `held`: allocation and holder count); returns its position. */
  push(worker: Worker, shape: WorkerShape, held?: { readonly allocated: Resources; readonly holders: number }): number {
    if (this.size === this.holders.length) this.grow(Math.max(64, 2 * this.size));
    const at = this.size++;
    this.rankView = undefined;
    this.layout = ++lastLayout;
    if (held === undefined) {
      this.allocated.fill(0, at * RESOURCE_STRIDE, (at + 1) * RESOURCE_STRIDE);
      this.holders[at] = 0;
    } else {
      writeResources(this.allocated, at, held.allocated);
      this.holders[at] = held.holders;
    }
    this.set(at, worker, shape);
    if (this.isRanked) this.rankPushed(at);
    return at;
  }

  /** Replaces the worker at a position, keeping its allocation (same id). */
  set(at: number, worker: Worker, shape: WorkerShape): void {
    this.workers[at] = worker;
    this.shapes[at] = shape;
    if (this.shapeIndex[at] !== shape.index) this.layout = ++lastLayout;
    this.shapeIndex[at] = shape.index;
    writeResources(this.capacity, at, worker.capacity);
    this.revision[at] = ++lastRevision;
  }

  /** Removes the worker at a position; returns the old position of the worker moved into it, or -1. */
  swapRemove(at: number): number {
    const last = this.size - 1;
    if (this.isRanked) this.rankRemoved(at, last);
    this.size = last;
    this.rankView = undefined;
    this.layout = ++lastLayout;
    if (at !== last) {
      this.allocated.copyWithin(at * RESOURCE_STRIDE, last * RESOURCE_STRIDE, (last + 1) * RESOURCE_STRIDE);
      this.capacity.copyWithin(at * RESOURCE_STRIDE, last * RESOURCE_STRIDE, (last + 1) * RESOURCE_STRIDE);
      this.holders[at] = this.holders[last]!;
      this.shapeIndex[at] = this.shapeIndex[last]!;
      this.revision[at] = ++lastRevision;
      this.workers[at] = this.workers[last]!;
      this.shapes[at] = this.shapes[last]!;
    }
    this.workers.pop();
    this.shapes.pop();
    return at !== last ? last : -1;
  }

  /** Adds (sign 1) or takes away (sign -1) one holder's requirements at a position. */
  hold(at: number, r: Resources, sign: 1 | -1): void {
    const a = this.allocated;
    const o = at * RESOURCE_STRIDE;
    a[o + CPU] = a[o + CPU]! + sign * r.cpuMilli;
    a[o + MEMORY] = a[o + MEMORY]! + sign * r.memoryMilli;
    a[o + STORAGE] = a[o + STORAGE]! + sign * r.storageMilli;
    a[o + NODES] = a[o + NODES]! + sign * r.nodesMilli;
    a[o + PORTS] = a[o + PORTS]! + sign * r.portsMilli;
    this.holders[at] = this.holders[at]! + sign;
    this.revision[at] = ++lastRevision;
  }

  /** The allocation at a position, as an object (a copy). */
  allocatedAt(at: number): Resources {
    const a = this.allocated;
    const o = at * RESOURCE_STRIDE;
    return { cpuMilli: a[o + CPU]!, memoryMilli: a[o + MEMORY]!, storageMilli: a[o + STORAGE]!, nodesMilli: a[o + NODES]!, portsMilli: a[o + PORTS]! };
  }

  private grow(rows: number): void {
    const widen = <T extends Float64Array | Int32Array>(from: T, make: (n: number) => T, width: number): T => {
      const to = make(rows * width);
      to.set(from);
      return to;
    };
    this.allocated = widen(this.allocated, (n) => new Float64Array(n), RESOURCE_STRIDE);
    this.capacity = widen(this.capacity, (n) => new Float64Array(n), RESOURCE_STRIDE);
    this.holders = widen(this.holders, (n) => new Int32Array(n), 1);
    this.shapeIndex = widen(this.shapeIndex, (n) => new Int32Array(n), 1);
    this.revision = widen(this.revision, (n) => new Float64Array(n), 1);
    this.ranks = widen(this.ranks, (n) => new Int32Array(n), 1);
    this.order = widen(this.order, (n) => new Int32Array(n), 1);
    this.rankView = undefined;
  }

  /** Ranks from scratch: one sort of the ids. */
  private rankAll(): void {
    const sorted = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => compareIds(this.workers[a]!.id, this.workers[b]!.id));
    sorted.forEach((position, rank) => {
      this.order[rank] = position;
      this.ranks[position] = rank;
    });
    this.isRanked = true;
    this.rankView = undefined;
  }

  /** The worker just pushed at `at` (the last position) takes its rank; the ranks after it move up. */
  private rankPushed(at: number): void {
    const id = this.workers[at]!.id;
    const { ranks, order } = this;
    let lo = 0;
    let hi = at;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.workers[order[mid]!]!.id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (let p = 0; p < at; p++) if (ranks[p]! >= lo) ranks[p] = ranks[p]! + 1;
    order.copyWithin(lo + 1, lo, at);
    order[lo] = at;
    ranks[at] = lo;
  }

  /** Before the swap-removal of `at`: its rank goes, the ranks after it move down, the last row takes `at`. */
  private rankRemoved(at: number, last: number): void {
    const { ranks, order } = this;
    const gone = ranks[at]!;
    for (let p = 0; p <= last; p++) if (ranks[p]! > gone) ranks[p] = ranks[p]! - 1;
    order.copyWithin(gone, gone + 1, last + 1);
    if (at !== last) {
      const moved = ranks[last]!;
      ranks[at] = moved;
      order[moved] = at;
    }
  }
}

/** Copies the first `used` entries of `from` into `to` (longer, zeroed); returns `to`. */
function copyRows<T extends Float64Array | Int32Array>(from: T, to: T, used: number): T {
  to.set(from.subarray(0, used));
  return to;
}
