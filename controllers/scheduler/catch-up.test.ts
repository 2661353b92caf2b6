// Contract §1: "A new leader places nothing until its cache has caught up to at least its own
// token's revision" (issue 17). The cache here is fed by hand, revision by revision, so it can be held
// behind the term's token: no write leaves while it is, and once it arrives the leader acts on what
// the cache then shows, including a placement the previous leader made before the new term began.
import { FakeClock } from '../../pkg/clock';
import { defaultConfig } from '../../pkg/config';
import { isCacheSyncTimeout } from '../../pkg/controller';
import { LabletCache } from '../../pkg/informer';
import type { InstanceBuilder, WorkerBuilder } from '../../pkg/objects/testing';
import { aWorker, anInstance } from '../../pkg/objects/testing';
import type { SyncedCache } from './controller';
import { SchedulerController } from './controller';
import { ManualTerms, NOW, ScriptedClient } from './testing';

const PREFIX = '/lcm';
const TOKEN = 20;

/** The informer's revision as the controller reads it: waits resolve as deliveries reach them. */
class DeliveredRevision implements SyncedCache {
  revision = 0;
  private waits: Array<{ revision: number; resolve: () => void }> = [];
  hasSynced(): boolean { return true; }
  waitForRevision(revision: number, signal?: AbortSignal): Promise<void> {
    if (revision <= this.revision) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waits.push({ revision, resolve });
      signal?.addEventListener('abort', () => reject(new Error('term ended')), { once: true });
    });
  }
  reach(revision: number): void {
    this.revision = revision;
    for (const w of this.waits.filter((w) => w.revision <= revision)) w.resolve();
    this.waits = this.waits.filter((w) => w.revision > revision);
  }
}

function fixture() {
  const clock = new FakeClock(NOW);
  const cache = new LabletCache({ prefix: PREFIX });
  const informer = new DeliveredRevision();
  const client = new ScriptedClient();
  const terms = new ManualTerms(TOKEN);
  const config = defaultConfig();
  const controller = new SchedulerController({ cache, informer, client, terms, clock, config: () => config });
  const deliver = (revision: number, key: string, value: Buffer): void => {
    const kv = { key: `${PREFIX}/${key}`, value, createRevision: revision, modRevision: revision, version: 1 };
    cache.onDeltas([{ type: 'upsert', kv, previous: undefined }], revision, 'watch');
    informer.reach(revision);
  };
  const put = (revision: number, kind: 'workers' | 'instances', b: WorkerBuilder | InstanceBuilder): void => deliver(revision, `${kind}/${b.json().id}`, b.bytes());
  /** The new term's own leader key, at the token's revision. */
  const leaderKey = (): void => deliver(TOKEN, 'scheduler/leader', Buffer.from('scheduler-b'));
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      await clock.tick(0);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const lead = (): Promise<void> => {
    const term = terms.currentTerm();
    if (term === undefined) throw new Error('no term');
    return controller.lead(term);
  };
  return { clock, client, terms, controller, put, leaderKey, settle, lead };
}

describe('a new leader catching up to its token', () => {
  it('sends no write while its cache is behind the token, then places at the token', async () => {
    const t = fixture();
    t.put(11, 'workers', aWorker('w-1'));
    t.put(12, 'instances', anInstance('li-1'));
    const leading = t.lead();
    await t.settle();
    await t.clock.tick(60_000); // time alone changes nothing: no resync, no retry before the catch-up
    await t.settle();
    expect(t.client.calls).toEqual([]);
    expect(t.controller.isPlacing()).toBe(false);

    t.put(15, 'instances', anInstance('li-2'));
    await t.settle();
    expect(t.client.calls).toEqual([]); // 15 < 20: still behind

    t.leaderKey();
    await t.settle();
    expect(t.controller.isPlacing()).toBe(true);
    expect(t.client.schedules().map((s) => [s.instanceId, s.fencingToken]).sort()).toEqual([['li-1', '20'], ['li-2', '20']]);

    t.terms.stepDown('shutdown');
    await t.settle();
    await leading;
  });

  it('acts on the cache at the token: an instance the previous leader placed before it is left alone', async () => {
    const t = fixture();
    t.put(11, 'workers', aWorker('w-1'));
    t.put(12, 'instances', anInstance('li-1'));
    const leading = t.lead();
    await t.settle();
    t.put(18, 'instances', anInstance('li-1').scheduledOn('w-1')); // the previous term's write
    t.put(19, 'instances', anInstance('li-2'));
    await t.settle();
    expect(t.client.calls).toEqual([]);

    t.leaderKey();
    await t.settle();
    expect(t.client.schedules().map((s) => s.instanceId)).toEqual(['li-2']);

    t.terms.stepDown('shutdown');
    await t.settle();
    await leading;
  });

  it('places nothing when the term ends before the cache catches up', async () => {
    const t = fixture();
    t.put(11, 'workers', aWorker('w-1'));
    t.put(12, 'instances', anInstance('li-1'));
    const leading = t.lead();
    await t.settle();
    t.terms.stepDown('leaseLost');
    await leading;
    t.leaderKey();
    await t.settle();
    expect(t.client.calls).toEqual([]);
    expect(t.controller.isPlacing()).toBe(false);
  });

  it('fails the term, naming the cache and the revision, when the cache has not caught up within cacheSyncTimeoutMs', async () => {
    const t = fixture();
    t.put(11, 'workers', aWorker('w-1'));
    t.put(12, 'instances', anInstance('li-1'));
    let failure: unknown;
    const leading = t.lead().catch((err: unknown) => { failure = err; });
    await t.clock.tick(119_999);
    expect(failure).toBeUndefined();
    await t.clock.tick(1);
    await leading;
    expect(isCacheSyncTimeout(failure) && failure.caches).toEqual([`lablet cache (PREFIX/: instances, workers, leader key) up to revision ${TOKEN}`]);
    expect([t.client.calls, t.controller.isPlacing()]).toEqual([[], false]);
  });
});
