// The workers as columns (a struct of arrays), for the placer's loops: a decision over 10,000 workers
// reads a few contiguous typed arrays (well under a megabyte) instead of three or four objects per
// worker scattered over the heap, which inside the running scheduler, with HTTP and watch work between
// decisions, were mostly out of the CPU caches (docs/scaling.md). Positions are dense (0..size-1) and
// change when a worker is removed (the last one moves into its place); the arrays are replaced when
// they grow, so plugins read them through the table during one decision and keep nothing.
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
   * (never reused within this table, never 0): a placer may keep what it computed from a row until
   * it changes.
   */
  readonly revision: Float64Array;
  worker(position: number): Worker;
  /** Rank of each worker's id in byte order (0 = smallest): ties compare integers, not strings. */
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

export class WorkerTable implements WorkerColumns {
  size = 0;
  allocated = new Float64Array(0);
  capacity = new Float64Array(0);
  holders = new Int32Array(0);
  shapeIndex = new Int32Array(0);
  revision = new Float64Array(0);
  private changes = 0;
  private workers: Worker[] = [];
  private shapes: WorkerShape[] = [];
  private ranks: Int32Array | undefined;

  worker(position: number): Worker {
    return this.workers[position]!;
  }

  shape(position: number): WorkerShape {
    return this.shapes[position]!;
  }

  idRanks(): Int32Array {
    if (this.ranks === undefined) {
      const order = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => compareIds(this.workers[a]!.id, this.workers[b]!.id));
      this.ranks = new Int32Array(this.size);
      order.forEach((position, rank) => { this.ranks![position] = rank; });
    }
    return this.ranks;
  }

  /** Appends a worker with nothing allocated; returns its position. */
  push(worker: Worker, shape: WorkerShape): number {
    if (this.size === this.holders.length) this.grow(Math.max(64, 2 * this.size));
    const at = this.size++;
    this.allocated.fill(0, at * RESOURCE_STRIDE, (at + 1) * RESOURCE_STRIDE);
    this.holders[at] = 0;
    this.set(at, worker, shape);
    this.ranks = undefined;
    return at;
  }

  /** Replaces the worker at a position, keeping its allocation (same id). */
  set(at: number, worker: Worker, shape: WorkerShape): void {
    this.workers[at] = worker;
    this.shapes[at] = shape;
    this.shapeIndex[at] = shape.index;
    writeResources(this.capacity, at, worker.capacity);
    this.revision[at] = ++this.changes;
  }

  /** Removes the worker at a position; returns the old position of the worker moved into it, or -1. */
  swapRemove(at: number): number {
    const last = --this.size;
    this.ranks = undefined;
    if (at !== last) {
      this.allocated.copyWithin(at * RESOURCE_STRIDE, last * RESOURCE_STRIDE, (last + 1) * RESOURCE_STRIDE);
      this.capacity.copyWithin(at * RESOURCE_STRIDE, last * RESOURCE_STRIDE, (last + 1) * RESOURCE_STRIDE);
      this.holders[at] = this.holders[last]!;
      this.shapeIndex[at] = this.shapeIndex[last]!;
      this.revision[at] = ++this.changes;
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
    this.revision[at] = ++this.changes;
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
  }
}
