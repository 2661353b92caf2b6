// Scorer LoadBalance (contract §3): floor(100 x (1 - holders / maxHolders)), maxHolders being the
// largest holder count among the feasible workers of this decision; 100 when maxHolders is 0.
import type { PlacementRequest, ScorePlugin } from '../framework';
import type { ScorePluginName } from '../names';
import type { WorkerInfo } from '../snapshot';

export const LOAD_BALANCE = 'LoadBalance' satisfies ScorePluginName;

/** Exact in integers: floor(100 (max - h) / max) for small counts. */
export function loadBalanceScore(holders: number, maxHolders: number): number {
  if (maxHolders <= 0) return 100;
  return Math.max(0, Math.floor((100 * (maxHolders - holders)) / maxHolders));
}

export class LoadBalanceScorer implements ScorePlugin {
  readonly name = LOAD_BALANCE;

  score(_request: PlacementRequest, feasible: readonly WorkerInfo[]): Uint8Array {
    let maxHolders = 0;
    for (const w of feasible) if (w.holders > maxHolders) maxHolders = w.holders;
    const out = new Uint8Array(feasible.length);
    for (let j = 0; j < feasible.length; j++) out[j] = loadBalanceScore(feasible[j]!.holders, maxHolders);
    return out;
  }
}
