// Results of 'row' plugins (framework.ts Reuse) per worker row, kept across decisions: an entry holds
// while the row's revision is the one it was computed at, for the requested resources it was computed
// for. Entries are kept for the last few distinct requests (labs repeat: a fleet runs a handful of lab
// kinds), so a decision recomputes only the rows that changed since that kind was last placed.
// Revisions come from one counter for every table in the process, and equal (position, revision) in
// a snapshot and its fork means the same row (worker-table.ts): one memo serves the live snapshot
// and forks in turn.
import type { Resources } from '../objects';
import type { WorkerColumns } from './worker-table';

/** Distinct requested resources kept at once; the least recently used goes first. */
const MAX_KINDS = 16;

/** One kind's entries: plugin slot s of row i at [s x stride + i]. */
export interface RowEntries {
  readonly stride: number;
  /** The row revision the entry was computed at; 0 = none (revisions are never 0). */
  readonly seenAt: Float64Array;
  readonly value: Float64Array;
}

export class RowMemo {
  private stride = 0;
  private readonly kinds = new Map<string, RowEntries>();

  /** width: the number of plugin slots (each 'row' filter and scorer has one). */
  constructor(private readonly width: number) {}

  /** The entries for this decision's requested resources, with room for every row of the table. */
  entries(table: WorkerColumns, requested: Resources): RowEntries {
    if (table.size > this.stride) {
      this.kinds.clear();
      this.stride = Math.max(table.size, 2 * this.stride, 64);
    }
    const key = `${requested.cpuMilli},${requested.memoryMilli},${requested.storageMilli},${requested.nodesMilli},${requested.portsMilli}`;
    let found = this.kinds.get(key);
    if (found !== undefined) {
      this.kinds.delete(key); // re-inserted below: Map order is recency
    } else if (this.kinds.size >= MAX_KINDS) {
      const [oldest, evicted] = this.kinds.entries().next().value!;
      this.kinds.delete(oldest);
      evicted.seenAt.fill(0); // its arrays serve the new kind
      found = evicted;
    } else {
      const length = this.width * this.stride;
      found = { stride: this.stride, seenAt: new Float64Array(length), value: new Float64Array(length) };
    }
    this.kinds.set(key, found);
    return found;
  }

  /** Forgets every entry (the engine's reference mode, which reuses nothing). */
  clear(): void {
    this.kinds.clear();
  }
}
