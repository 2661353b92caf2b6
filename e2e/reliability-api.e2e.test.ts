// A misbehaving Control Plane API (issue 13; contract §2), driven through the development API's fault
// knobs over real etcd with the scheduler in this process. Every fault kind on a seeded share of
// calls, both before the call is processed and after it committed (its answer lost): every placeable
// instance ends SCHEDULED exactly once, no worker over-committed, nothing written without leadership,
// a 401 said clearly. Then each refusal the contract names (each 409, each 404), provoked for real by
// changing etcd while a checked schedule call is held: the scheduler does what §2 says for each.
// Last, full outages of each kind against the service process: the calls reaching the API stay within
// the backoff, the Retry-After and the rate limit its configuration sets (from the API's counters).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultKind } from '../dev/controlplane-api';
import type { EtcdHandle } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import { instance, worker } from './support/fleets';
import { PrefixHistory } from './support/history';
import { LogCapture } from './support/log-capture';
import type { SchedulerFixture } from './support/scheduler-fixture';
import { overCommitted, startSchedulerFixture } from './support/scheduler-fixture';
import { countDuringOutage } from './support/api-outage';
import type { SchedulerProcess } from './support/scheduler-process';
import { startScheduler } from './support/scheduler-process';
import { leaderKey } from '../pkg/objects';

/** SOAK=1: ten times the fleet and workload in the fault-share test. */
const SCALE = process.env['SOAK'] === '1' ? 10 : 1;
jest.setTimeout(120_000 * SCALE);

/** Two such workers in the refusals test: room for every instance on the one left when the other refuses. */
const CAPACITY = { cpuCores: 8, memoryGb: 32, storageGb: 100 };
const CONFIG = 'controlPlane: {timeoutMs: 300}\nrequeue: {baseDelayMs: 50, maxDelayMs: 1000}\nreports: {minIntervalSeconds: 1}\n';

describe('a misbehaving Control Plane API', () => {
  let etcd: EtcdHandle;
  let fixture: SchedulerFixture | undefined;
  let history: PrefixHistory | undefined;

  beforeAll(async () => { etcd = await startEtcd(); });
  afterEach(async () => {
    await history?.close();
    await fixture?.close();
    fixture = undefined;
    history = undefined;
  });
  afterAll(async () => { await etcd.destroy(); });

  async function start(name: string, log = new LogCapture()): Promise<{ f: SchedulerFixture; h: PrefixHistory; log: LogCapture }> {
    const f = (fixture = await startSchedulerFixture(etcd.endpoints, uniquePrefix(name), CONFIG, log));
    const h = (history = await PrefixHistory.start(f.store, f.prefix));
    return { f, h, log };
  }

  const phaseOf = async (f: SchedulerFixture, id: string): Promise<string | undefined> => (await f.state()).instances.get(id)?.phase;
  const tokenNow = async (f: SchedulerFixture): Promise<number> => (await f.store.get(leaderKey(f.prefix)))?.createRevision ?? 0;

  it('places every placeable instance exactly once while each fault kind hits a seeded share of calls', async () => {
    const { f, h, log } = await start('api-shares');
    f.api.faults.set({ seed: 13, rules: [
      // Schedule calls: a seeded share of each kind, before processing or after the commit.
      { route: 'schedule', kind: 'hang', share: 0.04 },
      { route: 'schedule', kind: 'hang', share: 0.04, when: 'after' },
      { route: 'schedule', kind: 'status401', share: 0.04, count: 3 },
      { route: 'schedule', kind: 'status503', share: 0.05, retryAfterSeconds: 1, count: 1 },
      { route: 'schedule', kind: 'status429', share: 0.05, retryAfterSeconds: 1, count: 1 },
      { route: 'schedule', kind: 'malformedJson', share: 0.05, when: 'after' },
      { route: 'schedule', kind: 'reset', share: 0.05 },
      { route: 'schedule', kind: 'reset', share: 0.05, when: 'after' },
      { route: 'schedule', kind: 'status500', share: 0.08 },
      { route: 'schedule', kind: 'status500', share: 0.05, when: 'after' },
      // Reports are few: their first calls each get one fault, in turn.
      { route: 'unschedulable', kind: 'status500', count: 2 },
      { route: 'unschedulable', kind: 'reset', count: 2 },
      { route: 'unschedulable', kind: 'hang', count: 1 },
      { route: 'unschedulable', kind: 'status503', retryAfterSeconds: 1, count: 1 },
      { route: 'unschedulable', kind: 'malformedJson', when: 'after', count: 1 },
    ] });
    const workers = Array.from({ length: 12 * SCALE }, (_, i) => worker(`w-${i + 1}`, { capacity: { cpuCores: 8, memoryGb: 32, storageGb: 100 } }));
    const placeable = Array.from({ length: 80 * SCALE }, (_, i) => instance(`li-${i + 1}`, {}, { cpuCores: 1, memoryGb: 2, storageGb: 5 }));
    const unplaceable = Array.from({ length: 6 }, (_, i) => instance(`li-big-${i + 1}`, {}, { cpuCores: 16, memoryGb: 2, storageGb: 5 }));
    await f.putWorkers(workers);
    await f.putInstances([...placeable, ...unplaceable]);
    f.scheduler.start();
    await waitFor(async () => (await tokenNow(f)) > 0, { message: 'a leader key' });
    const token = await tokenNow(f);

    await waitFor(async () => {
      const state = await f.state();
      return placeable.every((i) => state.instances.get(i.id)?.phase === 'SCHEDULED');
    }, { timeoutMs: 60_000 * SCALE, intervalMs: 250, message: `all ${placeable.length} placeable instances to be SCHEDULED despite the faults` });
    await waitFor(async () => {
      for (const i of unplaceable) if ((await f.api.reports.report(i.id)) === undefined) return false;
      return true;
    }, { timeoutMs: 30_000, intervalMs: 250, message: 'every unplaceable instance to be reported' });
    const fired = f.api.faults.describe().rules.map((r) => `${r.route} ${r.kind} ${r.when}: ${r.fired}`);
    f.api.faults.clear();

    expect(fired.filter((r) => r.endsWith(': 0'))).toEqual([]); // every kind did fire
    await h.sync();
    const state = await f.state();
    expect(h.doublePlaced()).toEqual([]);
    expect([...h.placementCounts().keys()].sort()).toEqual(placeable.map((i) => i.id).sort());
    expect(h.placements.filter((p) => p.token !== token)).toEqual([]); // no write outside the term
    expect(overCommitted(state)).toEqual([]);
    for (const i of unplaceable) expect(state.instances.get(i.id)).toMatchObject({ phase: 'PENDING', workerId: undefined });
    const schedule = f.api.counts()['schedule'] ?? {};
    expect(schedule['409 StaleFencingToken']).toBeUndefined();
    // A 401 is said clearly, once per refused call, and the instance waits (requeue.maxDelayMs) rather than loops.
    expect(log.withMessage('schedule refused: the Control Plane API rejected our API key', 'error')).toHaveLength(schedule['fault status401 before'] ?? -1);
  });

  it('does what contract §2 says for each refusal, provoked while a checked schedule call is held', async () => {
    const { f, h } = await start('api-refusals');
    await f.putWorkers([worker('w-a', { capacity: CAPACITY }), worker('w-b', { capacity: CAPACITY })]);
    f.scheduler.start();
    await waitFor(() => f.scheduler.controller.isPlacing(), { message: 'the scheduler to lead and place' });
    const firstToken = await tokenNow(f);
    const count = (label: string): number => f.api.counts()['schedule']?.[label] ?? 0;

    /** Holds the next schedule call, writes the instance, and once the call waits runs meddle(target worker). */
    async function refused(id: string, label: string, meddle: (target: string) => Promise<unknown>, cpuCores = 1): Promise<string> {
      const held = f.api.faults.holdNextSchedule();
      await f.putInstances([instance(id, {}, { cpuCores, memoryGb: 1, storageGb: 1 })]);
      await held.reached;
      const target = f.scheduler.controller.decision(id)?.workerId ?? '';
      expect(['w-a', 'w-b']).toContain(target);
      await meddle(target);
      const before = count(label);
      held.release();
      await waitFor(() => count(label) === before + 1, { message: `the held call for ${id} to be answered ${label}` });
      return target;
    }
    const other = (w: string): string => (w === 'w-a' ? 'w-b' : 'w-a');
    const placedOn = async (id: string): Promise<string | undefined> => {
      await waitFor(async () => (await phaseOf(f, id)) === 'SCHEDULED', { message: `${id} to be SCHEDULED` });
      return (await f.state()).instances.get(id)?.workerId;
    };

    // StaleRevision: the instance changed after the decision; the scheduler looks again and places it.
    await refused('li-rev', '409 StaleRevision', () => f.api.objects.putInstance(instance('li-rev', { priority: 5 }, { cpuCores: 1, memoryGb: 1, storageGb: 1 })));
    expect(await placedOn('li-rev')).toMatch(/^w-[ab]$/);

    // NotPending: someone else moved it on; the scheduler lets it be.
    await refused('li-np', '409 NotPending', () => f.api.objects.setPhase('li-np', 'STOPPED'));

    // WorkerNotAvailable: the chosen worker started draining; another worker gets the instance.
    const drained = await refused('li-wna', '409 WorkerNotAvailable', (t) => f.api.objects.putWorker(worker(t, { status: 'DRAINING', capacity: CAPACITY })));
    expect(await placedOn('li-wna')).toBe(other(drained));
    await f.api.objects.putWorker(worker(drained, { capacity: CAPACITY }));

    // InsufficientCapacity: another placement filled the chosen worker; the other one gets it.
    const full = await refused('li-cap', '409 InsufficientCapacity', async (t) => {
      const free = CAPACITY.cpuCores - [...(await f.state()).instances.values()].filter((i) => i.holds && i.workerId === t).reduce((s, i) => s + i.cpuMilli / 1000, 0);
      await f.api.objects.putInstance(instance('li-filler', { phase: 'SCHEDULED', workerId: t }, { cpuCores: free - 1, memoryGb: 1, storageGb: 1 }));
    }, 2);
    expect(await placedOn('li-cap')).toBe(other(full));

    // WorkerNotFound (404): the chosen worker was deleted; the other one gets it.
    await f.api.objects.deleteInstance('li-filler');
    const gone = await refused('li-wnf', '404 WorkerNotFound', (t) => f.api.objects.deleteWorker(t));
    expect(await placedOn('li-wnf')).toBe(other(gone));
    await f.api.objects.putWorker(worker(gone, { capacity: CAPACITY }));

    // InstanceNotFound (404): the instance was deleted; nothing more to do.
    await refused('li-inf', '404 InstanceNotFound', () => f.api.objects.deleteInstance('li-inf'));

    // StaleFencingToken: the term ended under the call (its leader key gone): stop, re-elect, place once.
    await refused('li-fence', '409 StaleFencingToken', () => f.store.txn([], [{ type: 'delete', key: leaderKey(f.prefix) }]));
    await placedOn('li-fence');
    const secondToken = await tokenNow(f);
    expect(secondToken).toBeGreaterThan(firstToken);

    await h.sync();
    expect(h.doublePlaced()).toEqual([]);
    expect(h.placements.map((p) => [p.instanceId, p.token === 0 ? 'no term' : 'a term'])).toEqual(
      [['li-rev', 'a term'], ['li-wna', 'a term'], ['li-filler', 'a term'], ['li-cap', 'a term'], ['li-wnf', 'a term'], ['li-fence', 'a term']],
    );
    expect(h.placements.find((p) => p.instanceId === 'li-fence')?.token).toBe(secondToken);
    expect(await phaseOf(f, 'li-np')).toBe('STOPPED');
    expect(overCommitted(await f.state())).toEqual([]);
  });

  describe('as full outages, against the service process (node dist/main.js)', () => {
    /** The service's limits in this test: the bounds below are computed from them. */
    const LIMITS = { qps: 10, burst: 5, timeoutMs: 500, workers: 4, baseDelayMs: 200, maxDelayMs: 2_000, clientAttempts: 4 };
    const WINDOW_MS = 1_000;
    let proc: SchedulerProcess | undefined;
    let dir: string | undefined;

    afterEach(async () => {
      proc?.kill('SIGKILL');
      await proc?.exited;
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    /** Reconcile tries of one key within windowMs: the first, then one after each requeue delay that still fits. */
    const triesWithin = (windowMs: number): number => {
      let tries = 1;
      for (let delay = LIMITS.baseDelayMs, spent = delay; spent <= windowMs; delay = Math.min(2 * delay, LIMITS.maxDelayMs), spent += delay) tries += 1;
      return tries;
    };

    it('keeps calls within the backoff, Retry-After and the rate limit during each outage, then places everything once', async () => {
      const f = (fixture = await startSchedulerFixture(etcd.endpoints, uniquePrefix('api-outage'))); // its API only: the service places
      const h = (history = await PrefixHistory.start(f.store, f.prefix));
      dir = await mkdtemp(join(tmpdir(), 'reliability-api-'));
      const configFile = join(dir, 'config.yaml');
      await writeFile(configFile, [
        `controlPlane: {timeoutMs: ${LIMITS.timeoutMs}, qps: ${LIMITS.qps}, burst: ${LIMITS.burst}}`,
        `requeue: {baseDelayMs: ${LIMITS.baseDelayMs}, maxDelayMs: ${LIMITS.maxDelayMs}}`,
        `reconcile: {workers: ${LIMITS.workers}}`,
      ].join('\n'));
      await f.putWorkers([worker('w-1'), worker('w-2'), worker('w-3')]);
      const p = (proc = await startScheduler({ ETCD_ENDPOINTS: etcd.endpoints.join(','), ETCD_PREFIX: f.prefix, CONTROL_PLANE_API_URL: f.api.url, CONFIG_FILE: configFile, SCHEDULER_ID: 'outage' }));
      await waitFor(async () => ((await p.get('/debug/leader')).body as { leader?: boolean }).leader === true, { timeoutMs: 30_000, message: 'the service to lead' });
      /** Counts the calls of a window of a full outage of kind and checks them against the service's limits. */
      async function outage(kind: FaultKind, ids: readonly string[], windowMs: number): Promise<number> {
        const { calls, elapsedMs } = await countDuringOutage(f, kind, ids, windowMs);
        expect(calls).toBeLessThanOrEqual((LIMITS.qps * elapsedMs) / 1000 + LIMITS.burst + 1); // the client's token bucket (+1: a call already on its way)
        if (kind === 'status503' || kind === 'status429') expect(calls).toBeLessThanOrEqual(LIMITS.workers * (elapsedMs / 1000 + 1)); // Retry-After holds every call
        if (kind === 'hang') expect(calls).toBeLessThanOrEqual(LIMITS.workers * (elapsedMs / LIMITS.timeoutMs + 1)); // each call waits out its timeout
        return calls;
      }

      // One instance alone against 500s: its calls stay within the client's attempts x the requeue backoff.
      const alone = await outage('status500', ['li-alone'], 2_000);
      expect(alone).toBeLessThanOrEqual(LIMITS.clientAttempts * triesWithin(2_000));
      // No malformedJson: it comes with a 200, a definite success (contract §2, v1.1), so it is no outage.
      const kinds: FaultKind[] = ['status503', 'status429', 'reset', 'hang', 'status500'];
      const all = ['li-alone'];
      for (const kind of kinds) {
        const ids = Array.from({ length: 6 }, (_, i) => `li-${kind}-${i}`);
        all.push(...ids);
        await outage(kind, ids, WINDOW_MS);
      }
      f.api.faults.clear();
      await waitFor(async () => {
        const state = await f.state();
        return all.every((id) => state.instances.get(id)?.phase === 'SCHEDULED');
      }, { timeoutMs: 30_000, intervalMs: 200, message: 'every instance to be placed once the API recovered' });
      await h.sync();
      expect(h.doublePlaced()).toEqual([]);
      expect(h.placements).toHaveLength(all.length);
      expect(overCommitted(await f.state())).toEqual([]);
      expect(p.output.filter((l) => l.includes('"level":"error"') && !l.includes('control plane'))).toEqual([]);
    });
  });
});
