// The plugin framework: verdict types and the plugin seams the engine (runner.ts) drives. A filter
// says Success, Unschedulable(reason) or Error(cause); the engine stamps the plugin name, counts a
// worker once under the first filter that rejects it, and never counts an Error as a reason (an
// Error is a fault in our code or data: the decision becomes an error, as in kube-scheduler). Each
// plugin declares what it reads (its scope), and the engine reuses results accordingly: that is
// where the speed comes from, for every plugin alike (docs/placement.md, "Writing a plugin").
import type { LabletInstance, Requirements, Resources } from '../objects';
import type { FilterPluginName, FilterReason, ScorePluginName } from './names';
import { reasonCode } from './names';
import type { WorkerShape } from './snapshot';
import type { WorkerColumns } from './worker-table';

export type Success = { readonly status: 'success' };
/** Made by unschedulable(reason), which interns one per reason; code is the reason's reasonCode. */
export type Unschedulable<R extends FilterReason = FilterReason> = {
  readonly status: 'unschedulable';
  readonly reason: R;
  readonly code: number;
};
export type ErrorVerdict = { readonly status: 'error'; readonly cause: unknown };
export type FilterVerdict<R extends FilterReason = FilterReason> = Success | Unschedulable<R> | ErrorVerdict;

/** The one Success verdict (verdicts are shared, never allocated per worker). */
export const SUCCESS: Success = Object.freeze({ status: 'success' });

// One frozen verdict per reason: the engine counts by code without a string lookup.
const INTERNED = new Map<FilterReason, Unschedulable>();

/** The shared Unschedulable verdict for reason (made, and the reason given a code, on first use). */
export function unschedulable<R extends FilterReason>(reason: R): Unschedulable<R> {
  let v = INTERNED.get(reason);
  if (v === undefined) {
    v = Object.freeze({ status: 'unschedulable', reason, code: reasonCode(reason) });
    INTERNED.set(reason, v);
  }
  return v as Unschedulable<R>;
}

export function errorVerdict(cause: unknown): ErrorVerdict {
  return { status: 'error', cause };
}

/** What one decision is about; built once per place() call. */
export interface PlacementRequest {
  readonly instance: LabletInstance;
  /** instance.requirements.resources (integer thousandths). */
  readonly requested: Resources;
  /** Worker ids the Control Plane API refused for this instance (contract §2); empty by default. */
  readonly rejectedWorkerIds: ReadonlySet<string>;
}

/**
 * A filter whose verdict depends only on the worker's shape (status, license, cmlVersion,
 * nodeDefinitions, region) and on the instance's requirements other than resources. The engine calls
 * it once per distinct shape and requirement and keeps the verdict across decisions: semver checks
 * per worker per decision would be far too slow at 10,000 workers.
 */
export interface ShapeFilterPlugin {
  readonly scope: 'shape';
  readonly name: FilterPluginName;
  readonly reasons: readonly FilterReason[];
  filterShape(requirements: Requirements, shape: WorkerShape): FilterVerdict;
}

/**
 * What a worker-scope plugin's result depends on, so the engine knows how long it may keep it:
 * - 'row': only the worker's row (allocation, capacity, holders, the Worker), its shape and
 *   request.requested. The engine keeps the result per worker and per requested resources until the
 *   row's revision changes, so most decisions call the plugin for a few workers only.
 * - 'request': anything in the request (the instance, rejectedWorkerIds): called per worker per decision.
 */
export type Reuse = 'row' | 'request';

/** A filter over one worker (its allocation, holders or id), read from the columns. Must be pure and cheap. */
export interface WorkerFilterPlugin {
  readonly scope: 'worker';
  readonly name: FilterPluginName;
  readonly reasons: readonly FilterReason[];
  /** Default 'request' (never reused). */
  readonly reuse?: Reuse;
  /**
   * Optional, once per decision and shape: false when the filter passes every worker of this shape
   * for this request (a personal-license check on an enterprise shape), so the engine skips the
   * per-worker calls. Default: applies.
   */
  appliesTo?(request: PlacementRequest, shape: WorkerShape): boolean;
  /** The verdict for the worker at `position` of the columns. */
  filter(request: PlacementRequest, workers: WorkerColumns, position: number): FilterVerdict;
}

export type FilterPlugin = ShapeFilterPlugin | WorkerFilterPlugin;

/*
 * Scores are integers 0..100; a throw, a value out of range or one left unwritten makes the decision
 * an error. A scorer declares the narrowest scope it needs:
 */

/** A score from the worker's shape and the request (Locality): once per live shape per decision. */
export interface ShapeScorePlugin {
  readonly scope: 'shape';
  readonly name: ScorePluginName;
  scoreShape(request: PlacementRequest, shape: WorkerShape): number;
}

/** A score from the worker's row and request.requested (BinPacking): kept as a 'row' filter verdict is. */
export interface RowScorePlugin {
  readonly scope: 'row';
  readonly name: ScorePluginName;
  scoreRow(request: PlacementRequest, workers: WorkerColumns, position: number): number;
}

/** A score that depends on the feasible workers together (LoadBalance's largest holder count). */
export interface FeasibleScorePlugin {
  readonly scope: 'feasible';
  readonly name: ScorePluginName;
  /**
   * Once per decision: out[j] = the score of the worker at positions[j], for j < count (one call with
   * its own loop rather than a call per worker; out is the engine's reused buffer).
   */
  score(request: PlacementRequest, workers: WorkerColumns, positions: Int32Array, count: number, out: Float64Array): void;
}

export type ScorePlugin = ShapeScorePlugin | RowScorePlugin | FeasibleScorePlugin;

export interface WeightedScorer {
  readonly plugin: ScorePlugin;
  /** >= 0; the weights of one placer sum to > 0 (contract §3). */
  readonly weight: number;
}

/** A one-reason shape filter from a pure predicate (true = the shape passes). */
export function shapeFilter(
  name: FilterPluginName,
  reason: FilterReason,
  passes: (requirements: Requirements, shape: WorkerShape) => boolean,
): ShapeFilterPlugin {
  const rejected = unschedulable(reason);
  return { scope: 'shape', name, reasons: [reason], filterShape: (r, shape) => (passes(r, shape) ? SUCCESS : rejected) };
}

/** A one-reason worker filter from a pure predicate (true = the worker passes). */
export function workerFilter(
  name: FilterPluginName,
  reason: FilterReason,
  passes: (request: PlacementRequest, workers: WorkerColumns, position: number) => boolean,
  appliesTo: (request: PlacementRequest, shape: WorkerShape) => boolean,
  reuse: Reuse,
): WorkerFilterPlugin {
  const rejected = unschedulable(reason);
  return {
    scope: 'worker',
    name,
    reasons: [reason],
    reuse,
    appliesTo,
    filter: (request, workers, position) => (passes(request, workers, position) ? SUCCESS : rejected),
  };
}
