// Operators' mistakes, through the real process (issue 13; contract §4): a CONFIG_FILE with wrong
// types, unknown keys, negative intervals, weights summing to zero, or no mapping at all exits 1 at
// start listing every problem by its path; a wrong or missing API key is reported clearly (error
// level, naming the API key, never its value) and not retried in a loop: each instance is tried once
// and then waits requeue.maxDelayMs. (etcd unreachable at start: e2e/process.e2e.test.ts.)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevControlPlaneApi } from '../dev/controlplane-api';
import { start as startDevApi } from '../dev/controlplane-api';
import type { Store } from '../pkg/store';
import { EtcdStore } from '../pkg/store';
import type { EtcdHandle } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import { instance, worker } from './support/fleets';
import type { SchedulerProcess } from './support/scheduler-process';
import { startScheduler } from './support/scheduler-process';

jest.setTimeout(120_000);

/** The key the development API expects, and the (distinctive) wrong one the process is given. */
const RIGHT_KEY = 'right-key-7c1d0e5b9a';
const WRONG_KEY = 'wrong-key-Zq81xVvT03';

describe('operators\' mistakes, through the service process', () => {
  let dir: string;
  const running: SchedulerProcess[] = [];
  const apis: Array<{ api: DevControlPlaneApi; store: Store }> = [];
  let etcd: EtcdHandle | undefined;

  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'reliability-operator-')); });
  afterEach(async () => {
    for (const p of running.splice(0)) {
      p.kill('SIGKILL');
      await p.exited;
    }
    for (const { api, store } of apis.splice(0)) {
      await api.close();
      await store.close();
    }
  });
  afterAll(async () => {
    await etcd?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const CASES: ReadonlyArray<readonly [string, string, readonly string[]]> = [
    ['wrong types', 'reconcile: {workers: "four"}\ncontrolPlane: {qps: true}\nplacement: {paused: "no"}\n', ['reconcile.workers', 'controlPlane.qps', 'placement.paused']],
    ['unknown keys', 'placment: {paused: true}\nreconcile: {workerz: 3}\nleaderElection: {leaseTTL: 15}\n', ['placment', 'reconcile.workerz', 'leaderElection.leaseTTL']],
    ['negative intervals', 'reconcile: {resyncIntervalSeconds: -5}\nrequeue: {baseDelayMs: -1}\nleaderElection: {leaseTtlSeconds: -15}\ncontrolPlane: {timeoutMs: -1}\n',
      ['reconcile.resyncIntervalSeconds', 'requeue.baseDelayMs', 'leaderElection.leaseTtlSeconds', 'controlPlane.timeoutMs']],
    ['weights summing to zero', 'placement:\n  weights: {binPacking: 0, locality: 0, loadBalance: 0}\n', ['placement.weights']],
    ['a list instead of a mapping', '- reconcile\n- workers\n', ['CONFIG_FILE']],
    ['text that is not YAML', 'reconcile: {workers: [1, 2\n', ['CONFIG_FILE']],
  ];

  it('exits 1 at start listing every problem of an invalid CONFIG_FILE, before reaching etcd', async () => {
    const started = await Promise.all(CASES.map(async ([name, yaml]) => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
      await writeFile(file, yaml);
      const p = await startScheduler({ CONFIG_FILE: file, ETCD_ENDPOINTS: 'http://127.0.0.1:1', SCHEDULER_ID: 'config-mistakes' });
      running.push(p);
      return { name, p, file };
    }));
    for (const [i, { name, p, file }] of started.entries()) {
      expect({ name, code: await p.exited }).toEqual({ name, code: 1 });
      const text = p.output.join('\n');
      expect(text).toContain('cannot start');
      for (const path of CASES[i]?.[2] ?? []) expect({ name, mentions: path, found: text.includes(path === 'CONFIG_FILE' ? file : path) }).toEqual({ name, mentions: path, found: true });
      expect(text).not.toContain('etcd client started');
    }
  });

  it.each([
    ['a wrong API key', { CONTROL_PLANE_API_KEY: WRONG_KEY }],
    ['no API key', {}],
  ])('reports %s clearly and tries each instance once, not in a loop', async (_name, keyEnv) => {
    etcd ??= await startEtcd();
    const prefix = uniquePrefix('api-key');
    const store = await EtcdStore.connect({ endpoints: etcd.endpoints });
    const api = await startDevApi({ store, prefix, apiKey: RIGHT_KEY });
    apis.push({ api, store });
    await api.objects.putWorker(worker('w-1'));
    const ids = Array.from({ length: 5 }, (_, i) => `li-${i}`);
    for (const id of ids) await api.objects.putInstance(instance(id));
    const p = await startScheduler({ ETCD_ENDPOINTS: etcd.endpoints.join(','), ETCD_PREFIX: prefix, CONTROL_PLANE_API_URL: api.url, SCHEDULER_ID: 'api-key', ...keyEnv });
    running.push(p);
    const refused = (): number => api.counts()['schedule']?.['401 Unauthorized'] ?? 0;
    await waitFor(() => refused() >= ids.length, { timeoutMs: 30_000, message: 'every instance to be tried once' });
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a loop would show here
    expect(refused()).toBe(ids.length);
    expect(api.counts()['schedule']).toEqual({ '401 Unauthorized': ids.length });

    const errors = p.output.filter((l) => l.includes('"level":"error"'));
    expect(errors.some((l) => /API key/.test(l) && l.includes('401'))).toBe(true);
    expect(p.output.join('\n')).not.toContain(WRONG_KEY);
    expect((await store.get(`${prefix}/instances/li-0`))?.value.toString('utf8')).toContain('"phase":"PENDING"');
  });
});
