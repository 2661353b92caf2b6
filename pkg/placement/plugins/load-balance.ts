// Scorer LoadBalance (contract §3): floor(100 x (1 - holders / maxHolders)), maxHolders being the
// largest holder count among the feasible workers of this decision; 100 when maxHolders is 0.
import type { FeasibleScorePlugin, PlacementRequest } from '../framework';
import type { ScorePluginName } from '../names';
import type { PluginFactory } from '../registry';
import type { WorkerColumns } from '../worker-table';

export const LOAD_BALANCE = 'LoadBalance' satisfies ScorePluginName;

/** Exact in integers: floor(100 (max - h) / max) for small counts. */
export function loadBalanceScore(holders: number, maxHolders: number): number {
  if (maxHolders <= 0) return 100;
  return Math.max(0, Math.floor((100 * (maxHolders - holders)) / maxHolders));
}

/** Depends on the feasible workers together (their largest holder count): scored once per decision. */
export class LoadBalanceScorer implements FeasibleScorePlugin {
  readonly scope = 'feasible';
  readonly name = LOAD_BALANCE;

  score(_request: PlacementRequest, workers: WorkerColumns, positions: Int32Array, count: number, out: Float64Array): void {
    const holders = workers.holders;
    let maxHolders = 0;
    for (let j = 0; j < count; j++) maxHolders = Math.max(maxHolders, holders[positions[j]!]!);
    for (let j = 0; j < count; j++) out[j] = loadBalanceScore(holders[positions[j]!]!, maxHolders);
  }
}

export const loadBalance: PluginFactory = { kind: 'scorer', name: LOAD_BALANCE, make: () => new LoadBalanceScorer() };
