// The rows of each shape slot, so an exact scan can take a slot whose shape is rejected before any
// worker filter runs as one count instead of visiting its rows (a request for an evaluation license
// passes over every enterprise worker that way). Built by one counting pass over shapeIndex and kept
// while the table's layout is unchanged; the last few layouts are kept, because the live snapshot and
// a fork of it (the forecast) are placed on in turn.
import type { WorkerColumns } from './worker-table';

/** Layouts kept at once; the oldest goes first. */
const MAX_LAYOUTS = 4;

export interface SlotRows {
  readonly layout: number;
  /** The rows of slot s are rows[start[s]..start[s + 1]). */
  readonly start: Int32Array;
  readonly rows: Int32Array;
}

export class SlotRowsCache {
  private readonly kept: SlotRows[] = [];

  /** The rows of each of the first numSlots slots of the table, in position order. */
  of(columns: WorkerColumns, numSlots: number): SlotRows {
    const found = this.kept.find((k) => k.layout === columns.layout && k.start.length === numSlots + 1);
    if (found !== undefined) return found;
    const made = build(columns, numSlots);
    if (this.kept.length >= MAX_LAYOUTS) this.kept.shift();
    this.kept.push(made);
    return made;
  }
}

function build(columns: WorkerColumns, numSlots: number): SlotRows {
  const n = columns.size;
  const { shapeIndex } = columns;
  const start = new Int32Array(numSlots + 1);
  for (let i = 0; i < n; i++) start[shapeIndex[i]! + 1]!++;
  for (let s = 0; s < numSlots; s++) start[s + 1]! += start[s]!;
  const next = start.slice(0, numSlots);
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[next[shapeIndex[i]!]!++] = i;
  return { layout: columns.layout, start, rows };
}
