// Test doubles for the scheduler controller's seams and a reconciler fixture (test-only; not
// exported from index.ts).
import { FakeClock } from '../../pkg/clock';
import type { SchedulerConfig } from '../../pkg/config';
import { defaultConfig, parseConfig } from '../../pkg/config';
import type { CallOptions, ControlPlaneClient, ScaleUpAccepted, ScaleUpCallOptions, ScaleUpRequest, ScheduleAccepted, ScheduleRequest, UnschedulableRequest } from '../../pkg/controlplane';
import { LabletCache } from '../../pkg/informer';
import type { StepDownReason, Term } from '../../pkg/leaderelection';
import type { InstanceBuilder, WorkerBuilder } from '../../pkg/objects/testing';
import { createPlacer, Snapshot } from '../../pkg/placement';
import { DecisionLog } from './decisions';
import { FleetSync } from './fleet-sync';
import type { TermSource } from './reconciler';
import { SchedulerReconciler } from './reconciler';
import { ScaleUpPlanner } from './scale-up';
import { TermMemory } from './term-memory';

export interface RecordedCall {
  readonly route: 'schedule' | 'unschedulable' | 'scaleUp';
  readonly instanceId: string;
  readonly body: ScheduleRequest | UnschedulableRequest | ScaleUpRequest;
  readonly fencingToken: string;
  readonly idempotencyKey?: string | undefined;
}

/** A ControlPlaneClient that records each call and answers from a script (default: accept). */
export class ScriptedClient implements ControlPlaneClient {
  readonly calls: RecordedCall[] = [];
  /** Answers for the next schedule calls, in order: an error to throw, or undefined to accept. */
  readonly scheduleAnswers: Array<Error | undefined> = [];
  /** The same for the next reports. */
  readonly reportAnswers: Array<Error | undefined> = [];
  /** The same for the next scale-ups. */
  readonly scaleUpAnswers: Array<Error | undefined> = [];

  schedule(instanceId: string, body: ScheduleRequest, options: CallOptions): Promise<ScheduleAccepted> {
    this.calls.push({ route: 'schedule', instanceId, body, fencingToken: String(options.fencingToken) });
    const answer = this.scheduleAnswers.shift();
    if (answer !== undefined) return Promise.reject(answer);
    return Promise.resolve({ instanceId, workerId: body.workerId, phase: 'SCHEDULED', modRevision: body.instanceRevision + 1 });
  }

  reportUnschedulable(instanceId: string, body: UnschedulableRequest, options: CallOptions): Promise<void> {
    this.calls.push({ route: 'unschedulable', instanceId, body, fencingToken: String(options.fencingToken) });
    const answer = this.reportAnswers.shift();
    return answer === undefined ? Promise.resolve() : Promise.reject(answer);
  }

  requestScaleUp(body: ScaleUpRequest, options: ScaleUpCallOptions): Promise<ScaleUpAccepted> {
    this.calls.push({ route: 'scaleUp', instanceId: '', body, fencingToken: String(options.fencingToken), idempotencyKey: options.idempotencyKey });
    const answer = this.scaleUpAnswers.shift();
    return answer === undefined ? Promise.resolve({ requestId: `scale-up-${this.calls.length}` }) : Promise.reject(answer);
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
    const term: Term = { token, leaseId: '1', ttlSeconds: 15, signal: this.abort.signal, isCurrent: () => this.term === term };
    this.term = term;
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

const PREFIX = '/lcm';
export const NOW = Date.parse('2026-11-27T10:00:00Z');

/** A reconciler over a real cache and snapshot, a ScriptedClient, ManualTerms and a FakeClock at NOW. */
export function reconcilerFixture(configText = '') {
  const clock = new FakeClock(NOW);
  const cache = new LabletCache({ prefix: PREFIX });
  const snapshot = new Snapshot();
  const memory = new TermMemory(snapshot);
  const { assumptions, states } = memory;
  const decisions = new DecisionLog();
  cache.addListener(new FleetSync(snapshot, (id) => memory.forget(id)));
  const client = new ScriptedClient();
  const terms = new ManualTerms(100);
  const requeued: string[] = [];
  const revisionWaits: Array<{ revision: number; resolve: () => void }> = [];
  let config: SchedulerConfig = configText === '' ? defaultConfig() : parseConfig(configText);
  let revision = 10;
  const placer = () => createPlacer(config.placement.placer, { weights: config.placement.weights });
  const scaleUpResults: string[] = [];
  const scaleUp = new ScaleUpPlanner({
    client, placer, clock, config: () => config,
    metrics: { requested: (trigger, result) => scaleUpResults.push(`${trigger} ${result}`) },
    isIncoming: (template) => [...cache.allWorkers()].some((w) => w.worker.template === template && ['PENDING', 'PROVISIONING', 'STARTING'].includes(w.worker.status)),
    waiting: () => states.idsIn('unschedulable').flatMap((id) => { const i = cache.instance(id)?.instance; return i === undefined ? [] : [i]; }),
    stepDown: () => terms.stepDown('staleFencingToken'),
  });
  const reconciler = new SchedulerReconciler({
    cache, snapshot, memory, decisions, client, terms, clock, scaleUp,
    cacheRevision: { waitForRevision: (rev) => new Promise<void>((resolve) => revisionWaits.push({ revision: rev, resolve })) },
    placer,
    config: () => config,
    requeue: (id) => requeued.push(id),
  });
  const put = (kind: 'instances' | 'workers', id: string, value: Buffer): number => {
    revision += 1;
    cache.onDeltas([{ type: 'upsert', kv: { key: `${PREFIX}/${kind}/${id}`, value, createRevision: revision, modRevision: revision, version: 1 }, previous: undefined }], revision, 'watch');
    return revision;
  };
  return {
    clock, cache, snapshot, assumptions, states, decisions, client, terms, requeued, revisionWaits, reconciler, scaleUpResults,
    config: () => config,
    setConfig: (text: string) => { config = parseConfig(text); },
    worker: (b: WorkerBuilder) => put('workers', b.json().id, b.bytes()),
    instance: (b: InstanceBuilder) => put('instances', b.json().id, b.bytes()),
    raw: (id: string, value: string) => put('instances', id, Buffer.from(value)),
  };
}
