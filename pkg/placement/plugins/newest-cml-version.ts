// Scorer NewestCmlVersion, an example outside the contract set (docs/placement.md, "Adding a plugin";
// registered by tests, not by the scheduler): prefers workers on the newest CML version among the
// feasible ones. With d distinct versions among them, the k-th newest (k = 0 newest) scores
// floor(100 x (d - k) / d); a worker without a version scores 0. Depends on the feasible workers
// together, so it declares the 'feasible' scope and scores them in one call.
import type { Version } from '../../objects';
import type { FeasibleScorePlugin, PlacementRequest } from '../framework';
import type { ScorePluginName } from '../names';
import type { PluginFactory } from '../registry';
import type { WorkerColumns } from '../worker-table';

export const NEWEST_CML_VERSION = 'NewestCmlVersion' satisfies ScorePluginName;

/** Scores by version, for the distinct versions given (any order, duplicates allowed). */
export function newestVersionScores(versions: readonly Version[]): ReadonlyMap<string, number> {
  const distinct = [...new Map(versions.map((v) => [v.semver.version, v])).values()].sort((a, b) => b.semver.compare(a.semver));
  const d = distinct.length;
  return new Map(distinct.map((v, k) => [v.semver.version, Math.floor((100 * (d - k)) / d)]));
}

export class NewestCmlVersionScorer implements FeasibleScorePlugin {
  readonly scope = 'feasible';
  readonly name = NEWEST_CML_VERSION;

  score(_request: PlacementRequest, workers: WorkerColumns, positions: Int32Array, count: number, out: Float64Array): void {
    const versionOf = (j: number): Version | undefined => workers.worker(positions[j]!).cmlVersion;
    const versions: Version[] = [];
    for (let j = 0; j < count; j++) {
      const v = versionOf(j);
      if (v !== undefined) versions.push(v);
    }
    const scores = newestVersionScores(versions);
    for (let j = 0; j < count; j++) {
      const v = versionOf(j);
      out[j] = v === undefined ? 0 : scores.get(v.semver.version) ?? 0;
    }
  }
}

export const newestCmlVersion: PluginFactory = { kind: 'scorer', name: NEWEST_CML_VERSION, make: () => new NewestCmlVersionScorer() };
