// FrameworkPlacer runs a list of filters and weighted scorers over the snapshot (kube-scheduler's
// framework, in one thread). Guarantees: filters run in the given order and a worker is counted once,
// under the first that rejects it; shape filters run once per distinct worker shape and requirement
// (cached across decisions); scores are integers 0..100 and totals are compared exactly (weights in
// millionths), equal totals going to the smallest worker id in byte order; an Error verdict, a throw
// or an out-of-range score makes the decision an error stamped with the plugin and worker, never a
// reason. With percentageOfWorkersToScore = 100 (the default) the decision is exact and repeatable.
// The loops read the snapshot's columns (worker-table.ts) and write into buffers kept across decisions,
// so a decision over 10,000 workers allocates next to nothing; a decision copies out only what it keeps.
import type { LabletInstance } from '../objects';
import type { Decision } from './decision';
import { FEASIBLE, REJECTED } from './decision';
import type { Failure } from './evaluation';
import { errorDecision, Evaluation, reasonOwners, ScanWindow, toMillionths } from './evaluation';
import type {
  FilterPlugin,
  FilterVerdict,
  PlacementRequest,
  ScorePlugin,
  WeightedScorer,
  WorkerFilterPlugin,
} from './framework';
import { SUCCESS } from './framework';
import type { ShapeOutcome } from './shape-cache';
import { ShapeOutcomeCache } from './shape-cache';
import type { FilterPluginName, PluginName, ScorePluginName } from './names';
import { FILTER_REASONS } from './names';
import type { PlaceOptions, Placer } from './placer';
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
}

const EMPTY_SET: ReadonlySet<string> = new Set();

/** The worker filters one shape runs in a decision, and the shape filter verdict after them. */
interface ShapePlan {
  readonly filters: readonly WorkerFilterPlugin[];
  /** Each filter's position in the placer's list (to stamp and check reasons). */
  readonly positions: readonly number[];
  /** Position of the shape's first failing shape filter (past every filter when none fails). */
  readonly position: number;
  readonly verdict: ShapeOutcome['verdict'];
}

export class FrameworkPlacer implements Placer {
  readonly name: string;
  private readonly filters: readonly FilterPlugin[];
  private readonly scorers: readonly ScorePlugin[];
  private readonly scorerNames: readonly ScorePluginName[];
  /** Reason index -> index of the filter that owns it, -1 for none. */
  private readonly ownerOf: Int8Array;
  private readonly shapeCache: ShapeOutcomeCache;
  /** The worker-scope filters, and their positions in filters. */
  private readonly workerFilters: readonly WorkerFilterPlugin[];
  private readonly workerFilterPositions: readonly number[];
  private readonly window: ScanWindow;
  private readonly evaluation: Evaluation;

  constructor(options: FrameworkPlacerOptions) {
    this.name = options.name;
    this.filters = [...options.filters];
    this.scorers = options.scorers.map((s) => s.plugin);
    this.scorerNames = this.scorers.map((s) => s.name);
    this.ownerOf = reasonOwners(this.filters);
    const pluginOfReason = (code: number): FilterPluginName => this.filters[this.ownerOf[code]!]!.name;
    const weights = options.scorers.map((s) => toMillionths(s.plugin.name, s.weight));
    this.evaluation = new Evaluation(this.scorerNames, weights, pluginOfReason);
    this.window = new ScanWindow(options.percentageOfWorkersToScore ?? 100);
    this.shapeCache = new ShapeOutcomeCache(this.filters);
    const workerFilters = this.filters.flatMap((f, position) => (f.scope === 'worker' ? [{ f, position }] : []));
    this.workerFilters = workerFilters.map(({ f }) => f);
    this.workerFilterPositions = workerFilters.map(({ position }) => position);
    const names = [...this.filters.map((f) => f.name), ...this.scorerNames];
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) throw new Error(`placer ${this.name}: plugin ${twice} is listed twice`);
  }

  place(instance: LabletInstance, snapshot: Snapshot, options: PlaceOptions = {}): Decision {
    const request: PlacementRequest = {
      instance,
      requested: instance.requirements.resources,
      rejectedWorkerIds: options.rejectedWorkerIds ?? EMPTY_SET,
    };
    const columns = snapshot.columns();
    const failed = this.filterWorkers(request, snapshot, columns) ?? this.scoreWorkers(request, columns);
    if (failed !== undefined) return errorDecision({ instanceId: instance.id, placer: this.name, numWorkers: snapshot.size }, failed);
    return this.evaluation.decide(instance, this.name, snapshot, options);
  }

  /** Every worker through the filters, in order, until enough feasible ones are found. */
  private filterWorkers(request: PlacementRequest, snapshot: Snapshot, columns: WorkerColumns): Failure | undefined {
    const n = columns.size;
    const toFind = this.window.toFind(n);
    const start = this.window.start(n, toFind);
    this.evaluation.reset(n);
    const planned = this.plans(request, snapshot);
    if (!Array.isArray(planned)) return planned;
    const failed = this.scan(request, columns, planned, start, toFind, this.evaluation);
    if (failed !== undefined) return failed;
    this.window.stopped(n, toFind, start, this.evaluation.evaluated);
    return undefined;
  }

  /**
   * Per live shape, for this decision: the first failing shape filter (cached across decisions)
   * and the worker filters to call before it, leaving out those that do not apply to the shape.
   */
  private plans(request: PlacementRequest, snapshot: Snapshot): (ShapePlan | undefined)[] | Failure {
    const outcomes = this.shapeCache.outcomes(request.instance.requirements, snapshot);
    const slots = snapshot.shapeSlots();
    const plans = new Array<ShapePlan | undefined>(outcomes.length);
    let filter: WorkerFilterPlugin | undefined;
    try {
      for (let i = 0; i < outcomes.length; i++) {
        const outcome = outcomes[i];
        const shape = slots[i];
        if (outcome === undefined || shape === undefined) continue;
        const filters: WorkerFilterPlugin[] = [];
        const positions: number[] = [];
        for (let k = 0; k < this.workerFilters.length; k++) {
          filter = this.workerFilters[k]!;
          const position = this.workerFilterPositions[k]!;
          if (position > outcome.position) break;
          if (filter.appliesTo !== undefined && !filter.appliesTo(request, shape)) continue;
          filters.push(filter);
          positions.push(position);
        }
        plans[i] = { filters, positions, position: outcome.position, verdict: outcome.verdict };
      }
    } catch (err: unknown) {
      return failure(filter?.name ?? 'WorkerStatus', undefined, err);
    }
    return plans;
  }

  /**
   * The hot loop, over the columns. Per worker, only its shape plan's filters are called; the shape's
   * verdict applies when they all pass. Nothing follows the loop but its return: code after a long
   * loop got no type feedback when V8 optimized the loop on the stack, and deoptimized this function
   * on every call.
   */
  private scan(
    request: PlacementRequest,
    columns: WorkerColumns,
    plans: readonly (ShapePlan | undefined)[],
    start: number,
    toFind: number,
    found: Evaluation,
  ): Failure | undefined {
    const { outcome, counts, positions } = found;
    const shapeIndex = columns.shapeIndex;
    const n = columns.size;
    let numFeasible = 0;
    let evaluated = 0;
    let at = -1;
    let k = 0;
    let i = -1;
    let plan: ShapePlan | undefined;
    try {
      while (evaluated < n) {
        i = start + evaluated < n ? start + evaluated : start + evaluated - n;
        evaluated++;
        found.evaluated = evaluated;
        plan = plans[shapeIndex[i]!]!;
        const filters = plan.filters;
        let verdict: FilterVerdict = SUCCESS;
        at = -1;
        for (k = 0; k < filters.length; k++) {
          verdict = filters[k]!.filter(request, columns, i);
          if (verdict.status !== 'success') {
            at = plan.positions[k]!;
            break;
          }
        }
        if (at < 0 && plan.verdict !== undefined) {
          verdict = plan.verdict;
          at = plan.position;
        }
        if (verdict.status === 'success') {
          outcome[i] = FEASIBLE;
          positions[numFeasible++] = i;
          found.numFeasible = numFeasible;
          if (numFeasible >= toFind) break;
        } else if (verdict.status === 'unschedulable') {
          const code = verdict.code;
          if (FILTER_REASONS[code] !== verdict.reason || this.ownerOf[code] !== at) {
            return failure(this.filters[at]!.name, columns.worker(i).id, new Error(`gave reason ${verdict.reason}, which it does not declare`));
          }
          outcome[i] = REJECTED + code;
          counts[code]!++;
        } else {
          return failure(this.filters[at]!.name, columns.worker(i).id, verdict.cause);
        }
      }
      return undefined;
    } catch (err: unknown) {
      return failure(plan?.filters[k]?.name ?? 'WorkerStatus', i >= 0 ? columns.worker(i).id : undefined, err);
    }
  }

  /** Each scorer once over the feasible workers; checks every score and sums them, weighted, into the totals. */
  private scoreWorkers(request: PlacementRequest, columns: WorkerColumns): Failure | undefined {
    const e = this.evaluation;
    const m = e.numFeasible;
    if (m === 0) return undefined;
    e.prepareScores(m);
    const { positions, totals } = e;
    for (let s = 0; s < this.scorers.length; s++) {
      const weight = e.weights[s]!;
      const out = e.scores[s]!;
      out.fill(-1, 0, m); // unwritten scores fail the check below
      try {
        this.scorers[s]!.score(request, columns, positions, m, out);
      } catch (err: unknown) {
        return failure(this.scorerNames[s]!, undefined, err);
      }
      for (let j = 0; j < m; j++) {
        const score = out[j]!;
        if (!(score >= 0 && score <= 100 && Math.floor(score) === score)) {
          const workerId = columns.worker(positions[j]!).id;
          const what = score === -1 ? 'gave no score' : `score ${score} is not an integer in 0..100`;
          return failure(this.scorerNames[s]!, workerId, new RangeError(what));
        }
        totals[j] = totals[j]! + weight * score;
      }
    }
    return undefined;
  }
}

function failure(plugin: PluginName, workerId: string | undefined, cause: unknown): Failure {
  return { plugin, workerId, cause };
}
