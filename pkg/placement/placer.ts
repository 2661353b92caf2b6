// The Placer seam and what configures a placer. Placers are plugin lists run by one engine
// (runner.ts), registered by name (registrations.ts) for the ConfigMap key placement.placer.
import type { LabletInstance } from '../objects';
import type { Decision } from './decision';
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
  /** 'declared' (default) or 'none': the engine's reference mode, reusing nothing (FrameworkPlacerOptions). */
  readonly reuse?: 'declared' | 'none';
}
