// What the engine knows about each worker row for one kind of decision, kept across decisions: the
// verdict of the row's planned filters that may be kept ('row' reuse, framework.ts), the 'row'
// scorers' scores and their weighted sum. A kind is the requested resources together with the shape
// plans (shape-plans.ts): the plans say which filters each shape's rows run and what the shape
// filters decided, so two decisions of one kind compute the same for an unchanged row. An entry holds
// while the row's revision is the one it was computed at. Labs repeat (a fleet runs a handful of lab
// kinds), so a decision recomputes only the rows that changed since its kind was last placed, and
// reads one verdict and one partial score for each of the others.
// Revisions come from one counter for every table in the process, and equal (position, revision) in
// a snapshot and its fork means the same row (worker-table.ts): one memo serves the live snapshot
// and forks in turn.
import type { Resources } from '../objects';
import type { WorkerColumns } from './worker-table';

/** Distinct kinds kept at once; the least recently used goes first. */
const MAX_KINDS = 32;

/** One kind's entries, by row position. */
export interface KindEntries {
  readonly stride: number;
  /** The row revision the entry was computed at; 0 = none (revisions are never 0). */
  readonly seenAt: Float64Array;
  /** The kept filters' verdict: PASSES (-1) or a reason code. */
  readonly code: Int32Array;
  /** Σ weight x score over the 'row' scorers (rows whose verdict passes; NaN when one of them failed). */
  readonly partial: Float64Array;
  /** 'row' scorer slot s of row i at [s x stride + i]. */
  readonly scores: Float64Array;
}

export class RowMemo {
  private stride = 0;
  private readonly kinds = new Map<string, KindEntries>();

  /** rowScorers: the number of 'row' scorers (each has a slot in scores). */
  constructor(private readonly rowScorers: number) {}

  /** The entries for this kind (requested resources and plan signature), with room for every row of the table. */
  entries(table: WorkerColumns, requested: Resources, plans: string): KindEntries {
    if (table.size > this.stride) {
      this.kinds.clear();
      this.stride = Math.max(table.size, 2 * this.stride, 64);
    }
    const key = `${requested.cpuMilli},${requested.memoryMilli},${requested.storageMilli},${requested.nodesMilli},${requested.portsMilli}|${plans}`;
    let found = this.kinds.get(key);
    if (found !== undefined) {
      this.kinds.delete(key); // re-inserted below: Map order is recency
    } else if (this.kinds.size >= MAX_KINDS) {
      const [oldest, evicted] = this.kinds.entries().next().value!;
      this.kinds.delete(oldest);
      evicted.seenAt.fill(0); // its arrays serve the new kind
      found = evicted;
    } else {
      const n = this.stride;
      found = { stride: n, seenAt: new Float64Array(n), code: new Int32Array(n), partial: new Float64Array(n), scores: new Float64Array(this.rowScorers * n) };
    }
    this.kinds.set(key, found);
    return found;
  }

  /** Forgets every entry (the engine's reference mode, which reuses nothing). */
  clear(): void {
    for (const entries of this.kinds.values()) entries.seenAt.fill(0);
  }
}
