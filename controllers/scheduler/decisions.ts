// The last decision per instance, for GET /debug/instances/{id} ("why is this pending?"), in a
// bounded cache: the oldest entry goes first once `capacity` is reached. Decisions build their
// per-worker lists on request, so keeping one is cheap; the lists are built only when read.
// In a dry run a record also holds the call it would have sent (contract §4).
import type { ScheduleRequest, UnschedulableRequest } from '../../pkg/controlplane';
import type { Decision } from '../../pkg/placement';
import { requireNumber } from '../../pkg/options';

/** A write a dry run decided on and did not send, as it would have gone out. */
export interface UnsentCall {
  readonly method: 'POST';
  readonly path: string;
  readonly body: ScheduleRequest | UnschedulableRequest;
}

export function unsentSchedule(instanceId: string, body: ScheduleRequest): UnsentCall {
  return { method: 'POST', path: `/api/internal/instances/${encodeURIComponent(instanceId)}/schedule`, body };
}

export function unsentReport(instanceId: string, body: UnschedulableRequest): UnsentCall {
  return { method: 'POST', path: `/api/internal/instances/${encodeURIComponent(instanceId)}/unschedulable`, body };
}

export type DecisionRecord =
  | { readonly kind: 'placement'; readonly decidedAtMs: number; readonly decision: Decision; readonly dryRun: boolean; readonly unsent: UnsentCall | undefined }
  | {
    readonly kind: 'report'; readonly decidedAtMs: number; readonly message: string; readonly reasons: Readonly<Record<string, number>>;
    readonly unsent: UnsentCall | undefined;
  };

/** The contract's /debug/instances/{id} body. */
export interface DecisionView {
  readonly instanceId: string;
  readonly decidedAt: string;
  readonly result: 'scheduled' | 'unschedulable' | 'error';
  readonly dryRun?: boolean;
  readonly workerId?: string;
  readonly score?: number;
  readonly scores?: Readonly<Record<string, number>>;
  readonly message?: string;
  readonly reasons: Readonly<Record<string, number>>;
  readonly verdicts: ReadonlyArray<{ readonly workerId: string; readonly reason?: string; readonly scores?: Readonly<Record<string, number>>; readonly total?: number }>;
  /** Dry run only: the call that was not sent. */
  readonly wouldSend?: UnsentCall;
}

export class DecisionLog {
  private readonly records = new Map<string, DecisionRecord>();

  constructor(private readonly capacity = 10_000) {
    requireNumber('DecisionLog', 'capacity', capacity, 'positiveInteger');
  }

  record(instanceId: string, record: DecisionRecord): void {
    this.records.delete(instanceId);
    this.records.set(instanceId, record);
    if (this.records.size > this.capacity) {
      const oldest = this.records.keys().next();
      if (oldest.done !== true) this.records.delete(oldest.value);
    }
  }

  get size(): number {
    return this.records.size;
  }

  view(instanceId: string): DecisionView | undefined {
    const record = this.records.get(instanceId);
    if (record === undefined) return undefined;
    const decidedAt = new Date(record.decidedAtMs).toISOString();
    const wouldSend = record.unsent;
    if (record.kind === 'report') {
      return { instanceId, decidedAt, result: 'unschedulable', dryRun: wouldSend !== undefined, message: record.message, reasons: record.reasons, verdicts: [], wouldSend };
    }
    const { decision, dryRun } = record;
    switch (decision.result) {
      case 'scheduled':
        return {
          instanceId, decidedAt, result: 'scheduled', dryRun, workerId: decision.workerId, score: decision.score.total,
          scores: decision.score.scores, reasons: decision.reasons,
          verdicts: decision.scored().map((s) => ({ workerId: s.workerId, scores: s.scores, total: s.total })), wouldSend,
        };
      case 'unschedulable':
        return {
          instanceId, decidedAt, result: 'unschedulable', dryRun, message: decision.message, reasons: decision.reasons,
          verdicts: decision.verdicts().map((v) => (v.reason === undefined ? { workerId: v.workerId } : { workerId: v.workerId, reason: v.reason })),
          wouldSend,
        };
      case 'error':
        return { instanceId, decidedAt, result: 'error', dryRun, message: decision.message, reasons: {}, verdicts: [] };
    }
  }
}
