// The Placer seam and the registry of placers by name (ConfigMap key placement.placer). `default` is
// the contract §3 placer; `spread` keeps the same filters but prefers emptier workers, proving the
// seam. Both are ContractPlacer: the contract's filters and scorers in one pass over the workers;
// FrameworkPlacer runs any list of filter and score plugins, these included (the reference).
import type { LabletInstance } from '../objects';
import { ContractPlacer } from './contract-placer';
import type { Decision } from './decision';
import type { FilterPlugin, WeightedScorer } from './framework';
import { apiRejectionFilter } from './plugins/api-rejection';
import { BinPackingScorer } from './plugins/bin-packing';
import { cmlVersionFilter } from './plugins/cml-version';
import { LeastAllocatedScorer } from './plugins/least-allocated';
import { licenseAffinityFilter } from './plugins/license-affinity';
import { LoadBalanceScorer } from './plugins/load-balance';
import { LocalityScorer } from './plugins/locality';
import { nodeDefinitionsFilter } from './plugins/node-definitions';
import { personalLicenseFilter } from './plugins/personal-license';
import { ResourcesFitFilter } from './plugins/resources-fit';
import { WorkerStatusFilter } from './plugins/worker-status';
import type { Snapshot } from './snapshot';

export interface PlaceOptions {
  /**
   * Workers the Control Plane API refused for this instance (InsufficientCapacity or
   * WorkerNotAvailable) whose revisions, and the instance's, have not changed since (contract §2).
   * Each is counted as RejectedByApi. Default: none.
   */
  readonly rejectedWorkerIds?: ReadonlySet<string>;
  /**
   * Keep every evaluated worker's verdict in a scheduled decision (ScheduledDecision.verdicts), for
   * tests and tools: n bytes and a score per feasible worker per decision. Default false: a scheduled
   * decision keeps only its best scored workers. A no-fit decision always keeps every verdict.
   */
  readonly keepVerdicts?: boolean;
}

/**
 * Chooses a worker for one instance. Called by the reconciler, synchronously, with the live
 * snapshot; the decision is made on the snapshot as it is during the call and keeps no reference
 * to live workers. The caller assumes the chosen worker in the snapshot (Snapshot.assume) before
 * the next decision. Whether the instance is the scheduler's to place is the caller's question.
 */
export interface Placer {
  readonly name: string;
  place(instance: LabletInstance, snapshot: Snapshot, options?: PlaceOptions): Decision;
}

/** placement.weights of the ConfigMap. */
export interface ScoreWeights {
  readonly binPacking: number;
  readonly locality: number;
  readonly loadBalance: number;
}

export const DEFAULT_WEIGHTS: ScoreWeights = Object.freeze({ binPacking: 0.6, locality: 0.2, loadBalance: 0.2 });

export interface PlacerConfig {
  /** Each >= 0, sum > 0; default 0.6, 0.2, 0.2. */
  readonly weights?: ScoreWeights;
  /** Percent (0, 100] of workers to find feasible before scoring; default 100 = exact. */
  readonly percentageOfWorkersToScore?: number;
}

/** The contract §3 filters in its order. */
export function contractFilters(): readonly FilterPlugin[] {
  return [
    new WorkerStatusFilter(),
    licenseAffinityFilter(),
    personalLicenseFilter(),
    cmlVersionFilter(),
    nodeDefinitionsFilter(),
    new ResourcesFitFilter(),
    apiRejectionFilter(),
  ];
}

export const PLACER_NAMES = ['default', 'spread'] as const;
export type PlacerName = (typeof PLACER_NAMES)[number];

export const PLACERS: Readonly<Record<PlacerName, (config: PlacerConfig) => Placer>> = {
  /** Contract §3: BinPacking, Locality and LoadBalance weighted by placement.weights. */
  default: (config) => contractPlacer('default', 'BinPacking', config),
  /** Like default, with LeastAllocated (100 - BinPacking) in BinPacking's place and weight. */
  spread: (config) => contractPlacer('spread', 'LeastAllocated', config),
};

/**
 * The plugins a registry placer runs, for FrameworkPlacer: the reference that ContractPlacer, which
 * runs the same rules in one pass, is tested against.
 */
export function contractScorers(packing: 'BinPacking' | 'LeastAllocated', weights: ScoreWeights = DEFAULT_WEIGHTS): WeightedScorer[] {
  return [
    { plugin: packing === 'BinPacking' ? new BinPackingScorer() : new LeastAllocatedScorer(), weight: weights.binPacking },
    { plugin: new LocalityScorer(), weight: weights.locality },
    { plugin: new LoadBalanceScorer(), weight: weights.loadBalance },
  ];
}

/** The placer registered under name; throws naming the known ones when there is none. */
export function createPlacer(name: string, config: PlacerConfig = {}): Placer {
  const make = (PLACERS as Readonly<Record<string, ((c: PlacerConfig) => Placer) | undefined>>)[name];
  if (make === undefined || !Object.hasOwn(PLACERS, name)) {
    throw new Error(`placement.placer: unknown placer "${name}" (known: ${PLACER_NAMES.join(', ')})`);
  }
  return make(config);
}

function contractPlacer(name: PlacerName, packing: 'BinPacking' | 'LeastAllocated', config: PlacerConfig): Placer {
  return new ContractPlacer({
    name,
    filters: contractFilters(),
    packing,
    weights: config.weights ?? DEFAULT_WEIGHTS,
    percentageOfWorkersToScore: config.percentageOfWorkersToScore,
  });
}
