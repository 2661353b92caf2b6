// Test doubles for the scheduler controller's seams (test-only; not exported from index.ts).
import type { CallOptions, ControlPlaneClient, ScaleUpAccepted, ScaleUpRequest, ScheduleAccepted, ScheduleRequest, UnschedulableRequest } from '../../pkg/controlplane';
import type { StepDownReason, Term } from '../../pkg/leaderelection';
import type { TermSource } from './reconciler';

export interface RecordedCall {
  readonly route: 'schedule' | 'unschedulable' | 'scaleUp';
  readonly instanceId: string;
  readonly body: ScheduleRequest | UnschedulableRequest | ScaleUpRequest;
  readonly fencingToken: string;
}

/** A ControlPlaneClient that records each call and answers from a script (default: accept). */
export class ScriptedClient implements ControlPlaneClient {
  readonly calls: RecordedCall[] = [];
  /** Answers for the next schedule calls, in order: an error to throw, or undefined to accept. */
  readonly scheduleAnswers: Array<Error | undefined> = [];

  schedule(instanceId: string, body: ScheduleRequest, options: CallOptions): Promise<ScheduleAccepted> {
    this.calls.push({ route: 'schedule', instanceId, body, fencingToken: String(options.fencingToken) });
    const answer = this.scheduleAnswers.shift();
    if (answer !== undefined) return Promise.reject(answer);
    return Promise.resolve({ instanceId, workerId: body.workerId, phase: 'SCHEDULED', modRevision: body.instanceRevision + 1 });
  }

  reportUnschedulable(instanceId: string, body: UnschedulableRequest, options: CallOptions): Promise<void> {
    this.calls.push({ route: 'unschedulable', instanceId, body, fencingToken: String(options.fencingToken) });
    return Promise.resolve();
  }

  requestScaleUp(body: ScaleUpRequest, options: CallOptions): Promise<ScaleUpAccepted> {
    this.calls.push({ route: 'scaleUp', instanceId: '', body, fencingToken: String(options.fencingToken) });
    return Promise.resolve({ requestId: `scale-up-${this.calls.length}` });
  }

  schedules(): Array<{ instanceId: string; workerId: string; instanceRevision: number; fencingToken: string }> {
    return this.calls
      .filter((c) => c.route === 'schedule')
      .map((c) => ({ instanceId: c.instanceId, ...(c.body as ScheduleRequest), fencingToken: c.fencingToken }));
  }

  reports(): Array<{ instanceId: string; body: UnschedulableRequest }> {
    return this.calls.filter((c) => c.route === 'unschedulable').map((c) => ({ instanceId: c.instanceId, body: c.body as UnschedulableRequest }));
  }
}

/** A term that lasts until stepDown; currentTerm() is undefined after it. */
export class ManualTerms implements TermSource {
  readonly stepDowns: StepDownReason[] = [];
  private abort = new AbortController();
  private term: Term | undefined;

  constructor(token = 100) {
    this.term = { token, leaseId: '1', ttlSeconds: 15, signal: this.abort.signal };
  }

  currentTerm(): Term | undefined {
    return this.term;
  }

  stepDown(reason: StepDownReason): void {
    this.stepDowns.push(reason);
    this.term = undefined;
    this.abort.abort(reason);
  }
}
