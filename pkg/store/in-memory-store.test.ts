import { FakeClock, flushMicrotasks } from '../clock';
import type { StoreUnderTest } from './conformance.suite';
import { describeStoreConformance, WatchRecorder } from './conformance.suite';
import { InMemoryStore } from './in-memory-store';

let prefixes = 0;

function inMemorySubject(): StoreUnderTest {
  const clock = new FakeClock();
  const store = new InMemoryStore({ clock });
  return {
    store,
    prefix: (name) => `/test-${++prefixes}/${name}`,
    shortLeaseTtlSeconds: 1,
    passTime: (ms) => clock.tick(ms),
    eventually: async (check, what) => {
      for (let i = 0; i < 20; i++) {
        if (await check()) return;
        await flushMicrotasks();
      }
      throw new Error(`never happened: ${what}`);
    },
    close: () => store.close(),
  };
}

describeStoreConformance('InMemoryStore', () => Promise.resolve(inMemorySubject()));

describe('InMemoryStore', () => {
  let clock: FakeClock;
  let store: InMemoryStore;
  beforeEach(() => {
    clock = new FakeClock();
    store = new InMemoryStore({ clock });
  });
  afterEach(() => store.close());

  const put = async (key: string, value: string, leaseId?: string): Promise<number> =>
    (await store.txn([], [{ type: 'put', key, value, ...(leaseId === undefined ? {} : { leaseId }) }])).revision;

  it('starts at revision 1 and moves one revision per writing txn', async () => {
    expect(await store.currentRevision()).toBe(1);
    await store.txn([], [{ type: 'put', key: '/a', value: '1' }, { type: 'put', key: '/b', value: '1' }]);
    expect(await store.currentRevision()).toBe(2);
    await store.txn([], [{ type: 'get', key: '/a' }]);
    expect(await store.currentRevision()).toBe(2);
  });

  it('delivers watch events after the write that made them, not during it', async () => {
    const rec = new WatchRecorder();
    await store.watch('/w/', 0, rec);
    const written = store.txn([], [{ type: 'put', key: '/w/k', value: 'v' }]);
    expect(rec.batches).toEqual([]);
    await written;
    await flushMicrotasks();
    expect(rec.seen()).toEqual([['put', '/w/k', 2]]);
  });

  it('ends a watch whose handler throws and hands the error to onError', async () => {
    const errors: Error[] = [];
    let calls = 0;
    await store.watch('/t/', 0, {
      onEvents: () => {
        calls++;
        throw new Error('handler bug');
      },
      onError: (err) => errors.push(err),
    });
    await put('/t/a', '1');
    await flushMicrotasks();
    await put('/t/b', '1');
    await flushMicrotasks();
    expect(calls).toBe(1);
    expect(errors.map((e) => e.message)).toEqual(['handler bug']);
  });

  it('postpones expiry on keepAliveOnce, by the full TTL from the renewal', async () => {
    const lease = await store.grantLease(10);
    await put('/l/k', 'v', lease);
    await clock.tick(9_000);
    expect(await store.keepAliveOnce(lease)).toBe(10);
    await clock.tick(9_999);
    expect(await store.get('/l/k')).toBeDefined();
    await clock.tick(1);
    expect(await store.get('/l/k')).toBeUndefined();
  });

  it('detaches a key from its lease when a later put names no lease', async () => {
    const lease = await store.grantLease(10);
    await put('/d/k', 'leased', lease);
    await put('/d/k', 'free');
    await store.revokeLease(lease);
    expect(await store.get('/d/k')).toMatchObject({ value: Buffer.from('free'), version: 2 });
    expect((await store.get('/d/k'))?.leaseId).toBeUndefined();
  });

  it('gives lease ids beyond 2^53 as exact decimal strings', async () => {
    const [a, b] = [await store.grantLease(5), await store.grantLease(5)];
    expect(BigInt(b) - BigInt(a)).toBe(1n);
    expect(Number.isSafeInteger(Number(a))).toBe(false);
  });

  it('forgets a key deleted before the compaction point, and still reads at that point', async () => {
    await put('/c/gone', '1');
    await store.txn([], [{ type: 'delete', key: '/c/gone' }]);
    const kept = await put('/c/kept', '1');
    await put('/c/kept', '2');
    await store.compact(kept);
    expect((await store.list('/c/', { revision: kept })).kvs.map((kv) => [kv.key, kv.value.toString()])).toEqual([['/c/kept', '1']]);
    await expect(store.list('/c/', { revision: kept - 1 })).rejects.toMatchObject({ code: 'CompactedRevision', compactRevision: kept });
  });

  it('refuses reads at a future revision and a compaction beyond the current one', async () => {
    await expect(store.list('/', { revision: 5 })).rejects.toThrow(/future revision/);
    await expect(store.compact(5)).rejects.toThrow(/future revision/);
  });

  it.each([
    ['an ASCII key after a shorter one', '/a', '/ab'],
    ['U+FFFD before an astral character (UTF-8 order, not UTF-16)', '/\ufffd', '/\u{1F600}'],
  ])('lists keys in UTF-8 byte order: %s', async (_case, first, second) => {
    await put(second, '2');
    await put(first, '1');
    expect((await store.list('/')).kvs.map((kv) => kv.key)).toEqual([first, second]);
  });

  it('rejects every call once closed, and stops its watches', async () => {
    const rec = new WatchRecorder();
    await store.watch('/', 0, rec);
    await store.close();
    await expect(store.get('/k')).rejects.toThrow(/closed/);
    await expect(store.list('/')).rejects.toThrow(/closed/);
    await expect(store.close()).resolves.toBeUndefined();
    expect(rec.batches).toEqual([]);
  });
});
