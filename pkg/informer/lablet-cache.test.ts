import { aWorker, anInstance } from '../objects/testing';
import type { KeyValue } from '../store';
import type { CachedInstance, CachedWorker, InvalidInstance } from './lablet-cache';
import { LabletCache } from './lablet-cache';
import type { Delta } from './list-watch';

const PREFIX = '/lcm';
let revision = 100;

function kv(key: string, value: Buffer | string, createRevision?: number, leaseId?: string): KeyValue {
  revision += 1;
  return { key, value: Buffer.isBuffer(value) ? value : Buffer.from(value), createRevision: createRevision ?? revision, modRevision: revision, version: 1, ...(leaseId ? { leaseId } : {}) };
}

const putInstance = (id: string, value: Buffer | string): Delta => ({ type: 'upsert', kv: kv(`${PREFIX}/instances/${id}`, value), previous: undefined });
const putWorker = (id: string, value: Buffer | string): Delta => ({ type: 'upsert', kv: kv(`${PREFIX}/workers/${id}`, value), previous: undefined });
const deleteKey = (key: string): Delta => ({ type: 'delete', key, previous: kv(key, ''), revision: ++revision });

function setup(): { cache: LabletCache; malformed: string[]; events: string[]; invalid: InvalidInstance[] } {
  const malformed: string[] = [];
  const events: string[] = [];
  const invalid: InvalidInstance[] = [];
  const cache = new LabletCache({ prefix: PREFIX, metrics: { malformedValue: (kind) => malformed.push(kind) } });
  const describe = (x: CachedInstance | CachedWorker | undefined): string => (x === undefined ? '-' : String(x.modRevision));
  cache.addListener({
    onInstanceChange: (id, before, after) => events.push(`instance ${id} ${describe(before)}->${describe(after)}`),
    onWorkerChange: (id, before, after) => events.push(`worker ${id} ${describe(before)}->${describe(after)}`),
    onInvalidInstance: (i) => invalid.push(i),
  });
  return { cache, malformed, events, invalid };
}

describe('LabletCache', () => {
  it('indexes placeable instances, holders by worker and workers by status', () => {
    const { cache } = setup();
    cache.onDeltas([
      putWorker('w1', aWorker('w1').bytes()),
      putWorker('w2', aWorker('w2').withStatus('DRAINING').bytes()),
      putInstance('pending', anInstance('pending').bytes()),
      putInstance('held', anInstance('held').scheduledOn('w1').bytes()),
      putInstance('pinned', anInstance('pinned').withWorkerId('w2').bytes()),
      putInstance('done', anInstance('done').withPhase('STOPPED').withWorkerId('w1').bytes()),
    ], revision, 'list');
    expect([...cache.placeableIds()]).toEqual(['pending']);
    expect([...cache.holdersOf('w1')]).toEqual(['held']);
    expect([...cache.holdersOf('w2')]).toEqual(['pinned']);
    expect([...cache.workersWithStatus('DRAINING')]).toEqual(['w2']);
    expect(cache.counts()).toEqual({ instances: 4, workers: 2, invalidInstances: 0, placeable: 1 });
  });

  it('moves an instance between indexes as its phase and worker change, and drops it on delete', () => {
    const { cache, events } = setup();
    cache.onDeltas([putInstance('i1', anInstance('i1').bytes())], revision, 'watch');
    cache.onDeltas([putInstance('i1', anInstance('i1').scheduledOn('w1').bytes())], revision, 'watch');
    expect(cache.placeableIds().size).toBe(0);
    expect([...cache.holdersOf('w1')]).toEqual(['i1']);
    cache.onDeltas([deleteKey(`${PREFIX}/instances/i1`)], revision, 'watch');
    expect(cache.holdersOf('w1').size).toBe(0);
    expect(cache.instance('i1')).toBeUndefined();
    expect(events).toHaveLength(3);
    expect(events[2]).toMatch(/^instance i1 \d+->-$/);
  });

  it.each([
    ['not JSON', '{"id":'],
    ['an unknown phase', JSON.stringify({ ...anInstance('bad').json(), phase: 'DANCING' })],
    ['a negative cpu', JSON.stringify({ ...anInstance('bad').json(), requirements: { cpuCores: -1, memoryGb: 1, storageGb: 1 } })],
    ['an id that differs from the key', anInstance('other').bytes()],
  ])('skips an instance value that is %s, counts it and keeps the rest', (_situation, value) => {
    const { cache, malformed } = setup();
    cache.onDeltas([putInstance('bad', value), putInstance('good', anInstance('good').bytes())], revision, 'list');
    expect(malformed).toEqual(['instance']);
    expect(cache.instance('bad')).toBeUndefined();
    expect([...cache.placeableIds()]).toEqual(['good']);
  });

  it('hands an identifiable malformed instance to listeners as invalid, and forgets it once valid', () => {
    const { cache, invalid } = setup();
    const bad = JSON.stringify({ ...anInstance('li-x').json(), requirements: { cpuCores: 'two', memoryGb: 1, storageGb: 1 } });
    cache.onDeltas([putInstance('li-x', bad)], revision, 'watch');
    expect(invalid).toEqual([expect.objectContaining({ id: 'li-x', phase: 'PENDING' })]);
    expect(invalid[0]?.reason).toContain('cpuCores');
    expect(cache.invalidInstance('li-x')).toBeDefined();
    cache.onDeltas([putInstance('li-x', anInstance('li-x').bytes())], revision, 'watch');
    expect(cache.invalidInstance('li-x')).toBeUndefined();
    expect([...cache.placeableIds()]).toEqual(['li-x']);
  });

  it('keeps a holding instance with its last good value when its value turns malformed, until deleted', () => {
    const { cache } = setup();
    cache.onDeltas([putInstance('held', anInstance('held').withCpu(3).scheduledOn('w1').bytes())], revision, 'watch');
    cache.onDeltas([putInstance('held', 'garbage')], revision, 'watch');
    expect([...cache.holdersOf('w1')]).toEqual(['held']);
    expect(cache.instance('held')).toMatchObject({ isStale: true, instance: { requirements: { resources: { cpuMilli: 3000 } } } });
    cache.onDeltas([deleteKey(`${PREFIX}/instances/held`)], revision, 'watch');
    expect(cache.holdersOf('w1').size).toBe(0);
  });

  it('removes a worker whose value turns malformed from placement', () => {
    const { cache, malformed } = setup();
    cache.onDeltas([putWorker('w1', aWorker('w1').bytes())], revision, 'watch');
    cache.onDeltas([putWorker('w1', JSON.stringify({ ...aWorker('w1').json(), license: 'gold' }))], revision, 'watch');
    expect(cache.worker('w1')).toBeUndefined();
    expect(malformed).toEqual(['worker']);
  });

  it('ignores keys with a further slash or outside the object prefixes, counting the malformed ones', () => {
    const { cache, malformed } = setup();
    cache.onDeltas([putInstance('a/b', anInstance('b').bytes()), { type: 'upsert', kv: kv(`${PREFIX}/other/x`, 'x'), previous: undefined }], revision, 'list');
    expect(cache.counts().instances).toBe(0);
    expect(malformed).toEqual(['instance']);
  });

  it('tracks the leader key with its create revision as the fencing token', () => {
    const { cache } = setup();
    const leader = kv(`${PREFIX}/scheduler/leader`, 'replica-a', 555, '7587869000000000001');
    cache.onDeltas([{ type: 'upsert', kv: leader, previous: undefined }], revision, 'watch');
    expect(cache.currentLeader()).toEqual({ holder: 'replica-a', createRevision: 555, leaseId: '7587869000000000001' });
    cache.onDeltas([deleteKey(`${PREFIX}/scheduler/leader`)], revision, 'watch');
    expect(cache.currentLeader()).toBeUndefined();
  });
});
