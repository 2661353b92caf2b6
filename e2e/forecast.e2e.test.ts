// The forecast and its early scale-up on real etcd, in real time (issue 19, contract §5): booked
// instances that fit nowhere now and start in the future make the leader send one scale-up, with
// `count`, before they are ready; the development API boots the workers (PENDING to RUNNING) and the
// instances are SCHEDULED on them before their slot starts, with no second request. In dry run the
// plan is shown on /debug/forecast with `requested: false` and nothing is sent.
//
// Times: leadTimeMinutes 1, bootSeconds 4, marginMinutes 0, so the plan's requestAt is the slot start
// minus 64 s; the slots start 80 s after the test begins, so the request comes ~16 s in.
import type { StoredScaleUp } from '../dev/controlplane-api';
import { NOOP_LOGGER } from '../pkg/observability';
import type { EtcdHandle } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import type { FleetState, SchedulerFixture } from './support/scheduler-fixture';
import { overCommitted, startSchedulerFixture } from './support/scheduler-fixture';
import { instance, worker } from './support/fleets';

jest.setTimeout(120_000);

type ForecastView = NonNullable<ReturnType<SchedulerFixture['scheduler']['controller']['forecastView']>>;

const LEAD_MS = 60_000;
const START_AHEAD_MS = 80_000;
const BOOKED = ['li-booked-1', 'li-booked-2', 'li-booked-3', 'li-booked-4', 'li-booked-5', 'li-booked-6'];

const config = (dryRun: boolean): string => `scaleUp:
  enabled: true
  templates:
    - {name: lab-pod, license: enterprise, cmlVersion: 2.9.1, nodeDefinitions: [iosv], bootSeconds: 4, capacity: {cpuCores: 16, memoryGb: 64, storageGb: 200, nodes: 100, ports: 1000}}
timeslot: {leadTimeMinutes: 1}
forecast: {intervalSeconds: 1, marginMinutes: 0}
placement: {dryRun: ${dryRun}}
requeue: {baseDelayMs: 100, maxDelayMs: 1000}`;

/** Six instances of 4 cores booked from startMs: four fit a worker of the template, so two are needed. */
function booked(startMs: number) {
  const slot = { start: new Date(startMs).toISOString(), end: new Date(startMs + 30 * 60_000).toISOString() };
  return BOOKED.map((id) => instance(id, { timeslot: slot }, { cpuCores: 4, memoryGb: 8, storageGb: 20, nodeDefinitions: ['iosv'] }));
}

/** What a poll of etcd saw over time: each worker's statuses in order, when each instance was first SCHEDULED, when each request appeared. */
interface Observed {
  readonly workerStatuses: Map<string, string[]>;
  readonly scheduledAtMs: Map<string, number>;
  readonly scaleUpSeenAtMs: Map<string, number>;
}

function watch(f: SchedulerFixture): { observed: Observed; stop(): Promise<void> } {
  const observed: Observed = { workerStatuses: new Map(), scheduledAtMs: new Map(), scaleUpSeenAtMs: new Map() };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const [state, scaleUps]: [FleetState, StoredScaleUp[]] = await Promise.all([f.state(), f.api.reports.scaleUps()]);
      const now = Date.now();
      for (const [id, w] of state.workers) {
        const seen = observed.workerStatuses.get(id) ?? [];
        if (seen[seen.length - 1] !== w.status) seen.push(w.status);
        observed.workerStatuses.set(id, seen);
      }
      for (const [id, i] of state.instances) if (i.phase === 'SCHEDULED' && !observed.scheduledAtMs.has(id)) observed.scheduledAtMs.set(id, now);
      for (const s of scaleUps) if (!observed.scaleUpSeenAtMs.has(s.requestId)) observed.scaleUpSeenAtMs.set(s.requestId, now);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  })();
  return { observed, stop: async () => { stopped = true; await loop; } };
}

describe('the forecast on real etcd', () => {
  let etcd: EtcdHandle;
  let fixture: SchedulerFixture | undefined;

  beforeAll(async () => { etcd = await startEtcd(); });
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });
  afterAll(async () => { await etcd.destroy(); });

  it('sends one early scale-up with count, the workers boot, and the booked instances are placed before their start', async () => {
    const f = (fixture = await startSchedulerFixture(etcd.endpoints, uniquePrefix('forecast'), config(false), NOOP_LOGGER, { bootWorkers: true }));
    const startMs = Date.now() + START_AHEAD_MS;
    const readyAtMs = startMs - LEAD_MS;
    await f.putWorkers([worker('w-small', { capacity: { cpuCores: 2, memoryGb: 8, storageGb: 20 } })]);
    await f.putInstances(booked(startMs));
    const watcher = watch(f);
    f.scheduler.start();

    await waitFor(async () => (await f.api.reports.scaleUps()).length > 0, { timeoutMs: 60_000, intervalMs: 100, message: 'the forecast scale-up' });
    // Nothing is in its window yet, so this request can only come from the forecast.
    expect((await f.state()).instances.get('li-booked-1')?.phase).toBe('PENDING');
    await waitFor(() => BOOKED.every((id) => watcher.observed.scheduledAtMs.has(id)), { timeoutMs: START_AHEAD_MS, intervalMs: 200, message: 'the booked instances to be SCHEDULED' });
    // Intervals of the forecast and of the live scheduler's retries after the placements: no second request.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await watcher.stop();

    const requests = await f.api.reports.scaleUps();
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request).toMatchObject({ template: 'lab-pod', count: 2, instanceIds: BOOKED, schedulerId: 'e2e-scheduler' });
    expect(request.reason).toBe(`forecast: 2 needed by ${new Date(readyAtMs).toISOString()} for 6 booked instances`);
    // One request in the API's book: a repeated forecast of the same need carries the same
    // Idempotency-Key (contract §5), so a call sent again is the same request, never a second one.
    expect(Object.keys(f.api.counts()['scaleUp'] ?? {})).toEqual(['202']);
    expect(watcher.observed.scaleUpSeenAtMs.get(request.requestId)).toBeLessThan(readyAtMs);

    expect(request.workerIds).toHaveLength(2);
    for (const id of request.workerIds) expect(watcher.observed.workerStatuses.get(id)).toEqual(['PENDING', 'STARTING', 'RUNNING']);

    const state = await f.state();
    for (const id of BOOKED) {
      expect({ id, phase: state.instances.get(id)?.phase }).toEqual({ id, phase: 'SCHEDULED' });
      expect(request.workerIds).toContain(state.instances.get(id)?.workerId);
      expect(watcher.observed.scheduledAtMs.get(id)).toBeLessThan(startMs);
    }
    expect(overCommitted(state)).toEqual([]);
  });

  it('in dry run sends nothing and shows the plan on /debug/forecast with requested false', async () => {
    const f = (fixture = await startSchedulerFixture(etcd.endpoints, uniquePrefix('forecast-dry'), config(true), NOOP_LOGGER, { bootWorkers: true }));
    await f.putWorkers([worker('w-small', { capacity: { cpuCores: 2, memoryGb: 8, storageGb: 20 } })]);
    // Slots that start sooner, so the plan's requestAt has already come: dry run is what holds it back.
    const soonMs = Date.now() + LEAD_MS + 2_000;
    await f.putInstances(booked(soonMs));
    f.scheduler.start();

    let view: ForecastView | undefined;
    await waitFor(() => {
      view = f.scheduler.controller.forecastView();
      return view !== undefined && view.plan.length > 0;
    }, { timeoutMs: 30_000, intervalMs: 100, message: 'a forecast with a plan' });
    // Several more intervals past requestAt.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    view = f.scheduler.controller.forecastView();
    expect(view?.plan).toEqual([expect.objectContaining({ template: 'lab-pod', count: 2, instanceIds: BOOKED, requested: false })]);
    expect(view?.plan[0]?.answer).toBeUndefined();
    expect(Date.parse(view?.plan[0]?.requestAt ?? '')).toBeLessThanOrEqual(Date.now());
    expect(view?.shortfalls.map((s) => s.instanceId)).toEqual(BOOKED);
    expect(view?.shortfalls[0]?.message).toMatch(/^0\/1 workers fit: 1 InsufficientCpu$/);
    expect(await f.api.reports.scaleUps()).toEqual([]);
    expect(f.api.counts()['scaleUp']).toBeUndefined();
    expect((await f.state()).workers.size).toBe(1);
  });
});
