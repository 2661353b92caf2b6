// What the reconciler remembers per instance between looks, for the pending-instances gauge, the
// wake-ups and the resync: waiting for its timeslot, unschedulable, or failed (its write got a
// definite answer outside the contract), each with an attempt count for the report and the backoff.
// An instance the cache shows settled is forgotten.

export type PendingState = 'waitingTimeslot' | 'unschedulable' | 'failed';

interface Entry {
  state: PendingState;
  attempts: number;
}

export class InstanceStates {
  private readonly entries = new Map<string, Entry>();
  private readonly counts: Record<PendingState, number> = { waitingTimeslot: 0, unschedulable: 0, failed: 0 };

  /** Marks the instance unschedulable and returns its attempt count, this one included. */
  markUnschedulable(id: string): number {
    return this.addAttempt(id, 'unschedulable');
  }

  /** Marks the instance's last write as definitely failed; returns its attempt count, this one included. */
  markFailed(id: string): number {
    return this.addAttempt(id, 'failed');
  }

  markWaiting(id: string): void {
    this.set(id, 'waitingTimeslot');
  }

  /** Attempts so far (0 when none). */
  attempts(id: string): number {
    return this.entries.get(id)?.attempts ?? 0;
  }

  stateOf(id: string): PendingState | undefined {
    return this.entries.get(id)?.state;
  }

  /** Ids in a state (a copy: callers may change states while iterating). */
  idsIn(state: PendingState): string[] {
    const ids: string[] = [];
    for (const [id, entry] of this.entries) if (entry.state === state) ids.push(id);
    return ids;
  }

  count(state: PendingState): number {
    return this.counts[state];
  }

  forget(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.counts[entry.state] -= 1;
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
    this.counts.waitingTimeslot = 0;
    this.counts.unschedulable = 0;
    this.counts.failed = 0;
  }

  private addAttempt(id: string, state: PendingState): number {
    const entry = this.set(id, state);
    entry.attempts += 1;
    return entry.attempts;
  }

  private set(id: string, state: PendingState): Entry {
    let entry = this.entries.get(id);
    if (entry === undefined) {
      entry = { state, attempts: 0 };
      this.entries.set(id, entry);
      this.counts[state] += 1;
    } else if (entry.state !== state) {
      this.counts[entry.state] -= 1;
      this.counts[state] += 1;
      entry.state = state;
    }
    return entry;
  }
}
