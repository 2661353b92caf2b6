// Scorer LeastAllocated, for the `spread` placer: 100 - BinPacking, so emptier workers win and load
// spreads out. Not part of the contract's default placer.
import type { PlacementRequest, RowScorePlugin } from '../framework';
import type { ScorePluginName } from '../names';
import type { PluginFactory } from '../registry';
import type { WorkerColumns } from '../worker-table';
import { binPackingScore } from './bin-packing';

export const LEAST_ALLOCATED = 'LeastAllocated' satisfies ScorePluginName;

/** LeastAllocated from the BinPacking score of the same worker and request. */
export function leastAllocatedScore(binPacking: number): number {
  return 100 - binPacking;
}

export class LeastAllocatedScorer implements RowScorePlugin {
  readonly scope = 'row';
  readonly name = LEAST_ALLOCATED;

  scoreRow(request: PlacementRequest, workers: WorkerColumns, position: number): number {
    return leastAllocatedScore(binPackingScore(request.requested, workers.allocated, workers.capacity, position));
  }
}

export const leastAllocated: PluginFactory = { kind: 'scorer', name: LEAST_ALLOCATED, make: () => new LeastAllocatedScorer() };
