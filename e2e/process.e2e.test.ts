// The service as a process (issue 2): ready against real etcd, not ready while etcd is down, ready
// again when it returns, exit 0 on SIGTERM; an invalid ConfigMap at start exits 1 naming the problem.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EtcdHandle } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import type { SchedulerProcess } from './support/scheduler-process';
import { startScheduler, statusOf } from './support/scheduler-process';

jest.setTimeout(120_000);

describe('the scheduler process', () => {
  let etcd: EtcdHandle;
  let proc: SchedulerProcess | undefined;

  beforeAll(async () => { etcd = await startEtcd(); });
  afterEach(async () => {
    proc?.kill('SIGKILL');
    await proc?.exited;
    proc = undefined;
  });
  afterAll(async () => { await etcd.destroy(); });

  it('serves /healthz before etcd answers, becomes ready, follows etcd down and up, and exits 0 on SIGTERM', async () => {
    proc = await startScheduler({ ETCD_ENDPOINTS: etcd.endpoints.join(','), ETCD_PREFIX: uniquePrefix('process'), SCHEDULER_ID: 'process-test' });
    const p = proc;
    await waitFor(async () => (await statusOf(p, '/healthz')) === 200, { timeoutMs: 30_000, message: '/healthz to answer 200' });
    await waitFor(async () => (await statusOf(p, '/readyz')) === 200, { timeoutMs: 30_000, message: '/readyz to answer 200' });

    await etcd.stop();
    await waitFor(async () => (await statusOf(p, '/readyz')) === 503, { timeoutMs: 30_000, message: '/readyz to answer 503 with etcd stopped' });
    const notReady = await p.get('/readyz');
    expect(notReady.body).toMatchObject({ checks: { etcd: { ok: false } } });
    expect(await statusOf(p, '/healthz')).toBe(200);

    await etcd.restart();
    await waitFor(async () => (await statusOf(p, '/readyz')) === 200, { timeoutMs: 30_000, message: '/readyz to answer 200 after etcd returned' });

    p.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output.some((line) => line.includes('"message":"stopped"'))).toBe(true);
  });

  it('stays up and not ready when etcd is unreachable at start', async () => {
    proc = await startScheduler({ ETCD_ENDPOINTS: 'http://127.0.0.1:1', SCHEDULER_ID: 'unreachable-test' });
    const p = proc;
    await waitFor(async () => (await statusOf(p, '/healthz')) === 200, { timeoutMs: 30_000, message: '/healthz to answer 200' });
    expect(await statusOf(p, '/readyz')).toBe(503);
    p.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('exits 1 listing every problem when the ConfigMap file is invalid at start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scheduler-config-'));
    try {
      const file = join(dir, 'config.yaml');
      await writeFile(file, 'placement:\n  weights: {binPacking: 0, locality: 0, loadBalance: 0}\nreconcile:\n  workerz: 3\n');
      proc = await startScheduler({ CONFIG_FILE: file, ETCD_ENDPOINTS: etcd.endpoints.join(',') });
      expect(await proc.exited).toBe(1);
      const text = proc.output.join('\n');
      expect(text).toContain('weights must sum to more than 0');
      expect(text).toContain('reconcile.workerz');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 naming the variable when the environment is invalid', async () => {
    proc = await startScheduler({ ETCD_PREFIX: 'no-leading-slash' });
    expect(await proc.exited).toBe(1);
    expect(proc.output.join('\n')).toContain('ETCD_PREFIX');
  });
});
