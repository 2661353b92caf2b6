// HA under faults (issue 9; contract §1 leader key, §2 fencing): `node dist/main.js` replicas with a
// 3 s lease TTL over a real etcd and the development API in this process. A schedule request held in
// the API until a new leader exists is refused StaleFencingToken; a leader frozen past its TTL steps
// down when continued without sending anything; with etcd stopped past the TTL nobody calls the API,
// and exactly one leader follows once it returns. Every instance is placed once, by etcd's history.
import type { EtcdHandle } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import type { Leadership } from './support/cluster';
import { Cluster, logLines } from './support/cluster';
import { instance, worker } from './support/fleets';

jest.setTimeout(120_000);

const TTL_MS = 3_000;

describe('fencing and failover under faults', () => {
  let etcd: EtcdHandle;
  let cluster: Cluster | undefined;

  beforeAll(async () => { etcd = await startEtcd(); });
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });
  afterAll(async () => { await etcd.destroy(); });

  const scheduleCounts = (c: Cluster): Record<string, number> => ({ ...(c.api.counts()['schedule'] ?? {}) });
  const placedAll = (c: Cluster, ids: readonly string[]) => (): Promise<boolean> => c.hasPlaced(ids);

  /** A cluster whose leader keeps calling for `count` instances, every call answered 503 for now. */
  const leaderRetrying = async (name: string, count: number): Promise<{ c: Cluster; first: Leadership; batch: string[] }> => {
    const c = (cluster = await Cluster.start({ endpoints: etcd.endpoints, prefix: uniquePrefix(name) }));
    await c.putWorkers([worker('w-1'), worker('w-2')]);
    const first = await c.waitForSoleLeader();
    await c.waitForReady();
    c.api.faults.set({ seed: 1, rules: [{ route: 'schedule', kind: 'status503', retryAfterSeconds: 1 }] });
    const batch = Array.from({ length: count }, (_, i) => `li-${i + 1}`);
    await c.putInstances(batch.map((id) => instance(id)));
    await waitFor(() => (scheduleCounts(c)['fault status503 before'] ?? 0) >= count, { message: 'the leader to be calling the API' });
    return { c, first, batch };
  };

  it('refuses a held schedule request committed after a new leader exists with StaleFencingToken, and places the instance once', async () => {
    const c = (cluster = await Cluster.start({ endpoints: etcd.endpoints, prefix: uniquePrefix('ha-fence') }));
    await c.putWorkers([worker('w-1'), worker('w-2')]);
    const first = await c.waitForSoleLeader();
    await c.waitForReady();

    const oldCall = c.api.faults.holdNextSchedule();
    await c.putInstances([instance('li-held')]);
    await oldCall.reached; // the first leader's call passed every check, token included, and waits
    await c.signal(first.slot, 'SIGSTOP'); // a pause long enough for its lease to expire
    const newCall = c.api.faults.holdNextSchedule();
    const second = await c.waitForSoleLeader({ newerThan: first.token });
    await newCall.reached; // the new leader decided on the same, still PENDING, instance

    // Only the token stands between the old call and a commit: the instance is unchanged since it was checked.
    oldCall.release();
    await waitFor(() => scheduleCounts(c)['409 StaleFencingToken'] === 1, { message: 'the held call to be answered StaleFencingToken' });
    newCall.release();
    await waitFor(placedAll(c, ['li-held']), { message: 'the new leader to place the instance' });

    await c.signal(first.slot, 'SIGCONT');
    await waitFor(async () => (await c.views())[first.slot]?.leader === false, { message: 'the continued replica to say it does not lead' });
    await c.history.sync();
    expect(c.history.placements.map((p) => [p.instanceId, p.token])).toEqual([['li-held', second.token]]);
    expect(scheduleCounts(c)).toEqual({ '200': 1, '409 StaleFencingToken': 1 });
    const old = c.replica(first.slot).proc;
    expect(logLines(old, 'schedule accepted')).toEqual([]);
    expect(logLines(old, 'lost leadership').map((l) => l['fencingToken'])).toEqual([first.token]);
  });

  it('steps a leader frozen past its TTL down when continued, before it sends anything', async () => {
    // The leader's calls fail for now, so it is mid-retry (client backoff, queue backoff) when frozen.
    const { c, first, batch } = await leaderRetrying('ha-frozen', 20);

    await c.signal(first.slot, 'SIGSTOP');
    c.api.faults.clear();
    const second = await c.waitForSoleLeader({ newerThan: first.token });
    await waitFor(placedAll(c, batch), { message: 'the new leader to place every instance' });
    const before = scheduleCounts(c);
    const old = c.replica(first.slot).proc;
    const linesBefore = old.output.length;

    await c.signal(first.slot, 'SIGCONT');
    await waitFor(() => logLines(old, 'lost leadership').length > 0, { message: 'the continued replica to log that it lost leadership' });
    await waitFor(async () => (await c.views())[first.slot]?.fencingToken === String(second.token), { message: 'the continued replica to see the new term' });
    // Give a call it might still send time to arrive: none may.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(scheduleCounts(c)).toEqual(before);
    expect(old.output.slice(linesBefore).filter((l) => l.includes('"message":"schedule accepted"'))).toEqual([]);
    expect((await c.views())[first.slot]).toMatchObject({ leader: false, leaderIdentity: c.identities[second.slot] });
    await c.history.sync();
    expect(c.history.doublePlaced()).toEqual([]);
    expect(new Set(c.history.placements.map((p) => p.token))).toEqual(new Set([second.token]));
  });

  it('writes nothing while etcd is stopped past the TTL, and has exactly one leader once it returns', async () => {
    const { c, first, batch } = await leaderRetrying('ha-etcd-down', 10);

    await etcd.stop();
    // Within two thirds of the TTL (plus one call's timeout) the leader stops by itself.
    await waitFor(async () => (await c.views()).every((v) => v?.leader === false), { timeoutMs: 15_000, message: 'no replica to lead with etcd down' });
    const quiet = scheduleCounts(c);
    const downUntil = performance.now() + TTL_MS + 1_000;
    while (performance.now() < downUntil) {
      expect((await c.views()).filter((v) => v?.leader === true)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(scheduleCounts(c)).toEqual(quiet);
    c.api.faults.clear();

    await etcd.restart();
    const next = await c.waitForSoleLeader({ newerThan: first.token, timeoutMs: 60_000 });
    await waitFor(placedAll(c, batch), { timeoutMs: 60_000, message: 'every instance to be placed after etcd returned' });
    for (let i = 0; i < 5; i++) {
      const leading = (await c.views()).flatMap((v, slot) => (v?.leader === true ? [slot] : []));
      expect(leading).toEqual([next.slot]);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await c.history.sync();
    expect(c.history.doublePlaced()).toEqual([]);
    expect(new Set(c.history.placements.map((p) => p.token)).has(first.token)).toBe(false);
  });
});
