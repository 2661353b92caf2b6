// Which cache changes put which instance ids on the queue (issue 5, item 5). An instance is added
// when it becomes the scheduler's to place or when what placement reads changed (phase, worker,
// requirements, timeslot, priority); an identifiable malformed instance is added to be reported. A
// worker that may help (added, status or shape or capacity changed, or capacity freed on it) wakes the
// instances waiting as unschedulable and those the API refused on that worker.
import type { CachedInstance, CachedWorker, CacheListener, InvalidInstance } from '../../pkg/informer';
import type { LabletInstance, Requirements, Worker } from '../../pkg/objects';
import { holdsCapacity, isPlaceable } from '../../pkg/objects';

export interface EnqueueTargets {
  /** Adds an id to the work queue. */
  add(instanceId: string): void;
  /** Ids whose last decision found no worker. */
  unschedulableIds(): readonly string[];
  /** Ids the API refused on this worker. */
  refusedBy(workerId: string): readonly string[];
  /** False on a standby: its queue stays empty until it leads (the new term enqueues everything). */
  isActive(): boolean;
}

export class Enqueuer implements CacheListener {
  constructor(private readonly targets: EnqueueTargets) {}

  onInstanceChange(id: string, before: CachedInstance | undefined, after: CachedInstance | undefined): void {
    if (!this.targets.isActive()) return;
    const now = after?.isStale === false ? after.instance : undefined;
    if (now !== undefined && isPlaceable(now) && (before === undefined || placementInputsDiffer(before.instance, now))) {
      this.targets.add(id);
    }
    const freed = freedWorker(before?.instance, after?.instance);
    if (freed !== undefined) this.wake(freed);
  }

  onWorkerChange(id: string, before: CachedWorker | undefined, after: CachedWorker | undefined): void {
    if (!this.targets.isActive() || after === undefined) return;
    if (before === undefined || workerMayHelpMore(before.worker, after.worker)) this.wake(id);
  }

  onInvalidInstance(invalid: InvalidInstance): void {
    if (this.targets.isActive() && invalid.phase === 'PENDING') this.targets.add(invalid.id);
  }

  private wake(workerId: string): void {
    for (const id of this.targets.unschedulableIds()) this.targets.add(id);
    for (const id of this.targets.refusedBy(workerId)) this.targets.add(id);
  }
}

function placementInputsDiffer(a: LabletInstance, b: LabletInstance): boolean {
  return (
    a.phase !== b.phase ||
    a.workerId !== b.workerId ||
    a.priority !== b.priority ||
    a.preferredRegion !== b.preferredRegion ||
    a.timeslot?.startMs !== b.timeslot?.startMs ||
    a.timeslot?.endMs !== b.timeslot?.endMs ||
    !sameRequirements(a.requirements, b.requirements)
  );
}

function sameRequirements(a: Requirements, b: Requirements): boolean {
  const ra = a.resources;
  const rb = b.resources;
  return (
    ra.cpuMilli === rb.cpuMilli && ra.memoryMilli === rb.memoryMilli && ra.storageMilli === rb.storageMilli &&
    ra.nodesMilli === rb.nodesMilli && ra.portsMilli === rb.portsMilli &&
    a.cmlVersion?.raw === b.cmlVersion?.raw &&
    a.licenseAffinity.join() === b.licenseAffinity.join() &&
    a.nodeDefinitions.join() === b.nodeDefinitions.join()
  );
}

/** The worker on which `before` held capacity that `after` no longer holds, if any. */
function freedWorker(before: LabletInstance | undefined, after: LabletInstance | undefined): string | undefined {
  if (before === undefined || before.workerId === undefined || !holdsCapacity(before)) return undefined;
  if (after !== undefined && holdsCapacity(after) && after.workerId === before.workerId) return undefined;
  return before.workerId;
}

/** True when the worker changed in a way that could let an instance fit that did not before. */
function workerMayHelpMore(before: Worker, after: Worker): boolean {
  return (
    before.status !== after.status ||
    before.license !== after.license ||
    before.cmlVersion?.raw !== after.cmlVersion?.raw ||
    before.nodeDefinitions.join() !== after.nodeDefinitions.join() ||
    JSON.stringify(before.capacity) !== JSON.stringify(after.capacity)
  );
}
