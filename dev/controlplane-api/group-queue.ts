// Forms groups of queued schedule calls for group commit: calls in arrival order, at most maxGroup
// per group, and never a worker that a group still running holds, so groups running at once never
// touch the same allocation key and never fail each other's compares. A worker's calls keep their
// arrival order across groups.

export interface GroupLimits {
  /** Calls per group. */
  readonly maxGroup: number;
  /** Groups running at once. */
  readonly maxConcurrent: number;
}

export class GroupQueue<T extends { readonly workerId: string }> {
  private queue: T[] = [];
  private readonly busyWorkers = new Set<string>();
  private running = 0;

  constructor(private readonly run: (group: readonly T[]) => Promise<void>, private readonly limits: GroupLimits) {}

  push(item: T): void {
    this.queue.push(item);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.limits.maxConcurrent && this.queue.length > 0) {
      const group = this.take();
      if (group.length === 0) return;
      const workers = new Set(group.map((item) => item.workerId));
      for (const w of workers) this.busyWorkers.add(w);
      this.running += 1;
      void this.run(group).finally(() => {
        for (const w of workers) this.busyWorkers.delete(w);
        this.running -= 1;
        this.pump();
      });
    }
  }

  /** The next group; a worker joins only if no running group holds it, and then with all its calls that fit. */
  private take(): T[] {
    const group: T[] = [];
    const rest: T[] = [];
    const skipped = new Set<string>();
    for (const item of this.queue) {
      const isFree = !this.busyWorkers.has(item.workerId) && !skipped.has(item.workerId);
      if (isFree && group.length < this.limits.maxGroup) group.push(item);
      else {
        skipped.add(item.workerId); // keeps this worker's later calls behind this one
        rest.push(item);
      }
    }
    this.queue = rest;
    return group;
  }
}
