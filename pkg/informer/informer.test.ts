import { FakeClock, flushMicrotasks } from '../clock';
import type { KeyValue, ListOptions, ListResult, PrefixSummary, Watch, WatchEvent, WatchHandler } from '../store';
import { CompactedRevisionError, InMemoryStore } from '../store';
import { PrefixInformer } from './informer';
import type { Delta, DeltaCause, ListerWatcher } from './list-watch';

const PREFIX = '/lcm/';

/**
 * A ListerWatcher over an InMemoryStore that can lose events on the way (as a dropped stream would)
 * and end the current watch with an error, so the informer's repairs can be driven step by step.
 */
class FaultyListerWatcher implements ListerWatcher {
  dropEvents = false;
  watchesOpened = 0;
  private handler: WatchHandler | undefined;

  constructor(private readonly store: InMemoryStore) {}

  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.store.list(prefix, options);
  }

  summarize(prefix: string, options?: { readonly revision?: number }): Promise<PrefixSummary> {
    return this.store.summarize(prefix, options);
  }

  async watch(prefix: string, fromRevision: number, handler: WatchHandler): Promise<Watch> {
    this.watchesOpened += 1;
    this.handler = handler;
    let open = true;
    const inner = await this.store.watch(prefix, fromRevision, {
      onEvents: (events: readonly WatchEvent[]) => { if (open && !this.dropEvents) handler.onEvents(events); },
      onError: (err: Error) => { if (open) handler.onError(err); },
    });
    return { close: async () => { open = false; await inner.close(); } };
  }

  failWatch(err: Error): void {
    this.handler?.onError(err);
  }
}

async function put(store: InMemoryStore, key: string, value: string): Promise<number> {
  return (await store.txn([], [{ type: 'put', key, value }])).revision;
}

async function del(store: InMemoryStore, key: string): Promise<number> {
  return (await store.txn([], [{ type: 'delete', key }])).revision;
}

function setup(): { clock: FakeClock; store: InMemoryStore; lw: FaultyListerWatcher; informer: PrefixInformer; batches: Array<{ deltas: readonly Delta[]; revision: number; cause: DeltaCause }>; relists: string[] } {
  const clock = new FakeClock(0);
  const store = new InMemoryStore({ clock });
  const lw = new FaultyListerWatcher(store);
  const batches: Array<{ deltas: readonly Delta[]; revision: number; cause: DeltaCause }> = [];
  const relists: string[] = [];
  const informer = new PrefixInformer({
    listerWatcher: lw,
    prefix: PREFIX,
    clock,
    handler: { onDeltas: (deltas, revision, cause) => batches.push({ deltas, revision, cause }) },
    metrics: { relisted: (reason) => relists.push(reason) },
    silenceCheckMs: 60_000,
    driftCheckIntervalMs: 300_000,
    initialBackoffMs: 100,
  });
  return { clock, store, lw, informer, batches, relists };
}

function describeDelta(d: Delta): string {
  return d.type === 'upsert' ? `put ${d.kv.key}=${d.kv.value.toString('utf8')}` : `delete ${d.key}`;
}

async function settle(clock: FakeClock): Promise<void> {
  await clock.tick(0);
  await flushMicrotasks(50);
}

async function expectMirrors(informer: PrefixInformer, store: InMemoryStore): Promise<void> {
  const inStore = (await store.list(PREFIX)).kvs.map((kv: KeyValue) => [kv.key, kv.value.toString('utf8'), kv.modRevision]);
  const inCache = [...informer.entries()].map(([key, kv]) => [key, kv.value.toString('utf8'), kv.modRevision]).sort((a, b) => String(a[0]) < String(b[0]) ? -1 : 1);
  expect(inCache).toEqual(inStore);
}

describe('PrefixInformer', () => {
  it('delivers the first list, then puts and deletes in revision order, and only under its prefix', async () => {
    const { clock, store, informer, batches } = setup();
    await put(store, '/lcm/workers/w1', 'a');
    await put(store, '/lcm-other/workers/w9', 'ignored');
    informer.start();
    await settle(clock);
    expect(informer.hasSynced()).toBe(true);
    await put(store, '/lcm/instances/i1', 'b');
    await put(store, '/lcm/workers/w1', 'c');
    const last = await del(store, '/lcm/instances/i1');
    await settle(clock);
    expect(batches.map((b) => [b.cause, b.deltas.map(describeDelta)])).toEqual([
      ['list', ['put /lcm/workers/w1=a']],
      ['watch', ['put /lcm/instances/i1=b']],
      ['watch', ['put /lcm/workers/w1=c']],
      ['watch', ['delete /lcm/instances/i1']],
    ]);
    expect(informer.revision()).toBe(last);
    await expectMirrors(informer, store);
    await informer.stop();
  });

  it('delivers every key a single transaction changed', async () => {
    const { clock, store, informer } = setup();
    informer.start();
    await settle(clock);
    await store.txn([], [
      { type: 'put', key: '/lcm/instances/a', value: '1' },
      { type: 'put', key: '/lcm/instances/b', value: '1' },
      { type: 'delete', key: '/lcm/instances/none' },
    ]);
    await settle(clock);
    expect([...informer.entries()].map(([key]) => key).sort()).toEqual(['/lcm/instances/a', '/lcm/instances/b']);
    await informer.stop();
  });

  it('re-lists after a compacted watch and emits exactly the changes it missed', async () => {
    const { clock, store, lw, informer, batches, relists } = setup();
    await put(store, '/lcm/instances/keep', '1');
    await put(store, '/lcm/instances/gone', '1');
    await put(store, '/lcm/instances/changed', '1');
    informer.start();
    await settle(clock);
    lw.dropEvents = true;
    await del(store, '/lcm/instances/gone');
    await put(store, '/lcm/instances/changed', '2');
    await put(store, '/lcm/instances/new', '1');
    await store.compact(await store.currentRevision());
    lw.dropEvents = false;
    batches.length = 0;
    lw.failWatch(new CompactedRevisionError(3, 6));
    await settle(clock);
    expect(relists).toEqual(['compacted']);
    expect(batches.map((b) => [b.cause, b.deltas.map(describeDelta).sort()])).toEqual([
      ['relist', ['delete /lcm/instances/gone', 'put /lcm/instances/changed=2', 'put /lcm/instances/new=1']],
    ]);
    await expectMirrors(informer, store);
    await put(store, '/lcm/instances/after', '1');
    await settle(clock);
    expect(informer.get('/lcm/instances/after')?.value.toString('utf8')).toBe('1');
    await informer.stop();
  });

  it('backs off and re-lists after a broken watch', async () => {
    const { clock, store, lw, informer, relists } = setup();
    informer.start();
    await settle(clock);
    lw.failWatch(new Error('stream reset'));
    await settle(clock);
    expect(informer.isWatching()).toBe(false);
    await put(store, '/lcm/workers/w1', 'x');
    await clock.tick(100);
    await settle(clock);
    expect(relists).toEqual(['watch-error']);
    expect(informer.isWatching()).toBe(true);
    expect(lw.watchesOpened).toBe(2);
    await expectMirrors(informer, store);
    await informer.stop();
  });

  it('repairs a cache that silently missed an event once the drift check runs', async () => {
    const { clock, store, lw, informer, relists } = setup();
    await put(store, '/lcm/workers/w1', 'a');
    informer.start();
    await settle(clock);
    lw.dropEvents = true;
    await put(store, '/lcm/workers/w2', 'missed');
    await settle(clock);
    lw.dropEvents = false;
    expect(informer.get('/lcm/workers/w2')).toBeUndefined();
    await clock.tick(60_000);
    await settle(clock);
    expect(relists).toEqual([]);
    await clock.tick(5_000);
    await settle(clock);
    expect(relists).toEqual(['drift']);
    await expectMirrors(informer, store);
    await informer.stop();
  });

  it('re-lists when a lost event was followed by delivered ones', async () => {
    const { clock, store, lw, informer, relists } = setup();
    informer.start();
    await settle(clock);
    lw.dropEvents = true;
    await put(store, '/lcm/workers/lost', 'x');
    await settle(clock);
    lw.dropEvents = false;
    await put(store, '/lcm/workers/seen', 'y');
    await settle(clock);
    await informer.checkDrift();
    await settle(clock);
    expect(relists).toEqual(['drift']);
    await expectMirrors(informer, store);
    await informer.stop();
  });

  it('finds no drift in a cache that is in step with etcd', async () => {
    const { clock, store, informer, relists } = setup();
    await put(store, '/lcm/workers/w1', 'a');
    informer.start();
    await settle(clock);
    await informer.checkDrift();
    await clock.tick(300_000);
    await settle(clock);
    expect(relists).toEqual([]);
    await informer.stop();
  });

  it('resolves waitForRevision once the cache reaches it', async () => {
    const { clock, store, informer } = setup();
    informer.start();
    await settle(clock);
    let reached = false;
    const target = (await store.currentRevision()) + 2;
    const waiting = informer.waitForRevision(target).then(() => { reached = true; });
    await put(store, '/lcm/workers/w1', 'a');
    await settle(clock);
    expect(reached).toBe(false);
    await put(store, '/lcm/workers/w1', 'b');
    await settle(clock);
    await waiting;
    expect(reached).toBe(true);
    await informer.stop();
  });

  it('refuses a prefix without its trailing slash', () => {
    const { lw, clock } = setup();
    expect(() => new PrefixInformer({ listerWatcher: lw, prefix: '/lcm', clock, handler: { onDeltas: () => undefined } })).toThrow('must end with "/"');
  });
});
