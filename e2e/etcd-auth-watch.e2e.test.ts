// Watches under etcd password auth (issue 17): etcd checks a watch's auth token when it creates the
// watch, and forgets every token when it restarts or when one has been idle for --auth-token-ttl.
// EtcdStore's watches survive both: those open before a restart deliver every later event, once and
// in order, without onError; watches opened after a restart or after their client's token expired
// open and deliver. etcd judges the tokens; nothing here is mocked.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchRecorder } from '../pkg/store/conformance.suite';
import { EtcdStore } from '../pkg/store';
import type { EtcdHandle, StartEtcdOptions } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import { enableAuth } from './support/etcd-auth';

jest.setTimeout(60_000);

const USER = 'watcher';
/** etcd's token keeper drops an idle token within TTL + 1 s (it sweeps once a second). */
const TOKEN_TTL_SECONDS = 1;

interface AuthEtcd {
  readonly etcd: EtcdHandle;
  readonly root: EtcdStore;
  /** A store as USER, who may only read (and watch) the prefix. */
  readonly user: EtcdStore;
  close(): Promise<void>;
}

async function startAuthEtcd(prefix: string, options: StartEtcdOptions = {}): Promise<AuthEtcd> {
  const etcd = await startEtcd(options);
  const dir = await mkdtemp(join(tmpdir(), 'auth-watch-'));
  await enableAuth({ hosts: [...etcd.endpoints] }, {
    rootPassword: 'root-password',
    roles: { reader: [{ permission: 'Read', prefix: `${prefix}/` }] },
    users: { [USER]: { password: 'user-password', roles: ['reader'] } },
  });
  await writeFile(join(dir, 'root'), 'root-password\n');
  await writeFile(join(dir, USER), 'user-password\n');
  const root = await EtcdStore.connect({ endpoints: etcd.endpoints, username: 'root', passwordFile: join(dir, 'root') });
  const user = await EtcdStore.connect({ endpoints: etcd.endpoints, username: USER, passwordFile: join(dir, USER) });
  return {
    etcd, root, user,
    close: async () => {
      await user.close();
      await root.close();
      await etcd.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const put = async (store: EtcdStore, key: string): Promise<number> => (await store.txn([], [{ type: 'put', key, value: 'v' }])).revision;
const keysSeen = (rec: WatchRecorder): string[] => rec.seen().map(([, key]) => key);

describe('EtcdStore watches under password auth across an etcd restart (issue 17)', () => {
  const prefix = uniquePrefix('auth-watch-restart');
  let t: AuthEtcd;
  beforeAll(async () => {
    t = await startAuthEtcd(prefix);
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps every open watch delivering, exactly once and in order, and opens new ones', async () => {
    const from = (await t.root.currentRevision()) + 1;
    const first = new WatchRecorder();
    const second = new WatchRecorder();
    await t.user.watch(`${prefix}/`, from, first);
    await t.user.watch(`${prefix}/`, from, second);
    await put(t.root, `${prefix}/before`);
    await waitFor(() => first.seen().length === 1 && second.seen().length === 1, { message: 'both watches to see the put before the restart' });

    // etcd forgets every auth token; etcd3 re-creates the watches with the token it cached.
    await t.etcd.restart();
    for (const key of ['after-1', 'after-2']) await put(t.root, `${prefix}/${key}`);
    const wanted = [`${prefix}/before`, `${prefix}/after-1`, `${prefix}/after-2`];
    await waitFor(() => keysSeen(first).length >= 3 && keysSeen(second).length >= 3, {
      timeoutMs: 20_000, message: 'both watches to see the puts after the restart',
    });
    expect([keysSeen(first), first.errors]).toEqual([wanted, []]);
    expect([keysSeen(second), second.errors]).toEqual([wanted, []]);

    const third = new WatchRecorder();
    await t.user.watch(`${prefix}/`, 0, third);
    await put(t.root, `${prefix}/later`);
    await waitFor(() => keysSeen(third).length >= 1, { message: 'a watch opened after the restart to see a put' });
    expect([keysSeen(third), third.errors]).toEqual([[`${prefix}/later`], []]);
    expect(keysSeen(first).slice(3)).toEqual([`${prefix}/later`]);
  });
});

describe('EtcdStore watches under password auth when the token expires (issue 17)', () => {
  const prefix = uniquePrefix('auth-watch-ttl');
  let t: AuthEtcd;
  beforeAll(async () => {
    t = await startAuthEtcd(prefix, { authTokenTtlSeconds: TOKEN_TTL_SECONDS });
  });
  afterAll(async () => {
    await t.close();
  });

  it('opens watches after the token its watch stream was opened with has expired', async () => {
    const open = new WatchRecorder();
    await t.user.watch(`${prefix}/`, 0, open);
    // Nothing uses the user's token for longer than etcd keeps an idle one (a fault, not a timing).
    await new Promise((resolve) => setTimeout(resolve, (TOKEN_TTL_SECONDS + 2) * 1_000));

    const late = [new WatchRecorder(), new WatchRecorder()];
    for (const rec of late) await t.user.watch(`${prefix}/`, 0, rec);
    await put(t.root, `${prefix}/k`);
    await waitFor(() => [open, ...late].every((rec) => rec.seen().length >= 1), { message: 'every watch to see the put' });
    expect([open, ...late].map((rec) => [keysSeen(rec), rec.errors])).toEqual([open, ...late].map(() => [[`${prefix}/k`], []]));
  });
});
