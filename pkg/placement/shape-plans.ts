// Per live shape, for one decision: which worker filters its workers run, and the verdict of its shape
// filters after them. The shape filters' first failure comes from ShapeOutcomeCache (kept across
// decisions); a worker filter is planned only when it comes before that failure in the placer's list
// and applies to the shape (appliesTo), so the engine's loop does no per-worker work for the rest.
// Plans are flat typed arrays indexed by shape slot, rebuilt per decision (a fleet has few shapes).
// A plan's worker filters up to its first one without 'row' reuse may be kept per row (row-memo.ts);
// the signature names everything the plans decide, so a row's kept verdict is reused only under
// identical plans.
import type { Failure } from './evaluation';
import type { FilterPlugin, PlacementRequest, WorkerFilterPlugin } from './framework';
import { ShapeOutcomeCache } from './shape-cache';
import type { Snapshot } from './snapshot';

/** shapeCode of a shape whose filters pass. */
const PASSES = -1;
/** shapeCode of a shape on which a shape filter failed with an error (errorOf says why). */
export const SHAPE_ERROR = -2;

export class ShapePlans {
  /** Per slot: the plan's worker filters are filterAt[first[slot]..end[slot]) (indices into workerFilters). */
  first = new Int32Array(0);
  end = new Int32Array(0);
  filterAt = new Int32Array(0);
  /** Per slot: the first p in first..end whose filter must run every decision (end when none). */
  volatileFrom = new Int32Array(0);
  /** Per slot: PASSES, the reason code of the first failing shape filter, or SHAPE_ERROR. */
  shapeCode = new Int32Array(0);
  /** Per slot: that filter's position in the placer's list (past every filter when they all pass). */
  shapePosition = new Int32Array(0);
  private errors: unknown[] = [];
  private cache: ShapeOutcomeCache;

  constructor(
    private readonly filters: readonly FilterPlugin[],
    private readonly workerFilters: readonly WorkerFilterPlugin[],
    private readonly workerFilterPositions: Int32Array,
  ) {
    this.cache = new ShapeOutcomeCache(filters);
  }

  /** Plans for every live shape of the snapshot; a failure when an appliesTo throws. */
  prepare(request: PlacementRequest, snapshot: Snapshot): Failure | undefined {
    const outcomes = this.cache.outcomes(request.instance.requirements, snapshot);
    const slots = snapshot.shapeSlots();
    this.grow(slots.length);
    const k = this.workerFilters.length;
    let next = 0;
    let filter: WorkerFilterPlugin | undefined;
    try {
      for (let slot = 0; slot < slots.length; slot++) {
        const shape = slots[slot];
        const outcome = outcomes[slot];
        this.first[slot] = next;
        if (shape === undefined || outcome === undefined) {
          this.end[slot] = next; // no rows: an empty plan, the same every time
          this.volatileFrom[slot] = next;
          this.shapeCode[slot] = PASSES;
          this.shapePosition[slot] = 0;
          continue;
        }
        for (let f = 0; f < k; f++) {
          filter = this.workerFilters[f]!;
          if (this.workerFilterPositions[f]! > outcome.position) break;
          if (filter.appliesTo === undefined || filter.appliesTo(request, shape)) this.filterAt[next++] = f;
        }
        this.end[slot] = next;
        let p = this.first[slot]!;
        while (p < next && this.workerFilters[this.filterAt[p]!]!.reuse === 'row') p++;
        this.volatileFrom[slot] = p;
        const verdict = outcome.verdict;
        this.shapeCode[slot] = verdict === undefined ? PASSES : verdict.status === 'error' ? SHAPE_ERROR : verdict.code;
        this.shapePosition[slot] = verdict === undefined ? this.filters.length : outcome.position;
        this.errors[slot] = verdict?.status === 'error' ? verdict.cause : undefined;
      }
    } catch (err: unknown) {
      return { plugin: filter?.name ?? 'unknown', workerId: undefined, cause: err };
    }
    return undefined;
  }

  /** The plans of the first numSlots slots as one string: equal strings, equal plans. */
  signature(numSlots: number): string {
    let out = '';
    for (let slot = 0; slot < numSlots; slot++) {
      out += `${this.shapeCode[slot]!}@${this.shapePosition[slot]!}`;
      for (let p = this.first[slot]!; p < this.end[slot]!; p++) out += `,${this.filterAt[p]!}`;
      out += ';';
    }
    return out;
  }

  /** Why the shape filters failed on the shape in slot (SHAPE_ERROR). */
  errorOf(slot: number): unknown {
    return this.errors[slot];
  }

  /** Forgets the shape verdicts kept across decisions (the engine's reference mode). */
  clear(): void {
    this.cache = new ShapeOutcomeCache(this.filters);
  }

  private grow(numSlots: number): void {
    if (this.first.length >= numSlots) return;
    const size = Math.max(numSlots, 2 * this.first.length);
    this.first = new Int32Array(size);
    this.end = new Int32Array(size);
    this.shapeCode = new Int32Array(size);
    this.shapePosition = new Int32Array(size);
    this.filterAt = new Int32Array(size * Math.max(1, this.workerFilters.length));
    this.volatileFrom = new Int32Array(size);
    this.errors = new Array<unknown>(size);
  }
}
