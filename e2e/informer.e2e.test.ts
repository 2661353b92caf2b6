// The informer on real etcd (issue 5): creates, updates and deletes mirrored; an etcd restart; a
// compaction past the watch's revision while the client is cut off (re-list, cache identical to etcd
// key by key); malformed values beside valid ones; the drift check repairing a cache that lost an event.
import { SystemClock } from '../pkg/clock';
import type { InvalidInstance, ListerWatcher, RelistReason } from '../pkg/informer';
import { LabletCache, PrefixInformer } from '../pkg/informer';
import { aWorker, anInstance } from '../pkg/objects/testing';
import type { ListOptions, ListResult, PrefixSummary, Store, Watch, WatchHandler } from '../pkg/store';
import { EtcdStore } from '../pkg/store';
import type { EtcdHandle, TcpProxy } from './harness';
import { startEtcd, startTcpProxy, uniquePrefix, waitFor } from './harness';

jest.setTimeout(120_000);

/** Passes everything through, except the events of watches opened while `dropping` is set... */
class LossyListerWatcher implements ListerWatcher {
  dropNext = 0;
  constructor(private readonly store: Store) {}
  list(prefix: string, options?: ListOptions): Promise<ListResult> { return this.store.list(prefix, options); }
  summarize(prefix: string, options?: { readonly revision?: number }): Promise<PrefixSummary> { return this.store.summarize(prefix, options); }
  watch(prefix: string, fromRevision: number, handler: WatchHandler): Promise<Watch> {
    return this.store.watch(prefix, fromRevision, {
      onEvents: (events) => {
        if (this.dropNext > 0) {
          this.dropNext -= 1;
          return;
        }
        handler.onEvents(events);
      },
      onError: (err) => handler.onError(err),
    });
  }
}

describe('the informer on real etcd', () => {
  let etcd: EtcdHandle;
  let proxy: TcpProxy;
  let writer: EtcdStore;
  let reader: EtcdStore;
  const clock = new SystemClock();
  const running: PrefixInformer[] = [];

  beforeAll(async () => {
    etcd = await startEtcd();
    const url = new URL(etcd.endpoints[0] ?? '');
    proxy = await startTcpProxy(url.hostname, Number(url.port));
    writer = await EtcdStore.connect({ endpoints: etcd.endpoints });
    reader = await EtcdStore.connect({ endpoints: [`http://${proxy.address}`] });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((i) => i.stop()));
  });
  afterAll(async () => {
    await reader.close();
    await writer.close();
    await proxy.close();
    await etcd.destroy();
  });

  function start(prefix: string, lw: ListerWatcher = reader) {
    const relists: RelistReason[] = [];
    const malformed: string[] = [];
    const invalid: InvalidInstance[] = [];
    const cache = new LabletCache({ prefix, metrics: { malformedValue: (kind) => malformed.push(kind) } });
    cache.addListener({ onInvalidInstance: (i) => invalid.push(i) });
    const informer = new PrefixInformer({ listerWatcher: lw, prefix: `${prefix}/`, handler: cache, clock, metrics: { relisted: (r) => relists.push(r) }, initialBackoffMs: 50, maxBackoffMs: 500 });
    informer.start();
    running.push(informer);
    return { cache, informer, relists, malformed, invalid };
  }

  const put = (key: string, value: Buffer | string) => writer.txn([], [{ type: 'put', key, value }]);
  const del = (key: string) => writer.txn([], [{ type: 'delete', key }]);

  /** The cache's raw mirror equals etcd under the prefix, key by key (value and mod revision). */
  async function expectMirrors(informer: PrefixInformer, prefix: string): Promise<void> {
    const listed = await writer.list(`${prefix}/`);
    await waitFor(() => informer.revision() >= listed.revision || informer.revision() >= (listed.kvs.at(-1)?.modRevision ?? 0), { message: 'the cache to reach etcd' });
    const fromEtcd = listed.kvs.map((kv) => `${kv.key}@${kv.modRevision}=${kv.value.toString('utf8')}`);
    const fromCache = [...informer.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, kv]) => `${key}@${kv.modRevision}=${kv.value.toString('utf8')}`);
    expect(fromCache).toEqual(fromEtcd);
  }

  async function settled(informer: PrefixInformer, prefix: string): Promise<void> {
    const rev = await writer.currentRevision();
    await waitFor(async () => informer.revision() >= (await writer.summarize(`${prefix}/`)).maxModRevision, { message: `the cache to catch up with etcd (revision ${rev})` });
  }

  it('mirrors creates, updates and deletes of instances and workers', async () => {
    const prefix = uniquePrefix('mirror');
    await put(`${prefix}/workers/w-1`, aWorker('w-1').bytes());
    const { cache, informer } = start(prefix);
    await waitFor(() => informer.hasSynced(), { message: 'the first list' });
    for (let i = 0; i < 20; i++) await put(`${prefix}/instances/li-${i}`, anInstance(`li-${i}`).bytes());
    await put(`${prefix}/instances/li-3`, anInstance('li-3').scheduledOn('w-1').bytes());
    await del(`${prefix}/instances/li-7`);
    await put(`${prefix}/workers/w-1`, aWorker('w-1').withStatus('DRAINING').bytes());
    await settled(informer, prefix);
    expect(cache.counts()).toEqual({ instances: 19, workers: 1, invalidInstances: 0, placeable: 18 });
    expect([...cache.holdersOf('w-1')]).toEqual(['li-3']);
    expect(cache.worker('w-1')?.worker.status).toBe('DRAINING');
    await expectMirrors(informer, prefix);
  });

  it('carries on across an etcd restart, missing nothing written after it', async () => {
    const prefix = uniquePrefix('restart');
    const { informer } = start(prefix);
    await waitFor(() => informer.hasSynced(), { message: 'the first list' });
    await put(`${prefix}/workers/w-before`, aWorker('w-before').bytes());
    await etcd.restart();
    for (let i = 0; i < 10; i++) await put(`${prefix}/workers/w-after-${i}`, aWorker(`w-after-${i}`).bytes());
    await settled(informer, prefix);
    await expectMirrors(informer, prefix);
  });

  it('re-lists after a compaction past its revision while cut off, and ends identical to etcd', async () => {
    const prefix = uniquePrefix('compact');
    for (let i = 0; i < 5; i++) await put(`${prefix}/instances/li-${i}`, anInstance(`li-${i}`).bytes());
    const { informer, relists } = start(prefix);
    await waitFor(() => informer.isWatching(), { message: 'the watch to open' });
    proxy.cut();
    await del(`${prefix}/instances/li-0`);
    await put(`${prefix}/instances/li-1`, anInstance('li-1').withPriority(9).bytes());
    await put(`${prefix}/instances/li-new`, anInstance('li-new').bytes());
    await writer.compact(await writer.currentRevision());
    proxy.restore();
    await waitFor(() => relists.length > 0, { timeoutMs: 30_000, message: 'a re-list' });
    await settled(informer, prefix);
    expect(relists).toEqual(['compacted']);
    await expectMirrors(informer, prefix);
  });

  it('skips malformed values of each kind beside valid ones, counting each', async () => {
    const prefix = uniquePrefix('malformed');
    const good = anInstance('li-good').json();
    await put(`${prefix}/instances/li-good`, JSON.stringify(good));
    await put(`${prefix}/instances/li-json`, '{"id": "li-json", "phase": "PENDING"');
    await put(`${prefix}/instances/li-cpu`, JSON.stringify({ ...anInstance('li-cpu').json(), requirements: { cpuCores: 1.0005, memoryGb: 1, storageGb: 1 } }));
    await put(`${prefix}/instances/li-phase`, JSON.stringify({ ...anInstance('li-phase').json(), phase: 'WAITING' }));
    await put(`${prefix}/instances/bad%id`, JSON.stringify(anInstance('li-x').json()));
    await put(`${prefix}/instances/a/b`, JSON.stringify(anInstance('b').json()));
    await put(`${prefix}/workers/w-license`, JSON.stringify({ ...aWorker('w-license').json(), license: 'gold' }));
    await put(`${prefix}/workers/w-good`, aWorker('w-good').bytes());
    await put(`${prefix}/workers/w-bytes`, Buffer.from([0xff, 0xfe, 0x00]));
    const { cache, informer, malformed, invalid } = start(prefix);
    await waitFor(() => informer.hasSynced(), { message: 'the first list' });
    expect(cache.counts()).toEqual({ instances: 1, workers: 1, invalidInstances: 1, placeable: 1 });
    expect(malformed.sort()).toEqual(['instance', 'instance', 'instance', 'instance', 'instance', 'worker', 'worker']);
    expect(invalid.map((i) => i.id)).toEqual(['li-cpu']);
  });

  it('repairs, through the drift check, a cache that lost an event', async () => {
    const prefix = uniquePrefix('drift');
    const lossy = new LossyListerWatcher(reader);
    const { informer, relists } = start(prefix, lossy);
    await waitFor(() => informer.isWatching(), { message: 'the watch to open' });
    lossy.dropNext = 1;
    await put(`${prefix}/workers/w-lost`, aWorker('w-lost').bytes());
    await put(`${prefix}/workers/w-seen`, aWorker('w-seen').bytes());
    await waitFor(() => informer.get(`${prefix}/workers/w-seen`) !== undefined, { message: 'the second event' });
    expect(informer.get(`${prefix}/workers/w-lost`)).toBeUndefined();
    await informer.checkDrift();
    await waitFor(() => relists.includes('drift') && informer.get(`${prefix}/workers/w-lost`) !== undefined, { message: 'the drift repair' });
    await expectMirrors(informer, prefix);
  });
});
