// The Control Plane API conformance kit (dev/conformance, `make conformance`) on a real etcd: every
// check passes against the development API in both answer modes (full, and the least contract §2
// allows), leaving no key behind; and the kit can fail: against an API that answers 200 to
// everything, and against one that ignores the fencing token, the checks that should fail do, with
// messages saying what the contract expected and what came back.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { leaderKey } from '../pkg/objects';
import type { EtcdStore } from '../pkg/store';
import type { ConformanceReport, ConformanceTarget, DevApiTarget } from '../dev/conformance';
import { ALL_CHECKS, runConformance, startDevApiTarget } from '../dev/conformance';
import type { AnswerMode } from '../dev/controlplane-api';
import { uniquePrefix } from './harness';
import { useEtcdStore } from './harness/etcd-store';

jest.setTimeout(60_000);

let store: EtcdStore;
useEtcdStore((running) => ({ store } = running));

/** Headers a proxy does not pass on (fetch sets its own). */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

const outcomes = (report: ConformanceReport, outcome: string): string[] =>
  report.results.filter((r) => r.outcome === outcome).map((r) => r.name);

const result = (report: ConformanceReport, name: string) => {
  const found = report.results.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no result for ${name}`);
  return found;
};

async function keysUnder(prefix: string): Promise<string[]> {
  return (await store.list(`${prefix}/`)).kvs.map((kv) => kv.key);
}

/** A node:http server answering every request with answer(); the request body is read first. */
async function startServer(answer: (req: http.IncomingMessage, body: string) => Promise<{ status: number; body: string }>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answer(req, Buffer.concat(chunks).toString('utf8')).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      }, (err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe.each<AnswerMode>(['full', 'minimal'])('the kit against the development API answering %s', (answers) => {
  let dev: DevApiTarget;
  let report: ConformanceReport;
  const printed: string[] = [];
  beforeAll(async () => {
    dev = await startDevApiTarget(store, { answers });
    report = await runConformance(dev.target, { print: (line) => printed.push(line) });
  });
  afterAll(() => dev.close());

  it('runs every check and every check passes', () => {
    expect(report.results.map((r) => r.name)).toEqual(ALL_CHECKS.map((c) => c.name));
    expect(report.results.filter((r) => r.outcome !== 'passed')).toEqual([]);
    expect(printed.filter((line) => line.startsWith('PASS  '))).toHaveLength(ALL_CHECKS.length);
    expect(printed[printed.length - 1]).toBe(`${ALL_CHECKS.length} passed, 0 failed`);
  });

  it('reads 409 bodies liberally: missing state fields are notes in minimal mode, absent in full', () => {
    const notes = result(report, 'conflict-bodies/reason-always-state-valid-where-sent').notes;
    if (answers === 'minimal') expect(notes).toContain('409 NotPending came without phase, workerId, modRevision (allowed: contract v1.1 requires only reason)');
    else expect(notes).toEqual([]);
  });

  it('leaves no key under the prefix, the leader key included', async () => {
    expect(await keysUnder(dev.target.prefix)).toEqual([]);
  });
});

describe('the kit can fail', () => {
  const run = (target: ConformanceTarget): Promise<ConformanceReport> => runConformance(target);

  it('against an API that answers 200 {} to everything', async () => {
    const api = await startServer(() => Promise.resolve({ status: 200, body: '{}' }));
    const prefix = uniquePrefix('conformance-broken');
    try {
      const report = await run({ url: api.url, apiKey: 'any-key', store, prefix });
      // Only the scale-up check cannot tell: two 202s are what the contract asks, and nothing counts requests.
      expect(outcomes(report, 'passed')).toEqual(['scale-up/same-idempotency-key-is-one-request']);
      expect(result(report, 'scale-up/same-idempotency-key-is-one-request').notes)
        .toEqual(['scale-up answered 200; the contract\'s table names 202', 'one request per Idempotency-Key not verified: the answers carry no requestId to compare']);
      expect(result(report, 'auth/401-on-every-call-without-the-key').message).toMatch(/^schedule with a wrong X-API-Key: expected 401, got 200 \{\}$/);
      expect(result(report, 'fencing/token-not-create-revision-refused').message)
        .toMatch(/^schedule of pending \S+ on \S+ with token \d+ \(the leader key's create revision is \d+\): expected 409 \{"reason":"StaleFencingToken"\}, got 200 \{\}$/);
      expect(result(report, 'fencing/current-token-write-lands-in-etcd').message).toMatch(/expected instance \S+ SCHEDULED on \S+ in etcd, found phase PENDING, workerId null$/);
      expect(result(report, 'schedule-order/worker-not-available-before-insufficient-capacity').message)
        .toMatch(/^schedule of \S+ \(2 cores\) on STOPPED 1-core worker \S+ \(409 WorkerNotAvailable must come before 409 InsufficientCapacity\): expected 409 \{"reason":"WorkerNotAvailable"\}, got 200 \{\}$/);
      expect(report.summary).toBe(`1 passed, ${ALL_CHECKS.length - 1} failed`);
      expect(await keysUnder(prefix)).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('against an API that does not fence: every check involving an old token fails, and only those', async () => {
    const dev = await startDevApiTarget(store);
    // In front of the development API: every call's token replaced by the leader key's current one.
    const proxy = await startServer(async (req, body) => {
      const leader = await store.get(leaderKey(dev.target.prefix));
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !HOP_BY_HOP.has(name)) headers.set(name, value);
      }
      if (leader !== undefined) headers.set('x-fencing-token', String(leader.createRevision));
      const res = await fetch(dev.target.url + (req.url ?? '/'), { method: req.method ?? 'POST', headers, body });
      return { status: res.status, body: await res.text() };
    });
    try {
      const report = await run({ ...dev.target, url: proxy.url });
      expect(outcomes(report, 'failed')).toEqual([
        'schedule-order/404-before-stale-token',
        'schedule-order/stale-token-before-retry',
        'fencing/token-not-create-revision-refused',
        'fencing/old-term-refused-after-leader-key-recreated',
        'fencing/reports-and-scale-ups-refuse-an-old-token',
        'conflict-bodies/reason-always-state-valid-where-sent',
      ]);
      expect(result(report, 'fencing/old-term-refused-after-leader-key-recreated').message)
        .toMatch(/^schedule of pending \S+ with the old token \d+ after the leader key was created again \(token \d+\): expected 409 \{"reason":"StaleFencingToken"\}, got 200 /);
      expect(result(report, 'schedule-order/stale-token-before-retry').message)
        .toMatch(/^repeat of the accepted schedule of \S+ on \S+ with an old token \(409 StaleFencingToken must come before 200\): expected 409 \{"reason":"StaleFencingToken"\}, got 200/);
      expect(outcomes(report, 'passed')).toHaveLength(ALL_CHECKS.length - 6);
    } finally {
      await proxy.close();
      await dev.close();
    }
  });

  it('refuses to start where a leader key exists, and leaves that key alone', async () => {
    const prefix = uniquePrefix('conformance-led');
    const key = leaderKey(prefix);
    const put = await store.txn([], [{ type: 'put', key, value: 'scheduler-0' }]);
    const api = await startServer(() => Promise.resolve({ status: 200, body: '' }));
    try {
      await expect(run({ url: api.url, apiKey: undefined, store, prefix }))
        .rejects.toThrow(`${key} exists (held by "scheduler-0"): a scheduler or another conformance run leads under this prefix`);
      expect((await store.get(key))?.modRevision).toBe(put.revision);
    } finally {
      await api.close();
    }
  });
});
