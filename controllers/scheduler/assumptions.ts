// Placements decided but not yet seen in the cache (issue 8). Each is counted in the snapshot's
// assumed layer, so the next decision already sees the capacity taken, and carries what its write
// needs to be retried unchanged after an unknown outcome: the worker, the instance revision the
// decision was made on, and the term's token. A decision belongs to its term: when the term ends
// every assumption goes (writes accepted under it are in etcd below the next token, so the next
// leader's cache shows them before it places anything).
import type { Resources } from '../../pkg/objects';
import type { Snapshot } from '../../pkg/placement';

export interface Assumption {
  readonly instanceId: string;
  readonly workerId: string;
  /** The etcd mod revision of the instance the decision was made on (sent as instanceRevision). */
  readonly instanceRevision: number;
  readonly fencingToken: number;
  readonly resources: Resources;
  /** Wall ms of the decision (for the end-to-end latency and the audit line). */
  readonly decidedAtMs: number;
  /** The decision's total score, for the audit line. */
  readonly score: number;
}

export class AssumedPlacements {
  private readonly byInstance = new Map<string, Assumption>();

  constructor(private readonly snapshot: Snapshot) {}

  add(assumption: Assumption): void {
    this.byInstance.set(assumption.instanceId, assumption);
    this.snapshot.assume(assumption.instanceId, assumption.workerId, assumption.resources);
  }

  get(instanceId: string): Assumption | undefined {
    return this.byInstance.get(instanceId);
  }

  /** Ends the assumption for instanceId, if any; idempotent. */
  forget(instanceId: string): void {
    if (!this.byInstance.delete(instanceId)) return;
    this.snapshot.forget(instanceId);
  }

  /** Ends every assumption (the term ended); returns their instance ids for requeueing. */
  clear(): string[] {
    const ids = [...this.byInstance.keys()];
    for (const id of ids) this.forget(id);
    return ids;
  }

  get size(): number {
    return this.byInstance.size;
  }
}
