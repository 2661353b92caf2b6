// When to send an unschedulable report (contract §2): on the first attempt that finds no worker, and
// again only when the message changes, at most once per minIntervalSeconds per instance. The memory
// is per term: a new leader may resend the current report once.

export interface UnschedulableReport {
  readonly message: string;
  readonly reasons: Readonly<Record<string, number>>;
  readonly attempts: number;
}

interface Sent {
  readonly message: string;
  readonly atMs: number;
}

export class ReportThrottle {
  private readonly sent = new Map<string, Sent>();

  /** True when a report with this message should go out now. */
  shouldSend(instanceId: string, message: string, nowMs: number, minIntervalSeconds: number): boolean {
    const last = this.sent.get(instanceId);
    if (last === undefined) return true;
    return last.message !== message && nowMs - last.atMs >= minIntervalSeconds * 1000;
  }

  /** Records a report the API accepted. */
  recordSent(instanceId: string, message: string, nowMs: number): void {
    this.sent.set(instanceId, { message, atMs: nowMs });
  }

  /** The instance left the scheduler's hands (placed, deleted): forget it. */
  forget(instanceId: string): void {
    this.sent.delete(instanceId);
  }

  /** A new term starts with no memory. */
  reset(): void {
    this.sent.clear();
  }
}

/** The contract's report for a missed timeslot. */
export function timeslotMissedReport(end: string, attempts: number): UnschedulableReport {
  return { message: `timeslot ended at ${end}`, reasons: { TimeslotMissed: 1 }, attempts };
}

/** The contract's report for a malformed but identifiable instance. */
export function invalidSpecReport(reason: string, attempts: number): UnschedulableReport {
  return { message: `invalid spec: ${reason}`, reasons: { InvalidSpec: 1 }, attempts };
}
