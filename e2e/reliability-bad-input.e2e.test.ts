// Bad input through real etcd (issue 13): about 50 malformed values of every kind (non-JSON, bytes
// that are not UTF-8, wrong types, negative, huge, fractional and non-finite numbers, unknown enum
// values, ids with "/", "..", "%", unicode or 129 characters, key and id mismatches, invalid ranges, one
// value of about 1 MB) written beside valid objects, half before the scheduler starts (the list) and
// half while it runs (the watch). Nothing crashes or blocks: every valid instance is placed exactly
// once, no malformed one is, each malformed key is logged once per revision, each identifiable
// PENDING one is reported InvalidSpec, and an instance turned malformed keeps holding its capacity.
import type { EtcdHandle } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import { instance, worker } from './support/fleets';
import { PrefixHistory } from './support/history';
import { LogCapture } from './support/log-capture';
import type { SchedulerFixture } from './support/scheduler-fixture';
import { overCommitted, startSchedulerFixture } from './support/scheduler-fixture';

jest.setTimeout(120_000);

interface BadValue {
  readonly kind: 'instances' | 'workers';
  /** The key's last segment(s), as written. */
  readonly id: string;
  readonly value: string | Buffer;
  /** Its id and PENDING phase still read: the scheduler must report it InvalidSpec (contract §1). */
  readonly reportable: boolean;
}

const good = (id: string): Record<string, unknown> => ({ ...instance(id) });
const withRequirements = (id: string, patch: Record<string, unknown>): string =>
  JSON.stringify({ ...instance(id), requirements: { ...instance(id).requirements, ...patch } });
const withField = (id: string, patch: Record<string, unknown>): string => JSON.stringify({ ...good(id), ...patch });
const rawRequirement = (id: string, field: string, raw: string): string => withRequirements(id, { [field]: '@RAW@' }).replace('"@RAW@"', raw);
const badWorker = (id: string, patch: Record<string, unknown>): string => JSON.stringify({ ...worker(id), ...patch });

/** About 1 MB: an instance whose range is a megabyte of garbage (its reason must still fit a report). */
const HUGE_ID = 'li-bad-huge';
const HUGE = withRequirements(HUGE_ID, { cmlVersion: `>=${'x'.repeat(1_000_000)}` });

function badValues(): BadValue[] {
  const i = (id: string, value: string | Buffer, reportable: boolean): BadValue => ({ kind: 'instances', id, value, reportable });
  const w = (id: string, value: string | Buffer): BadValue => ({ kind: 'workers', id, value, reportable: false });
  return [
    i('li-bad-truncated', JSON.stringify(good('li-bad-truncated')).slice(0, 40), false),
    i('li-bad-bytes', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x00, 0x7d]), false),
    i('li-bad-empty', '', false),
    i('li-bad-null', 'null', false),
    i('li-bad-array', '[]', false),
    i('li-bad-string', '"PENDING"', false),
    i('li-bad-nan', '{"id": "li-bad-nan", "phase": "PENDING", "requirements": {"cpuCores": NaN}}', false),
    i('li-bad-deep', `${'['.repeat(5_000)}${']'.repeat(5_000)}`, false),
    i('li-bad-proto', '{"__proto__": {"phase": "PENDING"}, "id": "li-bad-proto", "requirements": {"cpuCores": 1, "memoryGb": 1, "storageGb": 1}}', false),
    i('li-bad-negative', withRequirements('li-bad-negative', { cpuCores: -1 }), true),
    i('li-bad-infinite', rawRequirement('li-bad-infinite', 'memoryGb', '1e999'), true),
    i('li-bad-fraction', withRequirements('li-bad-fraction', { cpuCores: 1.0005 }), true),
    i('li-bad-hugecpu', withRequirements('li-bad-hugecpu', { cpuCores: 2e9 }), true),
    i('li-bad-typed', withRequirements('li-bad-typed', { storageGb: '10' }), true),
    i('li-bad-missing', withRequirements('li-bad-missing', { memoryGb: undefined }), true),
    i('li-bad-nullcpu', withRequirements('li-bad-nullcpu', { cpuCores: null }), true),
    i('li-bad-nodes', withRequirements('li-bad-nodes', { nodes: -3 }), true),
    i('li-bad-ports', withRequirements('li-bad-ports', { ports: 0.0001 }), true),
    i('li-bad-phase', withField('li-bad-phase', { phase: 'WAITING' }), false),
    i('li-bad-lowercase', withField('li-bad-lowercase', { phase: 'pending' }), false),
    i('li-bad-phasenum', withField('li-bad-phasenum', { phase: 42 }), false),
    i('li-bad-license', withRequirements('li-bad-license', { licenseAffinity: ['gold'] }), true),
    i('li-bad-licensestr', withRequirements('li-bad-licensestr', { licenseAffinity: 'enterprise' }), true),
    i('li-bad-range', withRequirements('li-bad-range', { cmlVersion: '>=banana' }), true),
    i('li-bad-rangeor', withRequirements('li-bad-rangeor', { cmlVersion: '1.2.3 ||| 2' }), true),
    i(HUGE_ID, HUGE, true),
    i('li-bad-defs', withRequirements('li-bad-defs', { nodeDefinitions: 'iosv' }), true),
    i('li-bad-slot', withField('li-bad-slot', { timeslot: { start: '2026-11-27T12:00:00Z', end: '2026-11-27T10:00:00Z' } }), true),
    i('li-bad-offset', withField('li-bad-offset', { timeslot: { start: '2026-11-27T10:00:00', end: '2026-11-27T12:00:00Z' } }), true),
    i('li-bad-feb30', withField('li-bad-feb30', { createdAt: '2026-02-30T09:00:00Z' }), true),
    i('li-bad-priority', withField('li-bad-priority', { priority: 1.5 }), true),
    i('li-bad-bigprio', withField('li-bad-bigprio', { priority: 1e300 }), true),
    i('li-bad-workerid', withField('li-bad-workerid', { workerId: 'w/1' }), true),
    i('li-bad-mismatch', withField('li-bad-mismatch', { id: 'li-other' }), true),
    i('li-bad-percentid', withField('li-bad-percentid', { id: 'li%2Fbad' }), true),
    i('li/bad-slash', JSON.stringify(good('bad-slash')), false),
    i('..', JSON.stringify(good('..')), false),
    i('li%2Fbad', JSON.stringify(good('li%2Fbad')), false),
    i('li-bad-é', JSON.stringify(good('li-bad-é')), false),
    i(`l${'i'.repeat(128)}`, JSON.stringify(good(`l${'i'.repeat(128)}`)), false),
    i('.hidden', JSON.stringify(good('.hidden')), false),
    w('w-bad-license', badWorker('w-bad-license', { license: 'gold' })),
    w('w-bad-status', badWorker('w-bad-status', { status: 'BUSY' })),
    w('w-bad-version', badWorker('w-bad-version', { cmlVersion: 'v2.9.1' })),
    w('w-bad-cpu', badWorker('w-bad-cpu', { capacity: { cpuCores: -8, memoryGb: 64, storageGb: 100 } })),
    w('w-bad-memory', badWorker('w-bad-memory', { capacity: { cpuCores: 8, memoryGb: 1e10, storageGb: 100 } })),
    w('w-bad-nocap', badWorker('w-bad-nocap', { capacity: undefined })),
    w('w-bad-mismatch', badWorker('w-other', {})),
    w('w-bad-labels', badWorker('w-bad-labels', { labels: { zone: 3 } })),
    w('w/bad', badWorker('bad', {})),
    w('w-bad-json', '{"id": "w-bad-json", "status": "RUNNING"'),
  ];
}

describe('bad input through real etcd with a running scheduler', () => {
  let etcd: EtcdHandle;
  let fixture: SchedulerFixture | undefined;
  let history: PrefixHistory | undefined;

  beforeAll(async () => { etcd = await startEtcd(); });
  afterAll(async () => {
    await history?.close();
    await fixture?.close();
    await etcd.destroy();
  });

  it('skips and counts about 50 malformed values, reports the identifiable ones, and places every valid instance once', async () => {
    const log = new LogCapture();
    const f = (fixture = await startSchedulerFixture(etcd.endpoints, uniquePrefix('bad-input'), 'requeue: {baseDelayMs: 50, maxDelayMs: 2000}', log));
    const h = (history = await PrefixHistory.start(f.store, f.prefix));
    const bad = badValues();
    const write = async (b: BadValue): Promise<void> => {
      await f.store.txn([], [{ type: 'put', key: `${f.prefix}/${b.kind}/${b.id}`, value: b.value }]);
    };
    // Valid instances need iosv, which w-tight lacks: they never take its capacity.
    const valid = Array.from({ length: 40 }, (_, n) => instance(`li-ok-${n}`, {}, { cpuCores: 1, memoryGb: 2, storageGb: 5, nodeDefinitions: ['iosv'] }));
    // A worker only one instance fits (by a node definition no other worker has), to show that an
    // instance turned malformed keeps its capacity held (contract §1).
    const tight = worker('w-tight', { nodeDefinitions: ['tight-only'], capacity: { cpuCores: 2, memoryGb: 8, storageGb: 20 } });
    const tightA = instance('li-tight-a', {}, { cpuCores: 2, memoryGb: 4, storageGb: 10, nodeDefinitions: ['tight-only'] });

    await f.putWorkers([worker('w-1'), worker('w-2'), worker('w-3'), tight]);
    const half = Math.ceil(bad.length / 2);
    for (const b of bad.slice(0, half)) await write(b);
    await f.putInstances([...valid.slice(0, 20), tightA]);
    f.scheduler.start();
    await waitFor(() => f.scheduler.cacheCheck().ok, { message: 'the cache to sync over the first half of the bad values' });
    for (const b of bad.slice(half)) await write(b);
    await f.putInstances(valid.slice(20));

    const isPlaced = async (ids: readonly string[]): Promise<boolean> => {
      const state = await f.state();
      return ids.every((id) => state.instances.get(id)?.phase === 'SCHEDULED');
    };
    await waitFor(() => isPlaced([...valid.map((v) => v.id), 'li-tight-a']), { timeoutMs: 60_000, intervalMs: 200, message: 'every valid instance to be SCHEDULED' });

    // li-tight-a turns malformed while it holds w-tight: w-tight stays full for li-tight-b.
    await f.api.objects.putInstance(JSON.stringify({ ...instance('li-tight-a', { phase: 'SCHEDULED', workerId: 'w-tight' }), requirements: { cpuCores: -2 } }), 'li-tight-a');
    await f.putInstances([instance('li-tight-b', {}, { cpuCores: 1, memoryGb: 1, storageGb: 1, nodeDefinitions: ['tight-only'] })]);
    await waitFor(async () => (await f.api.reports.report('li-tight-b')) !== undefined, { timeoutMs: 30_000, message: 'li-tight-b to be reported unschedulable' });
    expect((await f.api.reports.report('li-tight-b'))?.message).toBe('0/4 workers fit: 3 MissingNodeDefinition, 1 InsufficientCpu');

    const reportable = bad.filter((b) => b.reportable).map((b) => b.id);
    await waitFor(async () => {
      for (const id of reportable) if ((await f.api.reports.report(id)) === undefined) return false;
      return true;
    }, { timeoutMs: 30_000, intervalMs: 200, message: `InvalidSpec reports for ${reportable.length} identifiable malformed instances` });

    // Nothing blocked: an instance written after everything else is placed, and the cache is synced.
    await f.putInstances([instance('li-ok-last', {}, { nodeDefinitions: ['iosv'] })]);
    await waitFor(() => isPlaced(['li-ok-last']), { message: 'an instance written after the bad values to be SCHEDULED' });
    expect(f.scheduler.cacheCheck()).toEqual({ ok: true });

    await h.sync();
    const placements = h.placementCounts();
    expect([...placements.keys()].sort()).toEqual([...valid.map((v) => v.id), 'li-ok-last', 'li-tight-a'].sort());
    expect(h.doublePlaced()).toEqual([]);
    expect(overCommitted(await f.state())).toEqual([]);
    expect(f.api.counts()['schedule']).toEqual({ '200': valid.length + 2 });

    for (const id of reportable) {
      const report = await f.api.reports.report(id);
      expect({ id, reasons: report?.reasons }).toEqual({ id, reasons: { InvalidSpec: 1 } });
      expect(report?.message.startsWith('invalid spec: instance: ')).toBe(true);
    }
    expect((await f.api.reports.report(HUGE_ID))?.message).toContain('requirements.cmlVersion: must be a node-semver range');
    for (const b of bad.filter((x) => !x.reportable && x.kind === 'instances' && !x.id.includes('/'))) {
      expect({ id: b.id, report: await f.api.reports.report(b.id) }).toEqual({ id: b.id, report: undefined });
    }

    // Counted: each malformed key logged once, at its revision; li-tight-a once more when it turned.
    const skipped = log.withMessage('malformed value skipped', 'warn');
    const keys = skipped.map((l) => String(l.fields['key']));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual([...bad.map((b) => `${f.prefix}/${b.kind}/${b.id}`), `${f.prefix}/instances/li-tight-a`].sort());
    for (const line of skipped) expect(String(line.fields['reason']).length).toBeLessThanOrEqual(1_100);
    expect(log.withMessage('placement failed')).toEqual([]);
  });
});
