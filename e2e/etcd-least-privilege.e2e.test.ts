// Least privilege on real etcd (issue 17): the scheduler's etcd user may read and watch PREFIX/ and
// write only PREFIX/scheduler/ (the leader key, contract §1), with authentication on and etcd
// judging every call; the development API writes instances and workers as root. With that role,
// `node dist/main.js` replicas place, elect, step down on SIGTERM (revoking the lease), and recover
// when their lease is revoked under them and when etcd restarts. etcd refuses the user every write
// elsewhere; a user without write on PREFIX/scheduler/ is told once, at error level, what it lacks,
// and keeps serving /readyz as a standby.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevControlPlaneApi } from '../dev/controlplane-api';
import { start as startDevApi } from '../dev/controlplane-api';
import { instanceKey, leaderKey } from '../pkg/objects';
import { EtcdStore, isPermissionDenied } from '../pkg/store';
import type { EtcdHandle } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import { logLines } from './support/cluster';
import { enableAuth, schedulerGrants } from './support/etcd-auth';
import { instance, worker } from './support/fleets';
import { PrefixHistory } from './support/history';
import { ReplicaSet } from './support/replica-set';
import { statusOf } from './support/scheduler-process';

jest.setTimeout(90_000);

const SCHEDULER_USER = 'lablet-scheduler';
const READ_ONLY_USER = 'lablet-read-only';
const PASSWORDS: Readonly<Record<string, string>> = { root: 'root-password', [SCHEDULER_USER]: 'scheduler-password', [READ_ONLY_USER]: 'read-only-password' };
const REFUSED_MESSAGE = 'etcd refused the leader key write: the etcd user needs readwrite on PREFIX/scheduler/';

describe('the scheduler with read on PREFIX/ and write on PREFIX/scheduler/ only (issue 17)', () => {
  const prefix = uniquePrefix('least-privilege');
  let etcd: EtcdHandle;
  let dir: string;
  let rootStore: EtcdStore;
  let api: DevControlPlaneApi;
  let history: PrefixHistory;
  let replicas: ReplicaSet | undefined;

  beforeAll(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'least-privilege-'));
    await enableAuth({ hosts: [...etcd.endpoints] }, {
      rootPassword: PASSWORDS['root'] ?? '',
      roles: { scheduler: schedulerGrants(prefix), 'scheduler-read-only': [{ permission: 'Read', prefix: `${prefix}/` }] },
      users: {
        [SCHEDULER_USER]: { password: PASSWORDS[SCHEDULER_USER] ?? '', roles: ['scheduler'] },
        [READ_ONLY_USER]: { password: PASSWORDS[READ_ONLY_USER] ?? '', roles: ['scheduler-read-only'] },
      },
    });
    for (const [user, password] of Object.entries(PASSWORDS)) await writeFile(join(dir, user), `${password}\n`);
    rootStore = await EtcdStore.connect({ endpoints: etcd.endpoints, username: 'root', passwordFile: join(dir, 'root') });
    api = await startDevApi({ store: rootStore, prefix });
    history = await PrefixHistory.start(rootStore, prefix);
  });
  afterEach(async () => {
    await replicas?.close();
    replicas = undefined;
  });
  afterAll(async () => {
    await history.close();
    await api.close();
    await rootStore.close();
    await etcd.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const envFor = (user: string): Record<string, string> => ({
    ETCD_ENDPOINTS: etcd.endpoints.join(','), ETCD_PREFIX: prefix, ETCD_USERNAME: user, ETCD_PASSWORD_FILE: join(dir, user), CONTROL_PLANE_API_URL: api.url,
  });
  const placed = (ids: readonly string[]) => async (): Promise<boolean> => {
    await history.sync();
    const counts = history.placementCounts();
    return ids.every((id) => counts.has(id));
  };
  /** Read from the instance itself, so that the restart's check does not rest on the history's own watch. */
  const workerOf = async (id: string): Promise<unknown> => {
    const kv = await rootStore.get(instanceKey(prefix, id));
    return kv === undefined ? undefined : (JSON.parse(kv.value.toString('utf8')) as { workerId?: unknown }).workerId;
  };
  const tokenOf = (id: string): number | undefined => history.placements.find((p) => p.instanceId === id)?.token;

  it('is refused by etcd every write but under PREFIX/scheduler/, and every read outside PREFIX/; leases need no key permission', async () => {
    const store = await EtcdStore.connect({ endpoints: etcd.endpoints, username: SCHEDULER_USER, passwordFile: join(dir, SCHEDULER_USER) });
    const outcome = async (call: () => Promise<unknown>): Promise<string> => {
      try {
        await call();
        return 'allowed';
      } catch (err: unknown) {
        return isPermissionDenied(err) ? 'permission denied' : `failed: ${err instanceof Error ? err.message : String(err)}`;
      }
    };
    const put = (key: string) => () => store.txn([], [{ type: 'put', key, value: 'x' }]);
    try {
      const lease = await store.grantLease(5);
      const outcomes = {
        'put PREFIX/scheduler/probe': await outcome(put(`${prefix}/scheduler/probe`)),
        'delete PREFIX/scheduler/probe': await outcome(() => store.txn([], [{ type: 'delete', key: `${prefix}/scheduler/probe` }])),
        'put PREFIX/instances/li-forged': await outcome(put(`${prefix}/instances/li-forged`)),
        'put PREFIX/workers/w-forged': await outcome(put(`${prefix}/workers/w-forged`)),
        'put PREFIX/schedulerx (a sibling of the prefix)': await outcome(put(`${prefix}/schedulerx`)),
        'put /elsewhere/key': await outcome(put('/elsewhere/key')),
        'list PREFIX/': await outcome(() => store.list(`${prefix}/`)),
        'get /elsewhere/key': await outcome(() => store.get('/elsewhere/key')),
        'keep a lease alive': await outcome(() => store.keepAliveOnce(lease)),
        'revoke a lease': await outcome(() => store.revokeLease(lease)),
      };
      expect(outcomes).toEqual({
        'put PREFIX/scheduler/probe': 'allowed',
        'delete PREFIX/scheduler/probe': 'allowed',
        'put PREFIX/instances/li-forged': 'permission denied',
        'put PREFIX/workers/w-forged': 'permission denied',
        'put PREFIX/schedulerx (a sibling of the prefix)': 'permission denied',
        'put /elsewhere/key': 'permission denied',
        'list PREFIX/': 'allowed',
        'get /elsewhere/key': 'permission denied',
        'keep a lease alive': 'allowed',
        'revoke a lease': 'allowed',
      });
    } finally {
      await store.close();
    }
  });

  it('places, elects, steps down on SIGTERM, and recovers from a revoked lease and an etcd restart', async () => {
    const set = (replicas = await ReplicaSet.create({ store: rootStore, prefix, env: envFor(SCHEDULER_USER) }));
    await set.start('lp-a');
    await set.start('lp-b');
    await api.objects.putWorker(worker('w-1'));
    const first = await set.waitForSoleLeader();
    for (const id of ['li-1', 'li-2']) await api.objects.putInstance(instance(id));
    await waitFor(placed(['li-1', 'li-2']), { timeoutMs: 30_000, message: 'the first leader to place li-1 and li-2' });

    // Stepping down: SIGTERM revokes the lease (etcd checks write on the key the lease holds).
    set.proc(first.identity).kill('SIGTERM');
    expect(await set.proc(first.identity).exited).toBe(0);
    expect(logLines(set.proc(first.identity), 'resigned').map((l) => [l['fencingToken'], l['leaseRevoked']])).toEqual([[first.token, true]]);
    const second = await set.waitForSoleLeader({ newerThan: first.token });
    expect(second.identity).not.toBe(first.identity);
    await api.objects.putInstance(instance('li-3'));
    await waitFor(placed(['li-3']), { timeoutMs: 30_000, message: 'the second leader to place li-3' });

    // The lease lost under it (revoked by root): the term ends and a new campaign wins a new one.
    const held = await rootStore.get(leaderKey(prefix));
    expect(held?.leaseId).toBeDefined();
    await rootStore.revokeLease(held?.leaseId ?? '0');
    const third = await set.waitForSoleLeader({ newerThan: second.token });
    expect(logLines(set.proc(second.identity), 'lost leadership').map((l) => l['fencingToken'])).toContain(second.token);
    await api.objects.putInstance(instance('li-4'));
    await waitFor(placed(['li-4']), { timeoutMs: 30_000, message: 'the third term to place li-4' });

    await history.sync();
    expect(history.doublePlaced()).toEqual([]);
    expect(['li-1', 'li-2', 'li-3', 'li-4'].map(tokenOf)).toEqual([first.token, first.token, second.token, third.token]);

    // etcd restarts, forgetting every auth token: the replica authenticates again, its watch is
    // created anew on a fresh token (issue 17: etcd3 re-sent the stale one and the watch never
    // reopened), so it places what arrives next and is ready again.
    await etcd.restart();
    await api.objects.putInstance(instance('li-5'));
    await waitFor(async () => (await workerOf('li-5')) === 'w-1', { timeoutMs: 30_000, message: 'a leader to place li-5 after etcd restarted' });
    // Placing li-5 needs no open watch (a re-list finds it), so readiness is asked separately.
    await waitFor(async () => (await statusOf(set.proc(third.identity), '/readyz')) === 200, {
      timeoutMs: 20_000, message: `/readyz of ${third.identity} to answer 200 after etcd restarted`,
    });
    // The role is enough: etcd refused nothing the scheduler asked.
    expect(set.allOutput().filter((l) => /permission denied|credentials/i.test(l))).toEqual([]);
  });

  it('without write on PREFIX/scheduler/, says once at error level which permission is missing and stays a ready standby', async () => {
    // A previous test's killed leader may still hold the key until its lease runs out.
    await waitFor(async () => (await rootStore.get(leaderKey(prefix))) === undefined, { message: 'no leader key' });
    const set = (replicas = await ReplicaSet.create({
      store: rootStore, prefix, env: envFor(READ_ONLY_USER),
      configYaml: 'leaderElection: {leaseTtlSeconds: 3}\nlogging: {level: debug}\n',
    }));
    const proc = await set.start('lp-read-only');
    await api.objects.putInstance(instance('li-unplaced'));
    // Each campaign (every second with a 3 s TTL) is refused; after the first, quietly.
    await waitFor(() => logLines(proc, 'campaign refused by etcd').length >= 3, { timeoutMs: 30_000, message: 'three more refused campaigns' });

    const errors = proc.output.filter((l) => l.includes('"level":"error"'));
    expect(errors).toHaveLength(1);
    const said = logLines(proc, REFUSED_MESSAGE);
    expect(said.map((l) => [l['level'], l['key']])).toEqual([['error', `${prefix}/scheduler/leader`]]);
    expect(JSON.stringify(said[0]?.['err'])).toMatch(/permission denied/);
    expect(await statusOf(proc, '/readyz')).toBe(200);
    const view = await proc.get('/debug/leader');
    expect(view.body).toMatchObject({ leader: false, leaderIdentity: null });
    expect(await rootStore.get(leaderKey(prefix))).toBeUndefined();
    expect(await workerOf('li-unplaced')).toBeNull();
  });
});
