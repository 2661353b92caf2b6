// Workers the Control Plane API refused for an instance (contract §2): after InsufficientCapacity,
// WorkerNotAvailable or WorkerNotFound the scheduler does not offer that worker to that instance
// again until the instance's or the worker's revision changes. Such workers are filtered as
// RejectedByApi. After StaleRevision the instance is not decided on again at the refused revision.

interface Refusal {
  readonly instanceRevision: number;
  /** The worker's mod revision when refused; undefined when the cache did not have it. */
  readonly workerRevision: number | undefined;
}

export type RevisionOf = (id: string) => number | undefined;

export class ApiRejections {
  private readonly byInstance = new Map<string, Map<string, Refusal>>();
  /** Instance id -> the revision the API answered StaleRevision to. */
  private readonly staleRevisions = new Map<string, number>();

  recordStaleRevision(instanceId: string, instanceRevision: number): void {
    this.staleRevisions.set(instanceId, instanceRevision);
  }

  /** True while the cache still holds the revision the API called stale (contract §2: look again on its next change). */
  isStaleRevision(instanceId: string, instanceRevision: number): boolean {
    const stale = this.staleRevisions.get(instanceId);
    if (stale === undefined) return false;
    if (stale === instanceRevision) return true;
    this.staleRevisions.delete(instanceId);
    return false;
  }

  record(instanceId: string, workerId: string, instanceRevision: number, workerRevision: number | undefined): void {
    let refused = this.byInstance.get(instanceId);
    if (refused === undefined) this.byInstance.set(instanceId, (refused = new Map<string, Refusal>()));
    refused.set(workerId, { instanceRevision, workerRevision });
  }

  /** The workers still refused for the instance at its current revision; lapsed refusals are dropped. */
  refusedFor(instanceId: string, instanceRevision: number, workerRevisionOf: RevisionOf): ReadonlySet<string> {
    const refused = this.byInstance.get(instanceId);
    if (refused === undefined) return EMPTY;
    const current = new Set<string>();
    for (const [workerId, refusal] of refused) {
      if (refusal.instanceRevision === instanceRevision && refusal.workerRevision === workerRevisionOf(workerId)) current.add(workerId);
      else refused.delete(workerId);
    }
    if (refused.size === 0) this.byInstance.delete(instanceId);
    return current;
  }

  /** Instances holding a refusal for workerId (to wake them when the worker changes). */
  instancesRefusedBy(workerId: string): string[] {
    const ids: string[] = [];
    for (const [instanceId, refused] of this.byInstance) if (refused.has(workerId)) ids.push(instanceId);
    return ids;
  }

  forget(instanceId: string): void {
    this.byInstance.delete(instanceId);
    this.staleRevisions.delete(instanceId);
  }

  clear(): void {
    this.byInstance.clear();
    this.staleRevisions.clear();
  }
}

const EMPTY: ReadonlySet<string> = new Set();
