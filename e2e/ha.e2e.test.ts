// HA (issue 9): three `node dist/main.js` replicas over one real etcd with a 3 s lease TTL and the
// development API in this process. Exactly one leads; SIGKILL and SIGTERM hand over to a standby,
// which resumes placing; SIGTERM lets a write in flight finish within its bound, else abandons it to
// the fence, and exits 0; replicas sharing an identity do not confuse each other. Placements are
// judged from etcd's own history (each instance starts holding capacity once), not from logs.
import type { EtcdHandle } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import type { HeldSchedule } from '../dev/controlplane-api';
import type { Leadership } from './support/cluster';
import { Cluster, logLines } from './support/cluster';
import type { SchedulerProcess } from './support/scheduler-process';
import { instance, worker } from './support/fleets';

jest.setTimeout(120_000);

describe('leader election across scheduler processes', () => {
  let etcd: EtcdHandle;
  let cluster: Cluster | undefined;

  beforeAll(async () => { etcd = await startEtcd(); });
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });
  afterAll(async () => { await etcd.destroy(); });

  const placedAll = (c: Cluster, ids: readonly string[]) => (): Promise<boolean> => c.hasPlaced(ids);

  /** A cluster whose leader's schedule call for li-1 is held in the API, and that leader, SIGTERMed. */
  const terminateWithHeldWrite = async (name: string, configYaml?: string): Promise<{ c: Cluster; first: Leadership; held: HeldSchedule; proc: SchedulerProcess }> => {
    const c = (cluster = await Cluster.start({ endpoints: etcd.endpoints, prefix: uniquePrefix(name), configYaml }));
    await c.putWorkers([worker('w-1')]);
    const first = await c.waitForSoleLeader();
    const held = c.api.faults.holdNextSchedule();
    await c.putInstances([instance('li-1')]);
    await held.reached;
    await c.signal(first.slot, 'SIGTERM');
    return { c, first, held, proc: c.replica(first.slot).proc };
  };

  it('elects exactly one of three; SIGKILL hands over to a standby that resumes placing; SIGTERM hands over and exits 0', async () => {
    const c = (cluster = await Cluster.start({ endpoints: etcd.endpoints, prefix: uniquePrefix('ha-three') }));
    await c.putWorkers([worker('w-1'), worker('w-2')]);
    const first = await c.waitForSoleLeader();
    const batch1 = ['li-1', 'li-2', 'li-3'];
    await c.putInstances(batch1.map((id) => instance(id)));
    await waitFor(placedAll(c, batch1), { timeoutMs: 30_000, message: 'the first leader to place its instances' });
    expect(c.history.placements.map((p) => p.token)).toEqual([first.token, first.token, first.token]);

    await c.signal(first.slot, 'SIGKILL');
    expect(await c.replica(first.slot).proc.exited).toBe('SIGKILL');
    const second = await c.waitForSoleLeader({ newerThan: first.token });
    expect(second.slot).not.toBe(first.slot);
    const batch2 = ['li-4', 'li-5'];
    await c.putInstances(batch2.map((id) => instance(id)));
    await waitFor(placedAll(c, batch2), { timeoutMs: 30_000, message: 'the second leader to place new instances' });

    await c.signal(second.slot, 'SIGTERM');
    expect(await c.replica(second.slot).proc.exited).toBe(0);
    const resigned = logLines(c.replica(second.slot).proc, 'resigned');
    expect(resigned.map((l) => [l['fencingToken'], l['leaseRevoked']])).toEqual([[second.token, true]]);
    const third = await c.waitForSoleLeader({ newerThan: second.token });
    expect([first.slot, second.slot]).not.toContain(third.slot);
    const batch3 = ['li-6', 'li-7'];
    await c.putInstances(batch3.map((id) => instance(id)));
    await waitFor(placedAll(c, batch3), { timeoutMs: 30_000, message: 'the third leader to place new instances' });

    await c.history.sync();
    expect(c.history.doublePlaced()).toEqual([]);
    const byToken = new Map(c.history.placements.map((p) => [p.instanceId, p.token]));
    expect([...batch2, ...batch3].map((id) => byToken.get(id))).toEqual([second.token, second.token, third.token, third.token]);
    expect(c.history.terms.map((t) => t.token)).toEqual([first.token, second.token, third.token]);
    process.stdout.write(`leader changes:\n${c.history.describeTerms()}\n`);
  });

  it('on SIGTERM finishes a write in flight before revoking its lease, then exits 0', async () => {
    const { c, first, held, proc } = await terminateWithHeldWrite('ha-drain');
    await waitFor(() => logLines(proc, 'shutting down').length === 1, { message: 'the leader to start shutting down' });
    expect((await c.leaderKey())?.token).toBe(first.token); // it keeps its term while the write is in flight
    held.release();
    expect(await proc.exited).toBe(0);
    expect(logLines(proc, 'schedule accepted').map((l) => l['instanceId'])).toEqual(['li-1']);
    expect(logLines(proc, 'stopped').map((l) => l['drained'])).toEqual([true]);
    await c.history.sync();
    expect(c.history.placements.map((p) => [p.instanceId, p.token])).toEqual([['li-1', first.token]]);
    await c.waitForSoleLeader({ newerThan: first.token });
  });

  it('on SIGTERM abandons a write still held after its bound and exits 0; the revoked term fences that write', async () => {
    // A call timeout longer than the shut-down bound, so the held call is still in flight at the bound.
    const { c, first, held, proc } = await terminateWithHeldWrite('ha-abandon', 'controlPlane: {timeoutMs: 30000}\n');
    expect(await proc.exited).toBe(0);
    expect(logLines(proc, 'in-flight writes abandoned at shut-down')).toHaveLength(1);
    expect(logLines(proc, 'resigned').map((l) => l['leaseRevoked'])).toEqual([true]);
    const second = await c.waitForSoleLeader({ newerThan: first.token });
    held.release();
    await waitFor(placedAll(c, ['li-1']), { message: 'the new leader to place the instance' });
    await waitFor(() => c.api.counts()['schedule']?.['409 StaleFencingToken'] === 1, { message: 'the abandoned write to be refused' });
    await c.history.sync();
    expect(c.history.placements.map((p) => [p.instanceId, p.token])).toEqual([['li-1', second.token]]);
  });

  it('does not confuse two replicas with the same identity: the standby takes over once the leader is killed', async () => {
    const c = (cluster = await Cluster.start({ endpoints: etcd.endpoints, prefix: uniquePrefix('ha-twins'), identities: ['twin', 'twin'] }));
    await c.putWorkers([worker('w-1')]);
    const first = await c.waitForSoleLeader();
    await c.waitForReady();
    // The standby learns who leads from its watch of the leader key, a moment after it is ready.
    await waitFor(async () => (await c.views()).every((v) => v?.leaderIdentity === 'twin'), { message: 'both replicas to name the leader' });
    const views = await c.views();
    expect(views.map((v) => v?.leader)).toEqual(first.slot === 0 ? [true, false] : [false, true]);

    await c.signal(first.slot, 'SIGKILL');
    const second = await c.waitForSoleLeader({ newerThan: first.token });
    expect(second.slot).toBe(1 - first.slot);
    await c.putInstances([instance('li-1')]);
    await waitFor(placedAll(c, ['li-1']), { timeoutMs: 30_000, message: 'the twin to place an instance' });
    expect(c.history.placements.map((p) => p.token)).toEqual([second.token]);
  });
});
