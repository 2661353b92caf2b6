// The contract §3 placer (registry names `default` and `spread`) in one pass over the worker columns:
// the same filters, scores, ties and Decision as FrameworkPlacer running contractFilters() with
// BinPacking (or LeastAllocated), Locality and LoadBalance, but without a call per worker per plugin.
// Each rule is the plugin's own function (resourcesVerdict, binPackingScore, loadBalanceScore, ...):
// this file only orders them. Shape filters still run once per shape through the shared cache. A
// property test holds it to FrameworkPlacer and to a naive full scan, decision by decision.
import type { LabletInstance, Resources } from '../objects';
import type { Decision } from './decision';
import { FEASIBLE, REJECTED } from './decision';
import type { Failure } from './evaluation';
import { errorDecision, Evaluation, reasonOwners, ScanWindow, toMillionths } from './evaluation';
import type { FilterPlugin, WorkerFilterPlugin } from './framework';
import { unschedulable } from './framework';
import type { FilterPluginName, ScorePluginName } from './names';
import type { PlaceOptions, Placer, ScoreWeights } from './placer';
import { rejectedByApi } from './plugins/api-rejection';
import { binPackingScore } from './plugins/bin-packing';
import { leastAllocatedScore } from './plugins/least-allocated';
import { loadBalanceScore } from './plugins/load-balance';
import { localityScore } from './plugins/locality';
import { personalLicenseInUse } from './plugins/personal-license';
import { resourcesVerdict } from './plugins/resources-fit';
import type { ShapeOutcome } from './shape-cache';
import { ShapeOutcomeCache } from './shape-cache';
import type { Snapshot } from './snapshot';
import type { WorkerColumns } from './worker-table';

export interface ContractPlacerOptions {
  /** Registry name, carried in every decision. */
  readonly name: string;
  /** contractFilters(), in contract order. */
  readonly filters: readonly FilterPlugin[];
  /** The first score: BinPacking (default) or its complement LeastAllocated (spread). */
  readonly packing: 'BinPacking' | 'LeastAllocated';
  /** placement.weights: binPacking weighs the first score. */
  readonly weights: ScoreWeights;
  /** As FrameworkPlacerOptions.percentageOfWorkersToScore; default 100 (exact). */
  readonly percentageOfWorkersToScore?: number | undefined;
}

/** Per-shape codes for one decision: a reason index, or one of these. */
const PASSES = -1;
const FAILS_WITH_ERROR = -2;
const PERSONAL_LICENSE_IN_USE = unschedulable('PersonalLicenseInUse').code;
const REJECTED_BY_API = unschedulable('RejectedByApi').code;
const EMPTY_SET: ReadonlySet<string> = new Set();

export class ContractPlacer implements Placer {
  readonly name: string;
  private readonly filters: readonly FilterPlugin[];
  private readonly personalLicense: WorkerFilterPlugin;
  /** Position of PersonalLicense in filters: shape filters before it run before it, the rest after. */
  private readonly personalAt: number;
  private readonly packing: 'BinPacking' | 'LeastAllocated';
  private readonly shapeCache: ShapeOutcomeCache;
  private readonly window: ScanWindow;
  private readonly evaluation: Evaluation;
  /** Per shape slot, for the current decision: the verdict of the shape filters before and after PersonalLicense. */
  private before = new Int16Array(0);
  private after = new Int16Array(0);
  /** 1 when PersonalLicense applies to the shape. */
  private personal = new Uint8Array(0);
  private locality = new Uint8Array(0);
  /** The shape filters' outcomes of the current decision, by shape slot. */
  private outcomes: readonly (ShapeOutcome | undefined)[] = [];
  /**
   * Per worker position, ResourcesFit's code and the BinPacking score for the last requested
   * resources, kept while the row's revision is unchanged (consecutive instances often ask for the
   * same resources, and most workers do not change between two decisions).
   */
  private readonly rows = new RowCache();

  constructor(options: ContractPlacerOptions) {
    this.name = options.name;
    this.filters = options.filters;
    this.packing = options.packing;
    const names = this.filters.map((f) => f.name);
    const expected: readonly FilterPluginName[] = ['WorkerStatus', 'LicenseAffinity', 'PersonalLicense', 'CmlVersion', 'NodeDefinitions', 'ResourcesFit', 'ApiRejection'];
    if (names.join() !== expected.join()) throw new Error(`placer ${this.name}: needs the contract filters in order (got ${names.join(', ')})`);
    this.personalAt = names.indexOf('PersonalLicense');
    this.personalLicense = this.filters[this.personalAt] as WorkerFilterPlugin;
    const owners = reasonOwners(this.filters);
    const scorerNames: readonly ScorePluginName[] = [options.packing, 'Locality', 'LoadBalance'];
    const w = options.weights;
    const weights = [toMillionths(options.packing, w.binPacking), toMillionths('Locality', w.locality), toMillionths('LoadBalance', w.loadBalance)];
    this.evaluation = new Evaluation(scorerNames, weights, (code) => this.filters[owners[code]!]!.name);
    this.window = new ScanWindow(options.percentageOfWorkersToScore ?? 100);
    this.shapeCache = new ShapeOutcomeCache(this.filters);
  }

  place(instance: LabletInstance, snapshot: Snapshot, options: PlaceOptions = {}): Decision {
    const columns = snapshot.columns();
    const n = columns.size;
    const toFind = this.window.toFind(n);
    const start = this.window.start(n, toFind);
    this.evaluation.reset(n);
    const failed = this.prepareShapes(instance, snapshot, options.rejectedWorkerIds ?? EMPTY_SET)
      ?? this.scan(instance, snapshot, options.rejectedWorkerIds ?? EMPTY_SET, start, toFind);
    if (failed !== undefined) return errorDecision({ instanceId: instance.id, placer: this.name, numWorkers: n }, failed);
    this.window.stopped(n, toFind, start, this.evaluation.evaluated);
    this.score(snapshot);
    return this.evaluation.decide(instance, this.name, snapshot, options);
  }

  /** Per live shape: the shape filters' verdict (cached across decisions), PersonalLicense's reach and Locality. */
  private prepareShapes(instance: LabletInstance, snapshot: Snapshot, rejectedWorkerIds: ReadonlySet<string>): Failure | undefined {
    const outcomes = (this.outcomes = this.shapeCache.outcomes(instance.requirements, snapshot));
    const slots = snapshot.shapeSlots();
    if (this.before.length < slots.length) {
      const size = Math.max(slots.length, 2 * this.before.length);
      this.before = new Int16Array(size);
      this.after = new Int16Array(size);
      this.personal = new Uint8Array(size);
      this.locality = new Uint8Array(size);
    }
    const request = { instance, requested: instance.requirements.resources, rejectedWorkerIds };
    try {
      for (let i = 0; i < slots.length; i++) {
        const shape = slots[i];
        const outcome = outcomes[i];
        if (shape === undefined || outcome === undefined) continue;
        const verdict = outcome.verdict;
        const code = verdict === undefined ? PASSES : verdict.status === 'error' ? FAILS_WITH_ERROR : verdict.code;
        this.before[i] = outcome.position < this.personalAt ? code : PASSES;
        this.after[i] = outcome.position > this.personalAt ? code : PASSES;
        this.personal[i] = this.personalLicense.appliesTo?.(request, shape) === false ? 0 : 1;
        this.locality[i] = localityScore(instance.preferredRegion, shape.region);
      }
    } catch (err: unknown) {
      return { plugin: this.personalLicense.name, workerId: undefined, cause: err };
    }
    return undefined;
  }

  /**
   * Every worker through the contract filters in their order, until enough feasible ones are found;
   * a feasible worker's packing score is taken in the same pass (its allocation is in cache then).
   * The counters are stored inside the loop and nothing follows it but the return: code after a long
   * loop has no type feedback when V8 optimizes the loop on the stack, and deoptimized this function
   * on every call.
   */
  private scan(instance: LabletInstance, snapshot: Snapshot, rejectedWorkerIds: ReadonlySet<string>, start: number, toFind: number): Failure | undefined {
    const e = this.evaluation;
    const columns = snapshot.columns();
    const { allocated, capacity, holders, shapeIndex, revision } = columns;
    const { before, after, personal } = this;
    const slots = snapshot.shapeSlots();
    const requested = instance.requirements.resources;
    const rows = this.rows;
    rows.prepare(columns, requested);
    const { seenAt, fitOf, packingOf } = rows;
    const { outcome, counts, positions } = e;
    e.prepareScores(Math.min(columns.size, toFind));
    const packing = e.scores[0]!;
    const least = this.packing === 'LeastAllocated';
    const n = columns.size;
    let numFeasible = 0;
    let evaluated = 0;
    while (evaluated < n) {
      const i = start + evaluated < n ? start + evaluated : start + evaluated - n;
      evaluated++;
      e.evaluated = evaluated;
      const slot = shapeIndex[i]!;
      let code = before[slot]!;
      if (code === PASSES) {
        if (personal[slot] === 1 && personalLicenseInUse(slots[slot]!.license, holders[i]!)) code = PERSONAL_LICENSE_IN_USE;
        else code = after[slot]!;
      }
      if (code === PASSES) {
        if (seenAt[i] !== revision[i]) {
          const fit = resourcesVerdict(requested, allocated, capacity, i);
          fitOf[i] = fit.status === 'success' ? PASSES : fit.code;
          packingOf[i] = fit.status === 'success' ? binPackingScore(requested, allocated, capacity, i) : 0;
          seenAt[i] = revision[i]!;
        }
        code = fitOf[i]!;
        if (code === PASSES && rejectedWorkerIds.size > 0 && rejectedByApi(columns.worker(i).id, rejectedWorkerIds)) code = REJECTED_BY_API;
      }
      if (code === PASSES) {
        outcome[i] = FEASIBLE;
        const score = packingOf[i]!;
        packing[numFeasible] = least ? leastAllocatedScore(score) : score;
        positions[numFeasible++] = i;
        e.numFeasible = numFeasible;
        if (numFeasible >= toFind) break;
      } else if (code === FAILS_WITH_ERROR) {
        return this.shapeFailure(slot, columns.worker(i).id);
      } else {
        outcome[i] = REJECTED + code;
        counts[code]!++;
      }
    }
    return undefined;
  }

  /** Locality and LoadBalance of the feasible workers, and the weighted totals. */
  private score(snapshot: Snapshot): void {
    const e = this.evaluation;
    const m = e.numFeasible;
    const { holders, shapeIndex } = snapshot.columns();
    const { positions, totals } = e;
    const [packing, locality, loadBalance] = e.scores as [Float64Array, Float64Array, Float64Array];
    const [wPacking, wLocality, wLoadBalance] = e.weights as [number, number, number];
    let maxHolders = 0;
    for (let j = 0; j < m; j++) maxHolders = Math.max(maxHolders, holders[positions[j]!]!);
    for (let j = 0; j < m; j++) {
      const i = positions[j]!;
      const near = this.locality[shapeIndex[i]!]!;
      const balance = loadBalanceScore(holders[i]!, maxHolders);
      locality[j] = near;
      loadBalance[j] = balance;
      totals[j] = wPacking * packing[j]! + wLocality * near + wLoadBalance * balance;
    }
  }

  /** The shape filter that failed with an error on a shape a worker reached. */
  private shapeFailure(slot: number, workerId: string): Failure {
    const outcome = this.outcomes[slot];
    const verdict = outcome?.verdict;
    const cause = verdict?.status === 'error' ? verdict.cause : new Error('shape filter failed');
    return { plugin: this.filters[outcome?.position ?? 0]!.name, workerId, cause };
  }
}

/** ResourcesFit and BinPacking per worker row, for one set of requested resources, kept across decisions. */
class RowCache {
  /** The row revision each entry was computed at; 0 = not computed. */
  seenAt = new Float64Array(0);
  fitOf = new Int16Array(0);
  packingOf = new Uint8Array(0);
  private table: WorkerColumns | undefined;
  private readonly requested = new Float64Array(5).fill(-1);

  /** Keeps the entries only for the same table and the same requested resources. */
  prepare(table: WorkerColumns, r: Resources): void {
    const q = this.requested;
    const same = this.table === table && q[0] === r.cpuMilli && q[1] === r.memoryMilli && q[2] === r.storageMilli && q[3] === r.nodesMilli && q[4] === r.portsMilli;
    if (this.seenAt.length < table.size) {
      const size = Math.max(table.size, 2 * this.seenAt.length);
      const grow = <T extends Float64Array | Int16Array | Uint8Array>(from: T, to: T): T => {
        to.set(from);
        return to;
      };
      this.seenAt = grow(this.seenAt, new Float64Array(size));
      this.fitOf = grow(this.fitOf, new Int16Array(size));
      this.packingOf = grow(this.packingOf, new Uint8Array(size));
    }
    if (same) return;
    this.seenAt.fill(0);
    this.table = table;
    q[0] = r.cpuMilli;
    q[1] = r.memoryMilli;
    q[2] = r.storageMilli;
    q[3] = r.nodesMilli;
    q[4] = r.portsMilli;
  }
}
