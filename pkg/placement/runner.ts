// FrameworkPlacer: the one placement engine. It runs any list of filters and weighted scorers over the
// snapshot (kube-scheduler's framework, in one thread); the registry's placers are lists of plugins
// (placers/*.ts). Guarantees: filters run in the given order and a worker is counted once, under the
// first that rejects it; scores are integers 0..100 and totals are compared exactly (weights in
// millionths), equal totals going to the smallest worker id in byte order; an Error verdict, a throw
// or an out-of-range score makes the decision an error stamped with the plugin and worker, never a
// reason. With percentageOfWorkersToScore = 100 (the default) the decision is exact and repeatable.
// Speed comes from what plugins declare (framework.ts): shape filters run once per distinct shape and
// requirement (cached across decisions); per kind of decision, each row's kept filter verdict and
// 'row' scores stay until the row changes (row-memo.ts), so an unchanged row costs one comparison and
// two reads; shape scores are taken once per shape; the loops read the snapshot's columns and write
// into buffers kept across decisions, so a decision over 10,000 workers allocates next to nothing.
import type { LabletInstance } from '../objects';
import type { Decision } from './decision';
import { FEASIBLE, REJECTED } from './decision';
import type { Failure } from './evaluation';
import { errorDecision, Evaluation, reasonOwners, ScanWindow, toMillionths } from './evaluation';
import type { FilterPlugin, PlacementRequest, WeightedScorer, WorkerFilterPlugin } from './framework';
import type { PlaceOptions, Placer } from './placer';
import type { KindEntries } from './row-memo';
import { RowMemo } from './row-memo';
import type { SlotRows } from './slot-rows';
import { SlotRowsCache } from './slot-rows';
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
  /** The worker-scope filters and their positions in filters. */
  private readonly workerFilters: readonly WorkerFilterPlugin[];
  private readonly workerFilterPositions: Int32Array;
  private readonly plans: ShapePlans;
  private readonly rows: RowMemo;
  private readonly slotRows = new SlotRowsCache();
  private readonly scoring: Scoring;
  private readonly window: ScanWindow;
  private readonly evaluation: Evaluation;
  private readonly reuse: 'declared' | 'none';
  /** Why the last FILTER_ERROR came about, and the position of the filter that gave it. */
  private fault: unknown;
  private faultAt = -1;

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
    const weights = options.scorers.map((s) => toMillionths(s.plugin.name, s.weight));
    this.scoring = new Scoring(options.scorers.map((s) => s.plugin), weights);
    this.rows = new RowMemo(this.scoring.numRowScorers);
    this.plans = new ShapePlans(this.filters, this.workerFilters, this.workerFilterPositions);
    const pluginOfReason = (code: number): string => this.filters[this.ownerOf[code]!]!.name;
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
    const slots = snapshot.shapeSlots();
    e.reset(n, slots.length);
    if (this.reuse === 'none') {
      this.rows.clear();
      this.plans.clear();
    }
    let failed = this.plans.prepare(request, snapshot);
    if (failed === undefined) {
      const kind = this.rows.entries(columns, request.requested, this.plans.signature(slots.length));
      this.scoring.begin(request, columns, slots, kind, e);
      failed =
        (toFind >= n ? this.scanBySlot(request, columns, kind, this.slotRows.of(columns, slots.length)) : this.scan(request, columns, kind, start, toFind)) ??
        this.scoring.score(request, columns, slots, e);
    }
    if (failed !== undefined) return errorDecision({ instanceId: instance.id, placer: this.name, numWorkers: n }, failed);
    this.window.stopped(n, toFind, start, e.evaluated);
    return e.decide(instance, this.name, snapshot, options, this.scoreOf);
  }

  private readonly scoreOf = (s: number, j: number): number => this.scoring.scoreOf(s, j);

  /**
   * The windowed scan (percentageOfWorkersToScore < 100), row by row from `start` until enough
   * feasible workers are found. The counters are stored inside the loops and nothing follows them
   * but their return: code after a long loop got no type feedback when V8 optimized the loop on the
   * stack, and deoptimized the function on every call.
   */
  private scan(request: PlacementRequest, columns: WorkerColumns, kind: KindEntries, start: number, toFind: number): Failure | undefined {
    const e = this.evaluation;
    const { shapeIndex } = columns;
    const n = columns.size;
    let evaluated = 0;
    while (evaluated < n) {
      const i = start + evaluated < n ? start + evaluated : start + evaluated - n;
      evaluated++;
      e.evaluated = evaluated;
      const slot = shapeIndex[i]!;
      const code = this.visit(request, columns, kind, i, slot);
      if (code <= SHAPE_ERROR) return this.failureAt(columns, code, this.faultAt, i);
      tally(e, this.scoring, i, slot, code);
      if (e.numFeasible >= toFind) break;
    }
    return undefined;
  }

  /**
   * The exact scan, shape slot by shape slot: a slot whose shape filters reject it before any worker
   * filter would run is counted whole (its rows' outcomes are filled in only if the decision keeps
   * them); the rows of the others are visited.
   */
  private scanBySlot(request: PlacementRequest, columns: WorkerColumns, kind: KindEntries, bySlot: SlotRows): Failure | undefined {
    const e = this.evaluation;
    const { counts, bulkCode } = e;
    const { first, end, shapeCode } = this.plans;
    const { start, rows } = bySlot;
    e.evaluated = columns.size;
    for (let slot = 0; slot + 1 < start.length; slot++) {
      const from = start[slot]!;
      const to = start[slot + 1]!;
      if (from === to) continue;
      const shaped = shapeCode[slot]!;
      if (first[slot] === end[slot] && shaped > PASSES) {
        counts[shaped]! += to - from;
        bulkCode[slot] = shaped;
        continue;
      }
      for (let r = from; r < to; r++) {
        const i = rows[r]!;
        const code = this.visit(request, columns, kind, i, slot);
        if (code <= SHAPE_ERROR) return this.failureAt(columns, code, this.faultAt, i);
        tally(e, this.scoring, i, slot, code);
      }
    }
    return undefined;
  }

  /**
   * Row i's verdict: its kind entry (recomputed when the row changed), then, if that passes, the
   * plan's filters that run every decision and the shape's own verdict. PASSES, a reason code, or
   * SHAPE_ERROR / FILTER_ERROR with the failing filter's position in faultAt.
   */
  private visit(request: PlacementRequest, columns: WorkerColumns, kind: KindEntries, i: number, slot: number): number {
    if (kind.seenAt[i] !== columns.revision[i] && this.refresh(request, columns, kind, i, slot) === FILTER_ERROR) return FILTER_ERROR;
    let code = kind.code[i]!;
    if (code !== PASSES) return code;
    const { end, volatileFrom, filterAt } = this.plans;
    for (let p = volatileFrom[slot]!, last = end[slot]!; p < last; p++) {
      const k = filterAt[p]!;
      code = this.runFilter(request, columns, k, i);
      if (code !== PASSES) {
        this.faultAt = this.workerFilterPositions[k]!;
        return code;
      }
    }
    this.faultAt = this.plans.shapePosition[slot]!;
    return this.plans.shapeCode[slot]!;
  }

  /**
   * Row i's kind entry: the verdict of the plan's filters up to the first that runs every decision
   * and, when the row may be feasible, its 'row' scores. FILTER_ERROR (why in fault, where in
   * faultAt) is returned and never kept.
   */
  private refresh(request: PlacementRequest, columns: WorkerColumns, kind: KindEntries, i: number, slot: number): number {
    const { first, volatileFrom, filterAt, shapeCode } = this.plans;
    let code = PASSES;
    for (let p = first[slot]!, last = volatileFrom[slot]!; p < last; p++) {
      const k = filterAt[p]!;
      code = this.runFilter(request, columns, k, i);
      if (code === FILTER_ERROR) {
        this.faultAt = this.workerFilterPositions[k]!;
        return code;
      }
      if (code !== PASSES) break;
    }
    kind.code[i] = code;
    kind.seenAt[i] = columns.revision[i]!;
    if (code === PASSES && shapeCode[slot] === PASSES) this.scoring.scoreRow(request, columns, kind, i);
    return code;
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

/** Row i's verdict (PASSES or a reason code) into the evaluation; a feasible row's total starts there. */
function tally(e: Evaluation, scoring: Scoring, i: number, slot: number, code: number): void {
  if (code === PASSES) {
    e.outcome[i] = FEASIBLE;
    e.totals[e.numFeasible] = scoring.base(i, slot);
    e.positions[e.numFeasible++] = i;
  } else {
    e.outcome[i] = REJECTED + code;
    e.counts[code]!++;
  }
}
