// EtcdStore on a real etcd: the Store conformance suite, then what only a real server shows: a
// restart in the middle of a watch (events written by another client right after etcd returns
// arrive exactly once, in order), calls recovering by themselves, and the harness's own promises.
import { existsSync } from 'node:fs';
import { describeStoreConformance, WatchRecorder } from '../pkg/store/conformance.suite';
import type { Store } from '../pkg/store';
import { EtcdStore } from '../pkg/store';
import type { EtcdHandle } from './harness';
import { NO_ETCD_MESSAGE, startEtcd, uniquePrefix, waitFor } from './harness';

jest.setTimeout(60_000);

let etcd: EtcdHandle;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd.destroy();
});

describeStoreConformance('EtcdStore', async () => {
  const store = await EtcdStore.connect({ endpoints: etcd.endpoints });
  return {
    store,
    prefix: uniquePrefix,
    // etcd raises a shorter TTL to its minimum (2 s with default election settings).
    shortLeaseTtlSeconds: 1,
    passTime: () => Promise.resolve(),
    eventually: (check, what) => waitFor(check, { message: what, timeoutMs: 20_000 }),
    close: () => store.close(),
  };
});

describe('EtcdStore across an etcd restart', () => {
  const stores: Store[] = [];
  const connect = async (): Promise<EtcdStore> => {
    const store = await EtcdStore.connect({ endpoints: etcd.endpoints });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it.each([
    ['stopped (SIGTERM)', (h: EtcdHandle) => h.stop()],
    ['killed (SIGKILL)', (h: EtcdHandle) => h.kill()],
  ])('resumes a watch without loss or repeats when etcd is %s and restarted', async (_how, takeDown) => {
    const dir = `${uniquePrefix('restart')}/`;
    const watcher = await connect();
    const rec = new WatchRecorder();
    const watch = await watcher.watch(dir, (await watcher.currentRevision()) + 1, rec);
    await watcher.txn([], [{ type: 'put', key: `${dir}e0`, value: 'before' }]);
    await waitFor(() => rec.seen().length === 1, { message: 'the event written before the outage' });

    await takeDown(etcd);
    await etcd.restart();
    // Another client writes the moment etcd is back, while the watcher is still reconnecting.
    const writer = await connect();
    const keys = ['e1', 'e2', 'e3', 'e4', 'e5'].map((k) => `${dir}${k}`);
    await waitFor(async () => (await writer.currentRevision()) > 0, { message: 'the writer to reach etcd' });
    for (const key of keys) await writer.txn([], [{ type: 'put', key, value: 'after' }]);

    await waitFor(() => rec.seen().length >= 6, { message: 'all six events on the resumed watch', timeoutMs: 30_000 });
    await watch.close();
    const seen = rec.seen();
    expect(seen.map(([, key]) => key)).toEqual([`${dir}e0`, ...keys]);
    const revisions = seen.map(([, , revision]) => revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(rec.errors).toEqual([]);
  });

  it('answers calls again by itself once etcd is back, failing retriably meanwhile', async () => {
    const store = await connect();
    const key = `${uniquePrefix('recover')}/k`;
    await store.txn([], [{ type: 'put', key, value: 'v' }]);
    await etcd.stop();
    await expect(store.get(key)).rejects.toMatchObject({ code: 'StoreUnavailable', operation: 'get' });
    await etcd.restart();
    await waitFor(async () => (await store.get(key))?.value.toString() === 'v', { message: 'a read through the old client' });
  });
});

describe('the etcd test harness', () => {
  it('gives prefixes that never repeat, under /test-<random>/', () => {
    const [a, b] = [uniquePrefix('x y'), uniquePrefix('x y')];
    expect(a).toMatch(/^\/test-[0-9a-f]{12}\/x-y$/);
    expect(a).not.toBe(b);
  });

  it('names what it waited for when the deadline passes', async () => {
    await expect(waitFor(() => false, { message: 'the impossible', timeoutMs: 100, intervalMs: 10 })).rejects.toThrow(
      /timed out after 100 ms waiting for the impossible/,
    );
  });

  it('keeps endpoints across restart and compacts through the handle', async () => {
    const before = [...etcd.endpoints];
    await etcd.restart();
    expect(etcd.endpoints).toEqual(before);
    const store = await EtcdStore.connect({ endpoints: etcd.endpoints });
    try {
      const dir = `${uniquePrefix('harness')}/`;
      const first = (await store.txn([], [{ type: 'put', key: `${dir}a`, value: '1' }])).revision;
      const second = (await store.txn([], [{ type: 'put', key: `${dir}a`, value: '2' }])).revision;
      await etcd.compact(second);
      await expect(store.list(dir, { revision: first })).rejects.toMatchObject({ code: 'CompactedRevision' });
    } finally {
      await store.close();
    }
  });

  // Only meaningful where no container runtime exists (as on this project's CI machine).
  const hasContainerRuntime = process.env.DOCKER_HOST !== undefined || existsSync('/var/run/docker.sock');
  (hasContainerRuntime ? it.skip : it)('fails fast, naming both ways to get an etcd, with no binary and no container runtime', async () => {
    await expect(startEtcd({ binary: 'etcd-not-installed-here' })).rejects.toThrow(NO_ETCD_MESSAGE);
  });
});
