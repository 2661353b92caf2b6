// The README's first command: the embedded demo runs to its tables (in memory, then on real etcd).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { EtcdHandle } from './harness';
import { startEtcd } from './harness';

jest.setTimeout(180_000);

const DEMO_JS = join(__dirname, '..', 'dist', 'dev', 'demo', 'main.js');

function runDemo(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DEMO_JS], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString('utf8'); });
    child.on('exit', (code) => resolve({ code, output }));
  });
}

function expectTables(output: string): void {
  expect(output).toMatch(/^WORKER\s+REGION\s+LICENSE\s+STATUS\s+CML\s+INSTANCES\s+CPU\s+MEMORY\s+STORAGE$/m);
  expect(output).toMatch(/^w-use1-drain-01\s+us-east-1\s+enterprise\s+DRAINING\s+2\.9\.1\s+0\s/m);
  expect(output).toMatch(/^NOT PLACED\s+WHY$/m);
  expect(output).toMatch(/^li-huge-01\s+0\/\d+ workers fit: .*InsufficientCpu/m);
  expect(output).toMatch(/^li-missed-01\s+timeslot ended at /m);
  expect(output).toMatch(/^li-later-01\s+waiting for its timeslot/m);
  expect(output).toMatch(/^\d+ of 375 instances placed in [\d.]+ s; every other one is reported above\.$/m);
}

describe('the embedded demo', () => {
  it('runs in memory to its tables and exits 0', async () => {
    const { code, output } = await runDemo({});
    expect(code).toBe(0);
    expectTables(output);
  });

  describe('given ETCD_ENDPOINTS', () => {
    let etcd: EtcdHandle;
    beforeAll(async () => { etcd = await startEtcd(); });
    afterAll(async () => { await etcd.destroy(); });

    it('runs against that etcd to the same tables', async () => {
      const { code, output } = await runDemo({ ETCD_ENDPOINTS: etcd.endpoints.join(',') });
      expect(output).toContain('etcd at http://127.0.0.1');
      expect(code).toBe(0);
      expectTables(output);
    });
  });
});
