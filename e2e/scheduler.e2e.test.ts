// The scheduler's main job on real etcd with the development API over HTTP (issue 8): every
// placeable instance SCHEDULED exactly once, no worker over-committed, every unplaceable one reported
// with its reasons; also under faults, for a worker added later, and for DRAINING workers. Each runs
// against the development API answering in full and answering the least contract §2 allows (issue 17).
import { ANSWER_MODES } from '../dev/controlplane-api';
import type { AnswerMode } from '../dev/controlplane-api';
import type { EtcdHandle } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import type { FleetState, SchedulerFixture } from './support/scheduler-fixture';
import { overCommitted, startSchedulerFixture } from './support/scheduler-fixture';
import { instance, mixedFleet, worker } from './support/fleets';

jest.setTimeout(180_000);

describe.each(ANSWER_MODES)('the scheduler on real etcd, the API answering in %s', (mode: AnswerMode) => {
  let etcd: EtcdHandle;
  let fixture: SchedulerFixture | undefined;
  const start = async (name: string, configYaml?: string): Promise<SchedulerFixture> => {
    const f = await startSchedulerFixture(etcd.endpoints, uniquePrefix(`${name}-${mode}`), configYaml);
    f.api.setAnswerMode(mode);
    return f;
  };

  beforeAll(async () => { etcd = await startEtcd(); });
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });
  afterAll(async () => { await etcd.destroy(); });

  const scheduledCount = (state: FleetState): number => [...state.instances.values()].filter((i) => i.phase === 'SCHEDULED').length;

  it('places 2,000 instances of mixed shapes on 200 workers exactly once and reports the rest with their reasons', async () => {
    const f = (fixture = await start('mixed'));
    const fleet = mixedFleet();
    await f.putWorkers(fleet.workers);
    await f.putInstances(fleet.instances);
    f.scheduler.start();

    await waitFor(async () => scheduledCount(await f.state()) >= fleet.placeable.size, { timeoutMs: 120_000, intervalMs: 500, message: `${fleet.placeable.size} instances to be SCHEDULED` });
    await waitFor(async () => {
      for (const id of fleet.unplaceable.keys()) if ((await f.api.reports.report(id)) === undefined) return false;
      return true;
    }, { timeoutMs: 60_000, intervalMs: 500, message: 'every unplaceable instance to be reported' });

    const state = await f.state();
    for (const [id, i] of state.instances) {
      if (fleet.placeable.has(id)) expect({ id, phase: i.phase }).toEqual({ id, phase: 'SCHEDULED' });
      else expect({ id, phase: i.phase, workerId: i.workerId }).toEqual({ id, phase: 'PENDING', workerId: undefined });
    }
    expect(overCommitted(state)).toEqual([]);
    const onDraining = [...state.instances.values()].filter((i) => i.workerId?.startsWith('w-drn-'));
    expect(onDraining).toEqual([]);
    // Exactly once: one schedule call per placed instance, each answered 200, and one report per
    // unplaceable instance (its message cannot be sent again within reports.minIntervalSeconds).
    expect(f.api.counts()['schedule']).toEqual({ 200: fleet.placeable.size });
    expect(f.api.counts()['unschedulable']).toEqual({ 200: fleet.unplaceable.size });

    for (const [id, reason] of fleet.unplaceable) {
      const report = await f.api.reports.report(id);
      expect(report?.message).toMatch(/^0\/200 workers fit: /);
      expect(Object.keys(report?.reasons ?? {})).toContain(reason);
      expect(Object.values(report?.reasons ?? {}).reduce((a, b) => a + b, 0)).toBe(200);
    }
  });

  it('loses and doubles nothing when 30% of calls fail with 500 or hang', async () => {
    const f = (fixture = await start('faults', 'controlPlane: {timeoutMs: 500}\nrequeue: {baseDelayMs: 50, maxDelayMs: 1000}'));
    f.api.faults.set({ seed: 7, rules: [
      { route: 'schedule', kind: 'status500', share: 0.15, when: 'before' },
      { route: 'schedule', kind: 'status500', share: 0.1, when: 'after' },
      { route: 'schedule', kind: 'hang', share: 0.08, when: 'before' },
    ] });
    const workers = Array.from({ length: 20 }, (_, i) => worker(`w-${i + 1}`, { capacity: { cpuCores: 8, memoryGb: 32, storageGb: 100 } }));
    const instances = Array.from({ length: 150 }, (_, i) => instance(`li-${i + 1}`, {}, { cpuCores: 1, memoryGb: 4, storageGb: 10 }));
    await f.putWorkers(workers);
    await f.putInstances(instances);
    f.scheduler.start();
    await waitFor(async () => scheduledCount(await f.state()) === 150, { timeoutMs: 120_000, intervalMs: 500, message: 'all 150 instances to be SCHEDULED despite faults' });
    const state = await f.state();
    expect(overCommitted(state)).toEqual([]);
    const counts = f.api.counts()['schedule'] ?? {};
    expect(Object.keys(counts).length).toBeGreaterThan(1); // faults did fire
    expect(f.api.faults.describe().rules.every((r) => r.fired > 0)).toBe(true);
  });

  it('places waiting instances on a worker added later, without relying on the resync', async () => {
    const f = (fixture = await start('late-worker', 'reconcile: {resyncIntervalSeconds: 3600}'));
    await f.putWorkers([worker('w-small', { capacity: { cpuCores: 2, memoryGb: 8, storageGb: 20 } })]);
    await f.putInstances(Array.from({ length: 5 }, (_, i) => instance(`li-${i + 1}`, {}, { cpuCores: 2, memoryGb: 4, storageGb: 10 })));
    f.scheduler.start();
    await waitFor(async () => scheduledCount(await f.state()) === 1, { timeoutMs: 30_000, message: 'the one instance that fits to be SCHEDULED' });
    await waitFor(async () => (await f.api.reports.report('li-5')) !== undefined || (await f.api.reports.report('li-1')) !== undefined, { timeoutMs: 30_000, message: 'the others to be reported unschedulable' });
    await f.putWorkers([worker('w-big', { capacity: { cpuCores: 64, memoryGb: 256, storageGb: 500 } })]);
    await waitFor(async () => scheduledCount(await f.state()) === 5, { timeoutMs: 30_000, message: 'the waiting instances to land on the new worker' });
    const state = await f.state();
    expect([...state.instances.values()].filter((i) => i.workerId === 'w-big')).toHaveLength(4);
    expect(f.api.counts()['schedule']).toEqual({ 200: 5 });
  });

  it('asks for a worker of a fitting template when nothing fits, once per cooldown, and places on the worker that arrives', async () => {
    const config = `scaleUp:
  enabled: true
  cooldownSeconds: 600
  templates:
    - {name: multi-sessions, license: enterprise, cmlVersion: 2.9.1, nodeDefinitions: [iosv], capacity: {cpuCores: 48, memoryGb: 192, storageGb: 256}}
requeue: {baseDelayMs: 100, maxDelayMs: 400}`;
    const f = (fixture = await start('scale-up', config));
    await f.putWorkers([worker('w-small', { capacity: { cpuCores: 2, memoryGb: 8, storageGb: 20 } })]);
    await f.putInstances([instance('li-a', {}, { cpuCores: 8, nodeDefinitions: ['iosv'] }), instance('li-b', {}, { cpuCores: 8 })]);
    f.scheduler.start();
    await waitFor(async () => (await f.api.reports.scaleUps()).length > 0, { timeoutMs: 30_000, message: 'a scale-up request' });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // several retries of the waiting instances
    const requests = await f.api.reports.scaleUps();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ template: 'multi-sessions', schedulerId: 'e2e-scheduler' });
    expect(requests[0]?.instanceIds.length).toBeGreaterThanOrEqual(1);
    expect([...(requests[0]?.instanceIds ?? [])].every((id) => ['li-a', 'li-b'].includes(id))).toBe(true);
    await f.putWorkers([worker('w-new', { template: 'multi-sessions', status: 'STARTING', capacity: { cpuCores: 48, memoryGb: 192, storageGb: 256 } })]);
    await f.putWorkers([worker('w-new', { template: 'multi-sessions', status: 'RUNNING', capacity: { cpuCores: 48, memoryGb: 192, storageGb: 256 } })]);
    await waitFor(async () => scheduledCount(await f.state()) === 2, { timeoutMs: 30_000, message: 'both instances placed on the new worker' });
    expect((await f.api.reports.scaleUps())).toHaveLength(1);
    expect(f.api.counts()['scaleUp']).toEqual({ 202: 1 });
    expect(f.api.counts()['schedule']).toEqual({ 200: 2 });
  });
});
