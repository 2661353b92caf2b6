// A misbehaving etcd (issue 13), with the scheduler in this process and the development API over
// HTTP. One member: killed and restarted, frozen (SIGSTOP, the slowest etcd), the scheduler's TCP
// path cut while etcd keeps changing (its watch silent), once more with history compacted past the
// watch. Three members, ETCD_ENDPOINTS naming all three: the member carrying the scheduler's watch
// killed, then (after it rejoined) the raft leader. Each time: every placeable instance placed once,
// no worker over-committed, nothing written outside a term, and the cache equal to etcd key by key.
import { leaderKey } from '../pkg/objects';
import type { Store } from '../pkg/store';
import { EtcdStore } from '../pkg/store';
import type { TcpProxy } from './harness';
import { startTcpProxy, uniquePrefix, waitFor } from './harness';
import { EtcdCluster } from './support/etcd-cluster';
import { instance, worker } from './support/fleets';
import { PrefixHistory } from './support/history';
import { LogCapture } from './support/log-capture';
import type { SchedulerFixture } from './support/scheduler-fixture';
import { overCommitted, startSchedulerFixture } from './support/scheduler-fixture';

/** SOAK=1: the single-member fault cycle five times over. */
const CYCLES = process.env['SOAK'] === '1' ? 5 : 1;
jest.setTimeout(180_000 * CYCLES);

const CONFIG = 'controlPlane: {timeoutMs: 1000}\nrequeue: {baseDelayMs: 50, maxDelayMs: 1000}\nleaderElection: {leaseTtlSeconds: 10}\n';
const SMALL = { cpuCores: 1, memoryGb: 1, storageGb: 1 };

interface Rig {
  readonly f: SchedulerFixture;
  readonly h: PrefixHistory;
  /** A client straight to etcd (all members), never through a proxy. */
  readonly direct: Store;
  readonly log: LogCapture;
}

describe('a misbehaving etcd', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function rig(name: string, cluster: EtcdCluster, schedulerEndpoints: readonly string[]): Promise<Rig> {
    const log = new LogCapture();
    const f = await startSchedulerFixture(schedulerEndpoints, uniquePrefix(name), CONFIG, log);
    cleanups.push(() => f.close());
    const direct = await EtcdStore.connect({ endpoints: cluster.endpoints });
    cleanups.push(() => direct.close());
    const h = await PrefixHistory.start(direct, f.prefix);
    cleanups.push(() => h.close());
    return { f, h, direct, log };
  }

  async function proxyTo(clientUrl: string): Promise<TcpProxy> {
    const url = new URL(clientUrl);
    const proxy = await startTcpProxy(url.hostname, Number(url.port));
    cleanups.push(() => proxy.close());
    return proxy;
  }

  /**
   * Writes n small placeable instances (through the API, or straight to etcd) and returns their ids.
   * Each write is repeated until it has landed (a call may reach a member just killed), and never
   * once it has: rewriting an instance already placed would put it back to PENDING.
   */
  async function batch(r: Rig, name: string, n: number, straight = false): Promise<string[]> {
    const docs = Array.from({ length: n }, (_, i) => instance(`li-${name}-${i}`, {}, SMALL));
    await Promise.all(docs.map(async (doc) => {
      const key = `${r.f.prefix}/instances/${doc.id}`;
      await waitFor(async () => {
        if ((await r.direct.get(key)) !== undefined) return true;
        if (straight) await r.direct.txn([{ key, target: 'createRevision', op: '=', value: 0 }], [{ type: 'put', key, value: JSON.stringify(doc) }]);
        else await r.f.api.objects.putInstance(doc);
        return true;
      }, { message: `the test's write of ${doc.id} to land` });
    }));
    return docs.map((d) => d.id);
  }

  async function placed(r: Rig, ids: readonly string[], what: string): Promise<void> {
    await waitFor(async () => {
      await r.h.sync();
      const counts = r.h.placementCounts();
      return ids.every((id) => counts.has(id));
    }, { timeoutMs: 60_000, intervalMs: 200, message: `${ids.length} instances to be placed ${what}` });
  }

  /** The invariants, judged from etcd's own history and content. */
  async function expectInvariants(r: Rig, placeable: readonly string[]): Promise<void> {
    await r.h.sync();
    expect(r.h.doublePlaced()).toEqual([]);
    expect([...r.h.placementCounts().keys()].sort()).toEqual([...placeable].sort());
    expect(r.h.placements.filter((p) => p.token === 0)).toEqual([]);
    expect(overCommitted(await r.f.state())).toEqual([]);
  }

  /** The scheduler's cache equals etcd under PREFIX/, key by key: raw mirror and typed objects. */
  async function expectConverged(r: Rig): Promise<void> {
    await r.h.sync(); // writes a key under PREFIX/: the newest revision there
    const listed = await r.direct.list(`${r.f.prefix}/`);
    const newest = Math.max(...listed.kvs.map((kv) => kv.modRevision));
    const { informer, cache } = r.f.scheduler;
    await waitFor(() => informer.revision() >= newest, { timeoutMs: 30_000, message: `the cache to reach revision ${newest}` });
    const fromEtcd = new Map(listed.kvs.map((kv) => [kv.key, `${kv.modRevision}:${kv.value.toString('base64')}`]));
    const fromCache = new Map([...informer.entries()].map(([key, kv]) => [key, `${kv.modRevision}:${kv.value.toString('base64')}`]));
    const differing = [...new Set([...fromEtcd.keys(), ...fromCache.keys()])].filter((k) => fromEtcd.get(k) !== fromCache.get(k));
    expect(differing).toEqual([]);
    for (const kv of listed.kvs) {
      const [, kind, id] = /\/(instances|workers)\/([^/]+)$/.exec(kv.key) ?? [];
      const typed = kind === 'instances' ? cache.instance(id ?? '') : kind === 'workers' ? cache.worker(id ?? '') : undefined;
      if (kind !== undefined) expect({ key: kv.key, modRevision: typed?.modRevision }).toEqual({ key: kv.key, modRevision: kv.modRevision });
    }
    expect(cache.currentLeader()?.createRevision).toBe((await r.direct.get(leaderKey(r.f.prefix)))?.createRevision);
  }

  it('one member killed, restarted, frozen, cut off while changing and compacted: nothing lost or doubled, the cache converges', async () => {
    const cluster = await EtcdCluster.start(1);
    cleanups.push(() => cluster.destroy());
    const member = cluster.member(0);
    const proxy = await proxyTo(member.clientUrl);
    const r = await rig('etcd-single', cluster, [`http://${proxy.address}`]);
    await r.f.putWorkers(Array.from({ length: 8 * CYCLES }, (_, i) => worker(`w-${i + 1}`, { capacity: { cpuCores: 16, memoryGb: 64, storageGb: 100 } })));
    r.f.scheduler.start();
    const placeable: string[] = [];

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // Killed and restarted while instances wait.
      placeable.push(...(await batch(r, `killed-${cycle}`, 20)));
      await member.kill();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await member.start();
      await placed(r, placeable, 'after etcd was killed and restarted');

      // Frozen (SIGSTOP): every call and the watch stall, then resume.
      placeable.push(...(await batch(r, `frozen-${cycle}`, 20)));
      member.pause();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      member.resume();
      await placed(r, placeable, 'after etcd was frozen for 2 s');

      // The scheduler's path cut while etcd keeps changing (its watch silent), then restored: it resumes.
      proxy.cut();
      placeable.push(...(await batch(r, `silent-${cycle}`, 10, true)));
      await r.direct.txn([], [{ type: 'put', key: `${r.f.prefix}/workers/w-8`, value: JSON.stringify(worker('w-8', { status: 'DRAINING' })) }]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      proxy.restore();
      await placed(r, placeable, 'after the watch was cut while etcd changed');

      // Cut again, changed, and history compacted past the watch: the scheduler must re-list.
      proxy.cut();
      placeable.push(...(await batch(r, `compacted-${cycle}`, 10, true)));
      await r.direct.txn([], [{ type: 'delete', key: `${r.f.prefix}/workers/w-7` }]);
      await cluster.compact(await r.direct.currentRevision());
      proxy.restore();
      await waitFor(() => r.log.withMessage('re-listed').filter((l) => l.fields['reason'] === 'compacted').length > cycle, { timeoutMs: 30_000, message: 'a re-list after the compaction' });
      await placed(r, placeable, 'after a compaction past the watch');

    }
    await expectInvariants(r, placeable);
    await expectConverged(r);
    expect(r.f.scheduler.cacheCheck()).toEqual({ ok: true });
  });

  it('three members: the one carrying the scheduler\'s watch killed, then the raft leader; placing goes on, nothing lost or doubled', async () => {
    const cluster = await EtcdCluster.start(3);
    cleanups.push(() => cluster.destroy());
    // The scheduler reaches members 1 and 2 through proxies. Once it leads, they are cut and a key is
    // written: the watch that delivers it runs on member 0 (cutting resets a watch on the others).
    const proxies = [await proxyTo(cluster.member(1).clientUrl), await proxyTo(cluster.member(2).clientUrl)];
    const r = await rig('etcd-cluster', cluster, [cluster.member(0).clientUrl, ...proxies.map((p) => `http://${p.address}`)]);
    await r.direct.txn([], Array.from({ length: 6 }, (_, i) => {
      const w = worker(`w-${i + 1}`, { capacity: { cpuCores: 16, memoryGb: 64, storageGb: 100 } });
      return { type: 'put' as const, key: `${r.f.prefix}/workers/${w.id}`, value: JSON.stringify(w) };
    }));
    r.f.scheduler.start();
    await waitFor(() => r.f.scheduler.controller.isPlacing(), { timeoutMs: 30_000, message: 'the scheduler to lead' });
    for (const p of proxies) p.cut();
    const { revision } = await r.direct.txn([], [{ type: 'put', key: `${r.f.prefix}/e2e/watch-probe`, value: 'member 0' }]);
    await waitFor(() => r.f.scheduler.informer.revision() >= revision, { timeoutMs: 30_000, message: 'the scheduler\'s watch to deliver a key through member 0' });
    for (const p of proxies) p.restore();
    const placeable = await batch(r, 'first', 15);
    await placed(r, placeable, 'on a healthy cluster');

    await cluster.member(0).kill();
    placeable.push(...(await batch(r, 'member-down', 15)));
    await placed(r, placeable, 'with the scheduler\'s member killed');
    await cluster.member(0).start();

    const leader = await cluster.leaderIndex();
    await cluster.member(leader).kill();
    placeable.push(...(await batch(r, 'leader-down', 15)));
    await placed(r, placeable, `with the raft leader (member ${leader}) killed`);
    await cluster.member(leader).start(); // the checks below read through any member

    await expectInvariants(r, placeable);
    await expectConverged(r);
    // Leadership of the scheduler survived or moved cleanly: terms follow one another, tokens rising.
    const tokens = r.h.terms.map((t) => t.token);
    expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
    expect(new Set(r.h.placements.map((p) => p.token)).size).toBeLessThanOrEqual(r.h.terms.length + 1);
  });
});
