// The README's first command: the embedded demo runs to its tables (in memory, then on real etcd),
// then prints the leader's forecast of the booked morning and the scale-ups it would send.
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
  expect(output).toMatch(/^\d+ of 473 instances placed in [\d.]+ s; every other one is reported above\.$/m);
  expectForecast(output);
}

/** The forecast section: hour rows whose room and shortfall add up to what is booked, and the plan's scale-ups. */
function expectForecast(output: string): void {
  const head = /^Forecast at (\d\d:\d\d) UTC to \d\d:\d\d \(forecast\.horizonMinutes 240\): (\d+) booked instances find room by their start, (\d+) do not\./m.exec(output);
  expect(head).not.toBeNull();
  expect(output).toMatch(/^SESSIONS\s+BOOKED\s+ROOM\s+SHORTFALL\s+SHORTFALL BY TEMPLATE$/m);
  const rows = [...output.matchAll(/^(now|\d\d:00-\d\d:59)\s+(\d+)\s+(\d+)\s+(\d+)\s+(.+)$/gm)];
  // The morning's waves start 1 h, 2 h and 3.5 h after the demo starts, li-later at 4 h: an hour row each.
  expect(rows.filter((r) => r[1] !== 'now').length).toBeGreaterThanOrEqual(3);
  for (const [, , booked, room, short] of rows) expect(Number(room) + Number(short)).toBe(Number(booked));
  const sum = (i: number): number => rows.reduce((total, r) => total + Number(r[i]), 0);
  expect([sum(3), sum(4)]).toEqual([Number(head?.[2]), Number(head?.[3])]);
  expect(sum(4)).toBeGreaterThan(0);
  expect(output).toMatch(/^now\s+\d+\s+\d+\s+\d+\s+.*no template fits \d+/m); // li-huge, li-cml3
  expect(output).toMatch(/^Scale-ups the plan would send \(scaleUp\.enabled is false here: none is sent\)/m);
  expect(output).toMatch(/^TEMPLATE\s+WORKERS\s+INSTANCES\s+NEEDED BY\s+REQUEST AT$/m);
  expect(output).toMatch(/^multi-sessions\s+[1-9]\d*\s+[1-9]\d*\s+\d\d:\d\d \(in \d+ min\)\s+(now \(due since \d\d:\d\d\)|\d\d:\d\d \(in \d+ min\))$/m);
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
