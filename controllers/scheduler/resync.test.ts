// ADR-002's fallback (reconcile.resyncIntervalSeconds): every interval the leader re-queues the
// placeable instances nobody is looking after, with no cache event to prompt it (issue 17). Here one
// is left so by a definite 409 NotPending that the cache never follows with a change.
import { FakeClock } from '../../pkg/clock';
import type { SchedulerConfig } from '../../pkg/config';
import { parseConfig } from '../../pkg/config';
import { PlacementConflictError } from '../../pkg/controlplane';
import { LabletCache } from '../../pkg/informer';
import type { InstanceBuilder, WorkerBuilder } from '../../pkg/objects/testing';
import { aWorker, anInstance } from '../../pkg/objects/testing';
import type { SyncedCache } from './controller';
import { SchedulerController } from './controller';
import { ManualTerms, NOW, ScriptedClient } from './testing';

const PREFIX = '/lcm';

/** The informer's revision as the controller reads it; every delivery below reaches it at once. */
class DeliveredRevision implements SyncedCache {
  revision = 0;
  hasSynced(): boolean { return true; }
  waitForRevision(revision: number): Promise<void> {
    return revision <= this.revision ? Promise.resolve() : new Promise<void>(() => undefined);
  }
}

function fixture(yaml: string) {
  const clock = new FakeClock(NOW);
  const cache = new LabletCache({ prefix: PREFIX });
  const informer = new DeliveredRevision();
  const client = new ScriptedClient();
  const terms = new ManualTerms(5);
  const config: SchedulerConfig = parseConfig(yaml);
  const controller = new SchedulerController({ cache, informer, client, terms, clock, config: () => config });
  let revision = 10;
  const put = (kind: 'workers' | 'instances', b: WorkerBuilder | InstanceBuilder): void => {
    revision += 1;
    const kv = { key: `${PREFIX}/${kind}/${b.json().id}`, value: b.bytes(), createRevision: revision, modRevision: revision, version: 1 };
    cache.onDeltas([{ type: 'upsert', kv, previous: undefined }], revision, 'watch');
    informer.revision = revision;
  };
  /** Lets deliveries, timers due now and promise chains run. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      await clock.tick(0);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { clock, client, terms, controller, put, settle };
}

const notPending = (): PlacementConflictError =>
  new PlacementConflictError({ route: 'schedule', instanceId: 'li-1' }, 'NotPending', { phase: 'SCHEDULED', workerId: 'w-1', modRevision: undefined });

describe('the resync of reconcile.resyncIntervalSeconds', () => {
  it.each([
    ['the default 30 s', '', 30],
    ['a configured 7 s', 'reconcile: {resyncIntervalSeconds: 7}', 7],
  ])('re-queues a placeable instance nobody looks after once %s have passed, with no cache event', async (_name, yaml, seconds) => {
    const t = fixture(yaml);
    t.put('workers', aWorker('w-1'));
    t.put('instances', anInstance('li-1'));
    t.client.scheduleAnswers.push(notPending());
    const term = t.terms.currentTerm();
    if (term === undefined) throw new Error('no term');
    const leading = t.controller.lead(term);
    await t.settle();
    expect(t.client.schedules().map((s) => s.instanceId)).toEqual(['li-1']); // refused: NotPending, so left alone

    await t.clock.tick(seconds * 1000 - 1);
    await t.settle();
    expect(t.client.schedules()).toHaveLength(1);

    await t.clock.tick(1);
    await t.settle();
    expect(t.client.schedules()).toEqual([
      expect.objectContaining({ instanceId: 'li-1', workerId: 'w-1', fencingToken: '5' }),
      expect.objectContaining({ instanceId: 'li-1', workerId: 'w-1', fencingToken: '5' }),
    ]);

    // Accepted now: an assumption looks after it, so the next resync leaves it alone.
    await t.clock.tick(seconds * 1000);
    await t.settle();
    expect(t.client.schedules()).toHaveLength(2);

    t.terms.stepDown('shutdown');
    await t.settle();
    await leading;
  });
});
