// Shape filters (license, version range, node definitions) depend only on a worker's shape and the
// shape-related requirements, so their outcome is computed once per distinct (shape, requirement)
// and kept across decisions: a semver check per worker per decision would be far too slow at
// 10,000 workers. Outcomes die with their shape (WeakMap); errors are never cached.
import type { Requirements } from '../objects';
import type { ErrorVerdict, FilterPlugin, FilterVerdict, ShapeFilterPlugin, Unschedulable } from './framework';
import { errorVerdict } from './framework';
import type { Snapshot, WorkerShape } from './snapshot';

/** The first shape filter (by position in the filter list) that fails a shape, or none. */
export interface ShapeOutcome {
  /** Position in the filter list; past every filter when the shape passes them all. */
  readonly position: number;
  readonly verdict: Unschedulable | ErrorVerdict | undefined;
}

const PASSES: ShapeOutcome = Object.freeze({ position: Number.MAX_SAFE_INTEGER, verdict: undefined });
/** Distinct requirements kept per shape before that shape's entries are dropped. */
const MAX_REQUIREMENTS_PER_SHAPE = 512;

export class ShapeOutcomeCache {
  private readonly byShape = new WeakMap<WorkerShape, Map<string, ShapeOutcome>>();
  private readonly keys = new WeakMap<Requirements, string>();

  /** filters: the placer's whole list, so positions match it; only shape filters are run here. */
  constructor(private readonly filters: readonly FilterPlugin[]) {}

  /** Indexed by WorkerShape.index: the outcome for each live shape of the snapshot. */
  outcomes(requirements: Requirements, snapshot: Snapshot): readonly (ShapeOutcome | undefined)[] {
    const key = this.requirementKey(requirements);
    const slots = snapshot.shapeSlots();
    const out = new Array<ShapeOutcome | undefined>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const shape = slots[i];
      if (shape === undefined) continue;
      let byRequirement = this.byShape.get(shape);
      if (byRequirement === undefined) {
        byRequirement = new Map();
        this.byShape.set(shape, byRequirement);
      }
      let found = byRequirement.get(key);
      if (found === undefined) {
        found = this.outcome(requirements, shape);
        if (found.verdict?.status !== 'error') {
          if (byRequirement.size >= MAX_REQUIREMENTS_PER_SHAPE) byRequirement.clear();
          byRequirement.set(key, found);
        }
      }
      out[i] = found;
    }
    return out;
  }

  private outcome(requirements: Requirements, shape: WorkerShape): ShapeOutcome {
    for (let position = 0; position < this.filters.length; position++) {
      const filter = this.filters[position]!;
      if (filter.scope !== 'shape') continue;
      const verdict = shapeVerdict(filter, requirements, shape);
      if (verdict.status !== 'success') return { position, verdict };
    }
    return PASSES;
  }

  /**
   * What shape filters may read of the requirements (all but resources; a version range by what was
   * written), as one string, memoized per object.
   */
  private requirementKey(r: Requirements): string {
    let key = this.keys.get(r);
    if (key === undefined) {
      key = JSON.stringify([r.cmlVersion?.raw ?? null, { ...r, resources: undefined, cmlVersion: undefined }]);
      this.keys.set(r, key);
    }
    return key;
  }
}

function shapeVerdict(filter: ShapeFilterPlugin, requirements: Requirements, shape: WorkerShape): FilterVerdict {
  try {
    return filter.filterShape(requirements, shape);
  } catch (err: unknown) {
    return errorVerdict(err);
  }
}
