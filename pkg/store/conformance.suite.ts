// One behaviour for every Store: these Jest tests run against InMemoryStore (in-memory-store.test.ts,
// a FakeClock for lease time) and against EtcdStore on a real etcd (e2e/store.e2e.test.ts, real
// time and polling). Not exported from index.ts: it imports Jest, so it is named *.suite.ts, which
// tsconfig.build.json and .dockerignore keep out of every build and of the image (issue 17). Each
// test takes a fresh subject and its own key prefix, and asserts only outcomes, never durations.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { isCompacted, isLeaseNotFound } from './errors';
import type { KeyValue, Store, WatchEvent, WatchHandler } from './store';

export interface StoreUnderTest {
  readonly store: Store;
  /** A key prefix that no other test uses (keys go below `${prefix}/`). */
  prefix(name: string): string;
  /** TTL to grant in expiry tests: the shortest the store honours. */
  readonly shortLeaseTtlSeconds: number;
  /** Lets ms of lease time pass: steps a FakeClock; nothing where real time runs (eventually() waits). */
  passTime(ms: number): Promise<void>;
  /** Resolves once check() holds, rejecting after the subject's deadline with `what` in the message. */
  eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void>;
  /** Closes what the subject opened. */
  close(): Promise<void>;
}

/** Collects what a watch delivers. */
export class WatchRecorder implements WatchHandler {
  readonly batches: WatchEvent[][] = [];
  readonly errors: Error[] = [];

  onEvents(events: readonly WatchEvent[]): void {
    this.batches.push([...events]);
  }

  onError(err: Error): void {
    this.errors.push(err);
  }

  /** Every event so far as [type, key, modRevision], in delivery order. */
  seen(): Array<[string, string, number]> {
    return this.batches.flat().map((ev) => [ev.type, ev.kv.key, ev.kv.modRevision]);
  }
}

async function put(store: Store, key: string, value: string, leaseId?: string): Promise<number> {
  const res = await store.txn([], [{ type: 'put', key, value, ...(leaseId === undefined ? {} : { leaseId }) }]);
  return res.revision;
}

const text = (kv: KeyValue | undefined): string | undefined => kv?.value.toString('utf8');

export function describeStoreConformance(name: string, setup: () => Promise<StoreUnderTest>): void {
  describe(`${name} (Store conformance)`, () => {
    let t: StoreUnderTest;
    let store: Store;
    beforeEach(async () => {
      t = await setup();
      store = t.store;
    });
    afterEach(async () => {
      await t.close();
    });

    /** Resolves with the error a watch from revision ends with (rejected at once or via onError). */
    async function watchFailure(prefix: string, revision: number): Promise<unknown> {
      const rec = new WatchRecorder();
      try {
        const watch = await store.watch(prefix, revision, rec);
        await t.eventually(() => rec.errors.length > 0, `the watch from revision ${revision} to fail`);
        await watch.close();
        return rec.errors[0];
      } catch (err: unknown) {
        return err;
      }
    }

    it('puts, reads and deletes a key through txn, keeping create/mod revision and version', async () => {
      const key = `${t.prefix('kv')}/a`;
      const before = await store.currentRevision();
      const created = await put(store, key, 'one');
      expect(created).toBeGreaterThan(before);
      expect(await store.get(key)).toEqual({ key, value: Buffer.from('one'), createRevision: created, modRevision: created, version: 1 });

      const updated = await store.txn([], [{ type: 'put', key, value: 'two' }, { type: 'get', key }]);
      expect(text(updated.results[1])).toBe('two');
      expect(updated.results[0]).toBeUndefined();
      expect(await store.get(key)).toMatchObject({ createRevision: created, modRevision: updated.revision, version: 2 });

      const deleted = await store.txn([], [{ type: 'delete', key }]);
      expect(deleted.revision).toBe(updated.revision + 1);
      expect(await store.get(key)).toBeUndefined();
      // Deleting what is not there writes nothing: the revision stays.
      expect((await store.txn([], [{ type: 'delete', key }])).revision).toBe(deleted.revision);
      expect(await store.currentRevision()).toBeGreaterThanOrEqual(deleted.revision);
    });

    it('takes the failure branch when a compare fails, and reads the key there', async () => {
      const key = `${t.prefix('compare')}/k`;
      const rev = await put(store, key, 'v1');
      const failed = await store.txn([{ key, target: 'value', op: '=', value: 'other' }], [{ type: 'put', key, value: 'x' }], [{ type: 'get', key }]);
      expect(failed.succeeded).toBe(false);
      expect(text(failed.results[0])).toBe('v1');
      const held = await store.txn(
        [{ key, target: 'modRevision', op: '=', value: rev }, { key: `${key}-absent`, target: 'version', op: '=', value: 0 }],
        [{ type: 'put', key, value: 'v2' }],
      );
      expect(held.succeeded).toBe(true);
      expect(text(await store.get(key))).toBe('v2');
    });

    it('lets exactly one of two racing txns create a key on create revision 0', async () => {
      const key = `${t.prefix('leader')}/leader`;
      const create = (value: string) => store.txn([{ key, target: 'createRevision', op: '=', value: 0 }], [{ type: 'put', key, value }]);
      const [a, b] = await Promise.all([create('a'), create('b')]);
      expect([a.succeeded, b.succeeded].filter(Boolean)).toHaveLength(1);
      const winner = a.succeeded ? a : b;
      expect(await store.get(key)).toMatchObject({ value: Buffer.from(a.succeeded ? 'a' : 'b'), createRevision: winner.revision });
      expect((await create('c')).succeeded).toBe(false);
    });

    it('refuses a txn that writes one key twice', async () => {
      const key = `${t.prefix('dup')}/k`;
      await expect(store.txn([], [{ type: 'put', key, value: '1' }, { type: 'delete', key }])).rejects.toThrow(/more than once/);
    });

    it('lists every key under a prefix at one revision, page by page, while writes continue', async () => {
      const dir = `${t.prefix('list')}/`;
      const keys = Array.from({ length: 30 }, (_, i) => `${dir}k${String(i).padStart(2, '0')}`);
      for (const key of keys) await put(store, key, 'v1');
      await put(store, `${t.prefix('list')}-sibling/x`, 'outside');
      const written: Array<{ key: string; revision: number; value: string | undefined }> = [];
      const writer = async (): Promise<void> => {
        for (const [i, key] of keys.entries()) {
          const isDelete = i % 5 === 0;
          const res = await store.txn([], [isDelete ? { type: 'delete', key } : { type: 'put', key, value: 'v2' }]);
          written.push({ key, revision: res.revision, value: isDelete ? undefined : 'v2' });
        }
        const added = `${dir}k99`;
        written.push({ key: added, revision: await put(store, added, 'new'), value: 'new' });
      };
      const [listed] = await Promise.all([store.list(dir, { pageSize: 4 }), writer()]);

      // The expected state at the list's revision: v1 everywhere, then each write up to it.
      const expected = new Map<string, string | undefined>(keys.map((k) => [k, 'v1']));
      for (const w of written) if (w.revision <= listed.revision) expected.set(w.key, w.value);
      const want = [...expected].filter((e): e is [string, string] => e[1] !== undefined).sort(([x], [y]) => (x < y ? -1 : 1));
      expect(listed.kvs.map((kv) => [kv.key, text(kv)])).toEqual(want);
      expect(written.some((w) => w.revision > listed.revision)).toBe(true);

      const old = await store.list(dir, { revision: listed.revision, pageSize: 7 });
      expect(old.kvs).toEqual(listed.kvs);
    });

    it('summarizes a prefix: key count and newest mod revision, now or at a past revision', async () => {
      const dir = `${t.prefix('summary')}/`;
      expect(await store.summarize(dir)).toMatchObject({ count: 0, maxModRevision: 0 });
      const first = await put(store, `${dir}a`, '1');
      await put(store, `${dir}b`, '1');
      const newest = await put(store, `${dir}a`, '2');
      const now = await store.summarize(dir);
      expect(now).toEqual({ revision: now.revision, count: 2, maxModRevision: newest });
      expect(now.revision).toBeGreaterThanOrEqual(newest);
      expect(await store.summarize(dir, { revision: first })).toEqual({ revision: first, count: 1, maxModRevision: first });
    });

    it('replays history in revision order, each revision whole, then delivers live events', async () => {
      const dir = `${t.prefix('watch')}/`;
      const r1 = await put(store, `${dir}a`, '1');
      const r2 = await put(store, `${dir}b`, '1');
      const r3 = (await store.txn([], [{ type: 'delete', key: `${dir}a` }])).revision;
      const r4 = (await store.txn([], [{ type: 'put', key: `${dir}c`, value: '1' }, { type: 'put', key: `${dir}d`, value: '1' }])).revision;
      await put(store, `${t.prefix('watch')}-sibling/x`, 'not watched');
      const rec = new WatchRecorder();
      const watch = await store.watch(dir, r1, rec);
      const r5 = await put(store, `${dir}b`, '2');
      await t.eventually(() => rec.seen().length >= 6, 'six events');
      await watch.close();

      expect(rec.seen()).toEqual([
        ['put', `${dir}a`, r1], ['put', `${dir}b`, r2], ['delete', `${dir}a`, r3],
        ['put', `${dir}c`, r4], ['put', `${dir}d`, r4], ['put', `${dir}b`, r5],
      ]);
      expect(rec.batches.some((b) => b.some((e) => e.kv.key === `${dir}c`) && b.some((e) => e.kv.key === `${dir}d`))).toBe(true);
      expect(rec.errors).toEqual([]);
      const batch = rec.batches.find((b) => b.some((e) => e.type === 'delete'));
      expect(batch?.find((e) => e.type === 'delete')?.kv).toMatchObject({ key: `${dir}a`, modRevision: r3, version: 0 });
    });

    it('delivers nothing to a closed watch', async () => {
      const dir = `${t.prefix('closed')}/`;
      const from = (await store.currentRevision()) + 1;
      const closed = new WatchRecorder();
      const open = new WatchRecorder();
      await (await store.watch(dir, from, closed)).close();
      const watch = await store.watch(dir, from, open);
      await put(store, `${dir}k`, 'v');
      await t.eventually(() => open.seen().length === 1, 'the open watch to see the put');
      await watch.close();
      expect(closed.batches).toEqual([]);
      expect(closed.errors).toEqual([]);
    });

    it('fails a watch and a list from a compacted revision with CompactedRevisionError', async () => {
      const dir = `${t.prefix('compact')}/`;
      const r1 = await put(store, `${dir}a`, '1');
      await put(store, `${dir}b`, '1');
      const r3 = await put(store, `${dir}c`, '1');
      await store.compact(r3);

      const err = await watchFailure(dir, r1);
      expect(isCompacted(err)).toBe(true);
      expect(err).toMatchObject({ code: 'CompactedRevision', requestedRevision: r1 });
      await expect(store.list(dir, { revision: r1 })).rejects.toMatchObject({ code: 'CompactedRevision', requestedRevision: r1 });
      await expect(store.compact(r3)).rejects.toMatchObject({ code: 'CompactedRevision' });

      const rec = new WatchRecorder();
      const watch = await store.watch(dir, r3, rec);
      await t.eventually(() => rec.seen().length === 1, 'the event at the compaction revision');
      await watch.close();
      expect(rec.seen()).toEqual([['put', `${dir}c`, r3]]);
    });

    it("deletes a lease's keys in one revision when the lease is revoked", async () => {
      const dir = `${t.prefix('revoke')}/`;
      const lease = await store.grantLease(60);
      expect(lease).toMatch(/^\d+$/);
      await put(store, `${dir}a`, '1', lease);
      await put(store, `${dir}b`, '1', lease);
      expect(await store.get(`${dir}a`)).toMatchObject({ leaseId: lease });
      expect(await store.keepAliveOnce(lease)).toBeGreaterThanOrEqual(60);
      const rec = new WatchRecorder();
      const watch = await store.watch(dir, (await store.currentRevision()) + 1, rec);
      await store.revokeLease(lease);
      await t.eventually(() => rec.seen().length === 2, 'two delete events');
      await watch.close();
      expect(await store.get(`${dir}a`)).toBeUndefined();
      expect(rec.batches).toHaveLength(1);
      expect(rec.seen().map(([type, key]) => [type, key])).toEqual([['delete', `${dir}a`], ['delete', `${dir}b`]]);
      await expect(store.revokeLease(lease)).resolves.toBeUndefined();
      await expect(put(store, `${dir}c`, '1', lease)).rejects.toMatchObject({ code: 'LeaseNotFound', leaseId: lease });
    });

    it("deletes a lease's keys when it expires, after which keepAliveOnce fails with LeaseNotFoundError", async () => {
      const key = `${t.prefix('expire')}/k`;
      const lease = await store.grantLease(t.shortLeaseTtlSeconds);
      await put(store, key, 'v', lease);
      await t.passTime(t.shortLeaseTtlSeconds * 1_000);
      await t.eventually(async () => (await store.get(key)) === undefined, "the expired lease's key to vanish");
      const err: unknown = await store.keepAliveOnce(lease).catch((e: unknown) => e);
      expect(isLeaseNotFound(err)).toBe(true);
      expect(err).toMatchObject({ leaseId: lease });
      await expect(store.revokeLease(lease)).resolves.toBeUndefined();
    });
  });
}
