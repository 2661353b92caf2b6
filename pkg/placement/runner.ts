// FrameworkPlacer: the one placement engine. It runs any list of filters and weighted scorers over the
// snapshot (kube-scheduler's framework, in one thread); the registry's placers are lists of plugins
// (placers/*.ts). Guarantees: filters run in the given order and a worker is counted once, under the
// first that rejects it; scores are integers 0..100 and totals are compared exactly (weights in
// millionths), equal totals going to the smallest worker id in byte order; an Error verdict, a throw
// or an out-of-range score makes the decision an error stamped with the plugin and worker, never a
// reason. With percentageOfWorkersToScore = 100 (the default) the decision is exact and repeatable.
// Speed comes from what plugins declare (framework.ts): shape filters run once per distinct shape and
// requirement (cached across decisions), 'row' results are kept per worker row until it changes
// (row-memo.ts), shape scores are taken once per shape; the loops read the snapshot's columns and
// write into buffers kept across decisions, so a decision over 10,000 workers allocates next to nothing.
import type { LabletInstance } from '../objects';
import type { Decision } from './decision';
import { FEASIBLE, REJECTED } from './decision';
import type { Failure } from './evaluation';
import { errorDecision, Evaluation, reasonOwners, ScanWindow, toMillionths } from './evaluation';
import type { FilterPlugin, PlacementRequest, WeightedScorer, WorkerFilterPlugin } from './framework';
import type { PlaceOptions, Placer } from './placer';
import { RowMemo } from './row-memo';
import { Scoring } from './scoring';
import { SHAPE_ERROR, ShapePlans } from './shape-plans';
import type { Snapshot } from './snapshot';
import type { WorkerColumns } from './worker-table';

export interface FrameworkPlacerOptions {
  /** Registry name, carried in every decision. */
  readonly name: string;
  /** Run in this order. Each reason belongs to exactly one filter. */
  readonly filters: readonly FilterPlugin[];
  /** Each weight >= 0 (at most 1e6), their sum > 0; used at a resolution of 1e-6. */
  readonly scorers: readonly WeightedScorer[];
  /**
   * Percent (0, 100] of the workers to find feasible before scoring; default 100 = every worker is
   * filtered and every feasible one scored, so the decision is exact. Below 100 the scan stops once
   * max(100, n x percent / 100) feasible workers are found and starts where the previous decision
   * stopped (as kube-scheduler does): faster on large fleets, but the chosen worker is then only the
   * best of those found, and depends on the order of earlier decisions. A no-fit decision always
   * scans every worker, so its histogram still sums to N.
   */
  readonly percentageOfWorkersToScore?: number | undefined;
  /**
   * 'declared' (default): reuse results as the plugins declare. 'none': keep nothing across decisions
   * (every plugin called for every worker it reaches): the reference the reuse is tested against.
   */
  readonly reuse?: 'declared' | 'none' | undefined;
}

const EMPTY_SET: ReadonlySet<string> = new Set();
const PASSES = -1;
/** A worker filter's Error verdict, throw or undeclared reason (below SHAPE_ERROR: never a reason code). */
const FILTER_ERROR = SHAPE_ERROR - 1;

export class FrameworkPlacer implements Placer {
  readonly name: string;
  private readonly filters: readonly FilterPlugin[];
  /** Reason code -> index of the filter that owns it, -1 for none. */
  private readonly ownerOf: Int16Array;
  /** The worker-scope filters, their positions in filters, and their RowMemo slot (-1: not reused). */
  private readonly workerFilters: readonly WorkerFilterPlugin[];
  private readonly workerFilterPositions: Int32Array;
  private readonly memoSlots: Int32Array;
  private readonly plans: ShapePlans;
  private readonly rows: RowMemo;
  private readonly scoring: Scoring;
  private readonly window: ScanWindow;
  private readonly evaluation: Evaluation;
  private readonly reuse: 'declared' | 'none';
  /** Why the last FILTER_ERROR came about. */
  private fault: unknown;

  constructor(options: FrameworkPlacerOptions) {
    this.name = options.name;
    this.filters = [...options.filters];
    this.ownerOf = reasonOwners(this.filters);
    const names = [...this.filters.map((f) => f.name), ...options.scorers.map((s) => s.plugin.name)];
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) throw new Error(`placer ${this.name}: plugin ${twice} is listed twice`);
    const workerFilters = this.filters.flatMap((f, position) => (f.scope === 'worker' ? [{ f, position }] : []));
    this.workerFilters = workerFilters.map(({ f }) => f);
    this.workerFilterPositions = Int32Array.from(workerFilters, ({ position }) => position);
    let slots = 0;
    this.memoSlots = Int32Array.from(this.workerFilters, (f) => (f.reuse === 'row' ? slots++ : -1));
    const scorerSlots = options.scorers.map((s) => (s.plugin.scope === 'row' ? slots++ : -1));
    this.rows = new RowMemo(slots);
    this.scoring = new Scoring(options.scorers.map((s) => s.plugin), scorerSlots);
    this.plans = new ShapePlans(this.filters, this.workerFilters, this.workerFilterPositions);
    const pluginOfReason = (code: number): string => this.filters[this.ownerOf[code]!]!.name;
    const weights = options.scorers.map((s) => toMillionths(s.plugin.name, s.weight));
    this.evaluation = new Evaluation(options.scorers.map((s) => s.plugin.name), weights, pluginOfReason);
    this.window = new ScanWindow(options.percentageOfWorkersToScore ?? 100);
    this.reuse = options.reuse ?? 'declared';
  }

  place(instance: LabletInstance, snapshot: Snapshot, options: PlaceOptions = {}): Decision {
    const request: PlacementRequest = {
      instance,
      requested: instance.requirements.resources,
      rejectedWorkerIds: options.rejectedWorkerIds ?? EMPTY_SET,
    };
    const columns = snapshot.columns();
    const n = columns.size;
    const toFind = this.window.toFind(n);
    const start = this.window.start(n, toFind);
    const e = this.evaluation;
    e.reset(n);
    if (this.reuse === 'none') {
      this.rows.clear();
      this.plans.clear();
    }
    const rows = this.rows.entries(columns, request.requested);
    const failed =
      this.plans.prepare(request, snapshot) ??
      this.scan(request, columns, rows.seenAt, rows.value, rows.stride, start, toFind) ??
      this.scoring.score(request, columns, snapshot.shapeSlots(), rows, e);
    if (failed !== undefined) return errorDecision({ instanceId: instance.id, placer: this.name, numWorkers: n }, failed);
    this.window.stopped(n, toFind, start, e.evaluated);
    return e.decide(instance, this.name, snapshot, options);
  }

  /**
   * The hot loop, over the columns, until enough feasible workers are found. Per worker, only its
   * shape plan's worker filters run ('row' ones from the memo while the row is unchanged), then the
   * shape's own verdict applies. The counters are stored inside the loop and nothing follows it but
   * its return: code after a long loop got no type feedback when V8 optimized the loop on the stack,
   * and deoptimized the function on every call.
   */
  private scan(
    request: PlacementRequest,
    columns: WorkerColumns,
    seenAt: Float64Array,
    value: Float64Array,
    stride: number,
    start: number,
    toFind: number,
  ): Failure | undefined {
    const e = this.evaluation;
    const { outcome, counts, positions } = e;
    const { shapeIndex, revision } = columns;
    const { first, end, filterAt, shapeCode, shapePosition } = this.plans;
    const memoSlots = this.memoSlots;
    const n = columns.size;
    let numFeasible = 0;
    let evaluated = 0;
    while (evaluated < n) {
      const i = start + evaluated < n ? start + evaluated : start + evaluated - n;
      evaluated++;
      e.evaluated = evaluated;
      const slot = shapeIndex[i]!;
      let code = PASSES;
      let at = -1;
      for (let p = first[slot]!, last = end[slot]!; p < last; p++) {
        const k = filterAt[p]!;
        const memo = memoSlots[k]!;
        if (memo < 0) {
          code = this.runFilter(request, columns, k, i);
        } else {
          const o = memo * stride + i;
          if (seenAt[o] !== revision[i]) {
            value[o] = this.runFilter(request, columns, k, i);
            if (value[o] > SHAPE_ERROR) seenAt[o] = revision[i]!; // failures are never kept
          }
          code = value[o]!;
        }
        if (code !== PASSES) {
          at = this.workerFilterPositions[k]!;
          break;
        }
      }
      if (at < 0) {
        code = shapeCode[slot]!;
        at = shapePosition[slot]!;
      }
      if (code === PASSES) {
        outcome[i] = FEASIBLE;
        positions[numFeasible++] = i;
        e.numFeasible = numFeasible;
        if (numFeasible >= toFind) break;
      } else if (code <= SHAPE_ERROR) {
        return this.failureAt(columns, code, at, i);
      } else {
        outcome[i] = REJECTED + code;
        counts[code]!++;
      }
    }
    return undefined;
  }

  /** Worker filter k on row i, as a code: PASSES, a reason code it owns, or FILTER_ERROR (why in this.fault). */
  private runFilter(request: PlacementRequest, columns: WorkerColumns, k: number, i: number): number {
    try {
      const verdict = this.workerFilters[k]!.filter(request, columns, i);
      if (verdict.status === 'success') return PASSES;
      if (verdict.status === 'error') this.fault = verdict.cause;
      else if (this.ownerOf[verdict.code] === this.workerFilterPositions[k]) return verdict.code;
      else this.fault = new Error(`gave reason ${verdict.reason}, which it does not declare`);
    } catch (err: unknown) {
      this.fault = err;
    }
    return FILTER_ERROR;
  }

  /** What failed on worker i: the shape filter at `at` (SHAPE_ERROR), or the worker filter there. */
  private failureAt(columns: WorkerColumns, code: number, at: number, i: number): Failure {
    const cause = code === SHAPE_ERROR ? this.plans.errorOf(columns.shapeIndex[i]!) : this.fault;
    return { plugin: this.filters[at]!.name, workerId: columns.worker(i).id, cause };
  }
}
