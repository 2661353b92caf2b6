// The plugin framework: verdict types and the plugin seams the runner (runner.ts) drives. A filter
// says Success, Unschedulable(reason) or Error(cause); the runner stamps the plugin name, counts a
// worker once under the first filter that rejects it, and never counts an Error as a reason (an
// Error is a fault in our code or data: the decision becomes an error, as in kube-scheduler).
import type { LabletInstance, Requirements, Resources } from '../objects';
import type { FilterPluginName, FilterReason, ScorePluginName } from './names';
import { FILTER_REASONS } from './names';
import type { WorkerShape } from './snapshot';
import type { WorkerColumns } from './worker-table';

export type Success = { readonly status: 'success' };
/** Made by unschedulable(reason), which interns one per reason; code is the reason's FILTER_REASONS index. */
export type Unschedulable<R extends FilterReason = FilterReason> = {
  readonly status: 'unschedulable';
  readonly reason: R;
  readonly code: number;
};
export type ErrorVerdict = { readonly status: 'error'; readonly cause: unknown };
export type FilterVerdict<R extends FilterReason = FilterReason> = Success | Unschedulable<R> | ErrorVerdict;

/** The one Success verdict (verdicts are shared, never allocated per worker). */
export const SUCCESS: Success = Object.freeze({ status: 'success' });

// One frozen verdict per reason, made up front: the runner counts by code without a string lookup.
const INTERNED: ReadonlyMap<FilterReason, Unschedulable> = new Map(
  FILTER_REASONS.map((reason, code) => [reason, Object.freeze({ status: 'unschedulable', reason, code })]),
);

/** The shared Unschedulable verdict for reason (throws for a reason not in FILTER_REASONS). */
export function unschedulable<R extends FilterReason>(reason: R): Unschedulable<R> {
  const v = INTERNED.get(reason);
  if (v === undefined) throw new Error(`unknown filter reason ${String(reason)}`);
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
 * nodeDefinitions) and on the shape-related requirements (licenseAffinity, cmlVersion,
 * nodeDefinitions). The runner calls it once per distinct shape and requirement and caches the
 * verdict: semver checks per worker per decision would be far too slow at 10,000 workers.
 */
export interface ShapeFilterPlugin {
  readonly scope: 'shape';
  readonly name: FilterPluginName;
  readonly reasons: readonly FilterReason[];
  filterShape(requirements: Requirements, shape: WorkerShape): FilterVerdict;
}

/** A filter over one worker (its allocation, holders or id), read from the columns. Must be pure and cheap. */
export interface WorkerFilterPlugin {
  readonly scope: 'worker';
  readonly name: FilterPluginName;
  readonly reasons: readonly FilterReason[];
  /**
   * Optional, once per decision and shape: false when the filter passes every worker of this shape
   * for this request (a personal-license check on an enterprise shape), so the runner skips the
   * per-worker calls. Default: applies.
   */
  appliesTo?(request: PlacementRequest, shape: WorkerShape): boolean;
  /** The verdict for the worker at `position` of the columns. */
  filter(request: PlacementRequest, workers: WorkerColumns, position: number): FilterVerdict;
}

export type FilterPlugin = ShapeFilterPlugin | WorkerFilterPlugin;

export interface ScorePlugin {
  readonly name: ScorePluginName;
  /**
   * Once per decision: out[j] = the score of the worker at positions[j], for j < count, each an
   * integer 0..100 (one call with its own loop rather than a call per worker: 10,000 workers; out is
   * the runner's reused buffer, so scoring allocates nothing). Throwing, a value out of range or one
   * left unwritten makes the decision an error.
   */
  score(request: PlacementRequest, workers: WorkerColumns, positions: Int32Array, count: number, out: Float64Array): void;
}

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
): WorkerFilterPlugin {
  const rejected = unschedulable(reason);
  return {
    scope: 'worker',
    name,
    reasons: [reason],
    appliesTo,
    filter: (request, workers, position) => (passes(request, workers, position) ? SUCCESS : rejected),
  };
}
