import { classifyKey, decode } from './decode';
import { holdsCapacity, isPlaceable } from './lablet-instance';
import type { InstancePhase } from './lablet-instance';
import { anInstance, aWorker } from './testing';

const P = '/lcm';
const bytes = (doc: unknown): Buffer => Buffer.from(JSON.stringify(doc), 'utf8');

function decodeInstance(doc: Record<string, unknown>, id = 'li-1') {
  return decode(P, `${P}/instances/${id}`, bytes(doc));
}

function decodeWorker(doc: Record<string, unknown>, id = 'w-1') {
  return decode(P, `${P}/workers/${id}`, bytes(doc));
}

function withRequirements(patch: Record<string, unknown>): Record<string, unknown> {
  const doc = anInstance().json();
  return { ...doc, requirements: { ...doc.requirements, ...patch } };
}

function withCapacity(patch: Record<string, unknown>): Record<string, unknown> {
  const doc = aWorker().json();
  return { ...doc, capacity: { ...doc.capacity, ...patch } };
}

describe('classifyKey', () => {
  it.each([
    ['an instance key', '/lcm/instances/li-7f3a', { type: 'instance', id: 'li-7f3a' }],
    ['a worker key', '/lcm/workers/w-use1-03', { type: 'worker', id: 'w-use1-03' }],
    ['the leader key', '/lcm/scheduler/leader', { type: 'leader' }],
    ['another key under PREFIX', '/lcm/config/x', { type: 'ignored' }],
    ['a key outside PREFIX', '/other/instances/li-1', { type: 'ignored' }],
    ['the instances folder itself without slash', '/lcm/instances', { type: 'ignored' }],
    ['a sibling prefix sharing the start', '/lcm2/instances/li-1', { type: 'ignored' }],
  ])('classifies %s', (_name, key, expected) => {
    expect(classifyKey(P, key)).toEqual(expected);
  });

  it.each([
    ['id with / is malformed', '/lcm/instances/a/b', 'instance', 'further "/"'],
    ['an empty id', '/lcm/workers/', 'worker', 'must match'],
    ['an id starting with a dot', '/lcm/instances/.hidden', 'instance', 'must match'],
    ['an id of 129 characters', `/lcm/workers/${'a'.repeat(129)}`, 'worker', 'must match'],
  ])('%s', (_name, key, kind, detail) => {
    const cls = classifyKey(P, key);
    expect(cls).toMatchObject({ type: 'malformed', kind, id: undefined });
    expect(cls.type === 'malformed' ? cls.reason : '').toContain(detail);
  });

  it('accepts a prefix given with a trailing slash', () => {
    expect(classifyKey('/lcm/', '/lcm/workers/w-1')).toEqual({ type: 'worker', id: 'w-1' });
  });

  it('accepts an id of 128 characters', () => {
    const id = `a${'-'.repeat(127)}`;
    expect(classifyKey(P, `/lcm/instances/${id}`)).toEqual({ type: 'instance', id });
  });
});

describe('decode: instances', () => {
  it('decodes the contract example with thousandths, epoch ms and a parsed range', () => {
    const doc = {
      id: 'li-7f3a', definitionId: 'ccnp-enarsi-lab-1.2', phase: 'PENDING',
      requirements: {
        cpuCores: 2, memoryGb: 4, storageGb: 15, nodes: 2, ports: 3,
        licenseAffinity: ['personal', 'enterprise'], cmlVersion: '>=2.7.0 <3.0.0', nodeDefinitions: ['iosv', 'csr1000v'],
      },
      preferredRegion: 'us-east-1',
      timeslot: { start: '2026-11-27T10:00:00Z', end: '2026-11-27T12:00:00Z' },
      priority: 0, workerId: null, createdAt: '2026-11-27T09:12:00Z', somethingNew: { ignored: true },
    };
    const d = decodeInstance(doc, 'li-7f3a');
    if (d.type !== 'instance') throw new Error(JSON.stringify(d));
    const li = d.instance;
    expect(li.requirements.resources).toEqual({ cpuMilli: 2000, memoryMilli: 4000, storageMilli: 15000, nodesMilli: 2000, portsMilli: 3000 });
    expect(li.requirements.licenseAffinity).toEqual(['personal', 'enterprise']);
    expect(li.requirements.cmlVersion?.raw).toBe('>=2.7.0 <3.0.0');
    expect(li.requirements.cmlVersion?.range.test('2.10.0')).toBe(true);
    expect(li.timeslot).toEqual({
      start: '2026-11-27T10:00:00Z', end: '2026-11-27T12:00:00Z',
      startMs: Date.UTC(2026, 10, 27, 10), endMs: Date.UTC(2026, 10, 27, 12),
    });
    expect(li.createdAtMs).toBe(Date.UTC(2026, 10, 27, 9, 12));
    expect([li.workerId, li.preferredRegion, li.priority]).toEqual([undefined, 'us-east-1', 0]);
  });

  it('applies the defaults of contract §1 to a minimal instance', () => {
    const d = decodeInstance({ id: 'li-1', phase: 'PENDING', requirements: { cpuCores: 1, memoryGb: 1, storageGb: 1 } });
    if (d.type !== 'instance') throw new Error(JSON.stringify(d));
    expect(d.instance).toMatchObject({
      requirements: { resources: { nodesMilli: 0, portsMilli: 0 }, licenseAffinity: [], cmlVersion: undefined, nodeDefinitions: [] },
      preferredRegion: undefined, timeslot: undefined, priority: 0, workerId: undefined, createdAtMs: undefined,
    });
  });

  it.each([
    ['an offset time converts to UTC', '2026-11-27T12:00:00+02:00', Date.UTC(2026, 10, 27, 10)],
    ['fractional seconds keep milliseconds', '2026-11-27T10:00:00.250Z', Date.UTC(2026, 10, 27, 10, 0, 0, 250)],
  ])('reads times: %s', (_name, createdAt, ms) => {
    const d = decodeInstance(anInstance().withCreatedAt(createdAt).json());
    expect(d.type === 'instance' ? d.instance.createdAtMs : d).toBe(ms);
  });

  it.each([
    ['3 decimals ok, 4 refused', withRequirements({ cpuCores: 1.2345 }), 'requirements.cpuCores: at most 3 decimals'],
    ['a negative quantity', withRequirements({ memoryGb: -1 }), 'requirements.memoryGb: must be >= 0'],
    ['a quantity given as a string', withRequirements({ storageGb: '15' }), 'requirements.storageGb'],
    ['a missing required quantity', withRequirements({ cpuCores: undefined }), 'requirements.cpuCores'],
    ['a fractional priority', { ...anInstance().json(), priority: 1.5 }, 'priority'],
    ['unknown phase', { ...anInstance().json(), phase: 'WAITING' }, 'phase'],
    ['an unknown license in the affinity', withRequirements({ licenseAffinity: ['gold'] }), 'requirements.licenseAffinity.0'],
    ['an invalid version range', withRequirements({ cmlVersion: '>=banana' }), 'requirements.cmlVersion: must be a node-semver range'],
    ['end equal to start refused', anInstance().withTimeslot('2026-11-27T10:00:00Z', '2026-11-27T10:00:00Z').json(), 'timeslot.end: must be after timeslot.start'],
    ['end before start refused', anInstance().withTimeslot('2026-11-27T10:00:00Z', '2026-11-27T09:00:00Z').json(), 'timeslot.end'],
    ['a time without offset', anInstance().withCreatedAt('2026-11-27T09:00:00').json(), 'createdAt: must be an RFC 3339 time'],
    ['a time without seconds', anInstance().withCreatedAt('2026-11-27T09:00Z').json(), 'createdAt'],
    ['30 February', anInstance().withCreatedAt('2026-02-30T09:00:00Z').json(), 'createdAt'],
    ['a workerId breaking the id pattern', { ...anInstance().json(), workerId: 'w/1' }, 'workerId'],
    ['an id differing from the key', { ...anInstance().json(), id: 'li-2' }, 'id: "li-2" must equal the key\'s last segment "li-1"'],
  ])('%s: malformed, reported with id and phase', (_name, doc, reason) => {
    const d = decodeInstance(doc);
    expect(d.type).toBe('malformed');
    if (d.type !== 'malformed') return;
    expect(d.reason).toContain(`instance: ${reason}`);
    expect(d.id).toBe('li-1');
    expect(d.kind).toBe('instance');
    expect(d.phase).toBe(doc['phase'] === 'WAITING' ? undefined : 'PENDING');
  });

  it.each([
    ['not JSON', Buffer.from('{"id": ', 'utf8'), 'instance: value: must be JSON'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'instance: value: must be UTF-8'],
    ['a JSON array', Buffer.from('[]', 'utf8'), 'instance: value: Invalid input'],
  ])('%s: malformed with the key id and no phase', (_name, value, reason) => {
    const d = decode(P, `${P}/instances/li-9`, value);
    expect(d).toMatchObject({ type: 'malformed', kind: 'instance', id: 'li-9', phase: undefined });
    expect(d.type === 'malformed' ? d.reason : '').toContain(reason);
  });

  it('lists every problem of a value, each with its field', () => {
    const d = decodeInstance({ id: 'li-1', phase: 'PENDING', requirements: { cpuCores: -1, memoryGb: 0.0001, storageGb: 1 } });
    expect(d.type === 'malformed' ? d.reason : '').toBe(
      'instance: requirements.cpuCores: must be >= 0; requirements.memoryGb: at most 3 decimals allowed',
    );
  });

  it('treats null optional fields as absent', () => {
    const d = decodeInstance({ ...anInstance().json(), preferredRegion: null, timeslot: null, priority: null, createdAt: null });
    expect(d.type === 'instance' ? [d.instance.preferredRegion, d.instance.timeslot, d.instance.priority, d.instance.createdAtMs] : d)
      .toEqual([undefined, undefined, 0, undefined]);
  });
});

describe('decode: workers', () => {
  it('decodes capacity to thousandths with absent nodes and ports unlimited', () => {
    const d = decodeWorker(aWorker().withCpu(0.5).json());
    if (d.type !== 'worker') throw new Error(JSON.stringify(d));
    expect(d.worker.capacity).toEqual({ cpuMilli: 500, memoryMilli: 192000, storageMilli: 256000, nodesMilli: undefined, portsMilli: undefined });
    expect(d.worker.cmlVersion?.semver.version).toBe('2.9.1');
  });

  it.each([
    ['2.10.0 parses', '2.10.0', '2.10.0'],
    ['a prerelease parses', '3.0.0-rc.1', '3.0.0-rc.1'],
    ['build metadata parses', '2.9.1+b42', '2.9.1'],
  ])('versions: %s', (_name, raw, version) => {
    const d = decodeWorker(aWorker().withCmlVersion(raw).json());
    expect(d.type === 'worker' ? [d.worker.cmlVersion?.raw, d.worker.cmlVersion?.semver.version] : d).toEqual([raw, version]);
  });

  it.each([
    ['unknown status', { ...aWorker().json(), status: 'BUSY' }, 'status'],
    ['unknown license', { ...aWorker().json(), license: 'gold' }, 'license'],
    ['a loose version with v', aWorker().withCmlVersion('v2.9.1').json(), 'cmlVersion: must be a strict semver'],
    ['a two-part version', aWorker().withCmlVersion('2.9').json(), 'cmlVersion'],
    ['a version with a leading zero', aWorker().withCmlVersion('2.09.1').json(), 'cmlVersion'],
    ['a version part above 2^53', aWorker().withCmlVersion('99999999999999999.0.0').json(), 'cmlVersion: must be a semver version'],
    ['4 decimals of memory', withCapacity({ memoryGb: 1.0001 }), 'capacity.memoryGb: at most 3 decimals'],
    ['a label that is not a string', { ...aWorker().json(), labels: { zone: 3 } }, 'labels.zone'],
    ['a missing capacity', { ...aWorker().json(), capacity: undefined }, 'capacity'],
  ])('%s: malformed', (_name, doc, reason) => {
    const d = decodeWorker(doc);
    expect(d).toMatchObject({ type: 'malformed', kind: 'worker', id: 'w-1', phase: undefined });
    expect(d.type === 'malformed' ? d.reason : '').toContain(`worker: ${reason}`);
  });
});

describe('decode: leader key', () => {
  it('reads the holder as bare UTF-8', () => {
    expect(decode(P, '/lcm/scheduler/leader', Buffer.from('sched-a', 'utf8'))).toEqual({ type: 'leader', holder: 'sched-a' });
  });
});

describe('holdsCapacity and isPlaceable', () => {
  it.each<[InstancePhase, string | undefined, boolean, boolean]>([
    ['PENDING', undefined, false, true],
    ['PENDING', 'w-1', true, false],
    ['SCHEDULED', 'w-1', true, false],
    ['INSTANTIATING', 'w-1', true, false],
    ['READY', 'w-1', true, false],
    ['RUNNING', 'w-1', true, false],
    ['GRADED', 'w-1', true, false],
    ['STOPPING', 'w-1', true, false],
    ['STOPPED', 'w-1', false, false],
    ['TERMINATED', 'w-1', false, false],
    ['FAILED', 'w-1', false, false],
    ['EXPIRED', 'w-1', false, false],
    ['RUNNING', undefined, false, false],
  ])('%s on %s: holds %s, placeable %s', (phase, workerId, holds, placeable) => {
    const li = anInstance().withPhase(phase).withWorkerId(workerId).build();
    expect([holdsCapacity(li), isPlaceable(li)]).toEqual([holds, placeable]);
  });
});
