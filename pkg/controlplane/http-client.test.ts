import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncHooksContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { DevApiFixture, eventually } from '../../dev/controlplane-api/testing';
import { FakeClock } from '../clock';
import { aWorker, anInstance } from '../objects/testing';
import type { Tracing } from '../observability';
import { NOOP_TRACING } from '../observability';
import { InMemoryStore } from '../store';
import { RecordingClientLogger, rejection } from './testing';
import type { RequestRecord } from './metrics';
import type { HttpControlPlaneClientOptions } from './client-options';
import { HttpControlPlaneClient } from './http-client';
import {
  isCallAborted, isInvalidRequest, isNotFound, isOutcomeUnknown, isPlacementConflict, isRetriable, isStaleFencingToken, isUnauthorized,
} from './errors';

const KEY = 'client-test-key-5f9a1c7e';

/** Everything an error exposes: message, stack, own fields, cause chain, as inspect and JSON show them. */
function exposure(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    parts.push(inspect(e, { depth: 8, showHidden: true }), JSON.stringify(e, Object.getOwnPropertyNames(e)));
  }
  return parts.join('\n');
}

describe('HttpControlPlaneClient against the development API', () => {
  let f: DevApiFixture;
  let clock: FakeClock;
  let token: number;
  let rev: number;
  const clients: HttpControlPlaneClient[] = [];

  function client(over: Partial<HttpControlPlaneClientOptions> = {}): HttpControlPlaneClient {
    const c = new HttpControlPlaneClient({ baseUrl: f.api.url, schedulerId: 'scheduler-a', apiKey: KEY, clock, random: () => 0, ...over });
    clients.push(c);
    return c;
  }
  const schedule = (c: HttpControlPlaneClient, signal?: AbortSignal) => c.schedule('li-1', { workerId: 'w-1', instanceRevision: rev }, { fencingToken: token, signal });
  const calls = (route = 'schedule'): Record<string, number> => f.api.counts()[route] ?? {};

  beforeEach(async () => {
    clock = new FakeClock(Date.parse('2026-11-27T10:00:00Z'));
    f = await DevApiFixture.start({ store: new InMemoryStore(), prefix: '/lcm', apiKey: KEY });
    token = await f.becomeLeader();
    await f.addWorker(aWorker('w-1').json());
    rev = await f.addInstance(anInstance('li-1').json());
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await f.close();
  });

  it('schedules and resolves with the accepted instance', async () => {
    await expect(schedule(client())).resolves.toEqual({ instanceId: 'li-1', workerId: 'w-1', phase: 'SCHEDULED', modRevision: expect.any(Number) as number });
  });

  it.each([
    ['404 InstanceNotFound', { id: 'absent' }, isNotFound, { reason: 'InstanceNotFound' }],
    ['409 StaleFencingToken', { tokenShift: 1 }, isStaleFencingToken, { fencingToken: 'TOKEN+1' }],
    ['409 StaleRevision', { revisionShift: -1 }, isPlacementConflict, { reason: 'StaleRevision', phase: 'PENDING', workerId: undefined, modRevision: 'REV' }],
  ])('fails at once with a typed error on %s', async (_name, over: { id?: string; tokenShift?: number; revisionShift?: number }, guard, fields) => {
    const err = await rejection(client().schedule(over.id ?? 'li-1', { workerId: 'w-1', instanceRevision: rev + (over.revisionShift ?? 0) }, { fencingToken: token + (over.tokenShift ?? 0) }));
    expect(guard(err)).toBe(true);
    expect(isRetriable(err)).toBe(false);
    const expected = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === 'REV' ? rev : v === 'TOKEN+1' ? String(token + 1) : v]));
    expect(err).toMatchObject(expected);
    expect(Object.values(calls()).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it.each([
    ['500 twice', { kind: 'status500', count: 2 } as const, { 'fault status500 before': 2, '200': 1 }],
    ['a connection reset before processing', { kind: 'reset', count: 1 } as const, { 'fault reset before': 1, '200': 1 }],
    ['a reset after the commit (the answer was lost)', { kind: 'reset', when: 'after', count: 1 } as const, { 'fault reset after': 1, '200': 1 }],
  ])('retries %s and succeeds', async (_name, rule, expectedCalls) => {
    f.api.faults.add({ route: 'schedule', ...rule });
    await expect(schedule(client())).resolves.toEqual(expect.objectContaining({ phase: 'SCHEDULED', workerId: 'w-1' }));
    expect(calls()).toEqual(expectedCalls);
  });

  // Contract §2 v1.1: a 2xx is a definite success whatever its body, and is never resent.
  it.each([
    ['an unreadable 200 after the commit', { kind: 'malformedJson', when: 'after', count: 1 } as const, { 'fault malformedJson after': 1 }],
  ])('takes %s as success without resending', async (_name, rule, expectedCalls) => {
    f.api.faults.add({ route: 'schedule', ...rule });
    await expect(schedule(client())).resolves.toEqual({});
    expect(calls()).toEqual(expectedCalls);
  });

  it('gives up after maxAttempts with a retriable OutcomeUnknownError', async () => {
    f.api.faults.add({ route: 'schedule', kind: 'status500' });
    const err = await rejection(schedule(client({ maxAttempts: 3 })));
    expect(isOutcomeUnknown(err)).toBe(true);
    expect(isRetriable(err)).toBe(true);
    expect(err).toMatchObject({ attempts: 3, cause: { code: 'ServerBusy', status: 500 } });
    expect(calls()).toEqual({ 'fault status500 before': 3 });
  });

  it.each([
    ['a wrong key', { apiKey: 'wrong-key-0000' }, false],
    ['an injected 401', {}, true],
  ])('does not retry a 401 (%s)', async (_name, over, isFault) => {
    if (isFault) f.api.faults.add({ route: 'schedule', kind: 'status401' });
    const err = await rejection(schedule(client(over)));
    expect(isUnauthorized(err)).toBe(true);
    expect(Object.values(calls()).reduce((a, b) => a + b, 0)).toBe(1);
  });

  /** True once the client logged that it waits before another attempt (the wait is armed by then). */
  const isWaiting = (logger: RecordingClientLogger) => (): boolean => logger.lines.some((l) => l.includes('control plane call retried'));

  it('waits out a 429 Retry-After on its clock', async () => {
    f.api.faults.add({ route: 'schedule', kind: 'status429', retryAfterSeconds: 2, count: 1 });
    const logger = new RecordingClientLogger();
    // Each attempt opens its span before it sends: the count of attempts begun.
    let attempts = 0;
    const tracing: Tracing = { ...NOOP_TRACING, inSpanAsync: (name, role, work) => { attempts += 1; return NOOP_TRACING.inSpanAsync(name, role, work); } };
    const call = schedule(client({ logger, tracing }));
    await eventually(isWaiting(logger));
    expect(logger.lines.join()).toContain('"delayMs":2000');
    clock.step(1_999);
    // Parked on the clock (the retry's wait, or the rate limiter's hold; had either ended early, the
    // next attempt's timeout, armed once it began): only then is the count of attempts final.
    await eventually(() => clock.pendingTimers() === 1);
    expect(attempts).toBe(1);
    expect(calls()).toEqual({ 'fault status429 before': 1 });
    clock.step(1);
    await expect(call).resolves.toEqual(expect.objectContaining({ phase: 'SCHEDULED' }));
  });

  it('caps a 503 Retry-After at maxDelayMs', async () => {
    f.api.faults.add({ route: 'schedule', kind: 'status503', retryAfterSeconds: 3_600, count: 1 });
    const logger = new RecordingClientLogger();
    const call = schedule(client({ maxDelayMs: 500, logger }));
    await eventually(isWaiting(logger));
    expect(logger.lines.join()).toContain('"delayMs":500');
    clock.step(500);
    await expect(call).resolves.toEqual(expect.objectContaining({ phase: 'SCHEDULED' }));
  });

  it('times an attempt out on its clock and retries', async () => {
    f.api.faults.add({ route: 'schedule', kind: 'hang', count: 1 });
    const call = schedule(client({ timeoutMs: 5_000 }));
    await eventually(() => calls()['fault hang before'] === 1);
    clock.step(5_000);
    await expect(call).resolves.toEqual(expect.objectContaining({ phase: 'SCHEDULED' }));
  });

  it.each([
    ['waiting for Retry-After', { kind: 'status503', retryAfterSeconds: 60 } as const, isWaiting],
    ['an attempt that hangs', { kind: 'hang' } as const, () => () => f.api.counts()['schedule']?.['fault hang before'] === 1],
  ])('abandons the call at once when its signal aborts while %s', async (_name, rule, reached) => {
    f.api.faults.add({ route: 'schedule', ...rule });
    const abort = new AbortController();
    const logger = new RecordingClientLogger();
    const call = schedule(client({ logger }), abort.signal);
    await eventually(reached(logger));
    abort.abort();
    expect(isCallAborted(await rejection(call))).toBe(true);
  });

  it('keeps the API key out of every error and log line', async () => {
    const logger = new RecordingClientLogger();
    const c = client({ logger, maxAttempts: 2 });
    const errors: unknown[] = [];
    f.api.faults.set({ rules: [{ route: 'schedule', kind: 'reset' }, { route: 'unschedulable', kind: 'status401' }] });
    errors.push(await rejection(schedule(c)));
    errors.push(await rejection(c.reportUnschedulable('li-1', { message: 'm', reasons: {} }, { fencingToken: token })));
    f.api.faults.set({ rules: [{ route: 'schedule', kind: 'hang' }] });
    const timedOut = schedule(client({ logger, maxAttempts: 1, timeoutMs: 100 }));
    await eventually(() => f.api.counts()['schedule']?.['fault hang before'] === 1);
    clock.step(100);
    errors.push(await rejection(timedOut));
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['OutcomeUnknown', 'Unauthorized', 'OutcomeUnknown']);
    expect(logger.lines.length).toBeGreaterThan(0);
    for (const text of [...errors.map(exposure), ...logger.lines]) expect(text).not.toContain(KEY);
  });

  it('records each attempt by route template and status', async () => {
    const records: RequestRecord[] = [];
    f.api.faults.add({ route: 'schedule', kind: 'status500', count: 1 });
    await schedule(client({ metrics: { recordRequest: (r) => records.push(r) } }));
    expect(records.map((r) => [r.route, r.statusCode])).toEqual([
      ['/api/internal/instances/{id}/schedule', 500],
      ['/api/internal/instances/{id}/schedule', 200],
    ]);
  });

  it('sends a scale-up once per Idempotency-Key across its own retries', async () => {
    f.api.faults.add({ route: 'scaleUp', kind: 'reset', when: 'after', count: 1 });
    const accepted = await client().requestScaleUp({ template: 'multi', reason: 'r', instanceIds: ['li-2', 'li-1', 'li-2'] }, { fencingToken: token });
    const recorded = await f.api.reports.scaleUps();
    expect(recorded).toEqual([expect.objectContaining({ requestId: accepted.requestId, instanceIds: ['li-1', 'li-2'] })]);
    expect(calls('scaleUp')).toEqual({ 'fault reset after': 1, '202': 1 });
  });
});

interface Seen {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** A bare server that records what arrives and answers each route with a valid body. */
async function captureServer(answer: (seen: Seen, index: number) => { status: number; body: unknown } | undefined = () => undefined) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const entry = { path: req.url ?? '', headers: req.headers };
      seen.push(entry);
      const given = answer(entry, seen.length - 1);
      const fallback = entry.path.endsWith('/schedule')
        ? { status: 200, body: { instanceId: 'li-1', workerId: 'w-1', phase: 'SCHEDULED', modRevision: 5 } }
        : entry.path.endsWith('/scale-up') ? { status: 202, body: { requestId: 'r-1' } } : { status: 200, body: { instanceId: 'li-1' } };
      const { status, body } = given ?? fallback;
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

describe('HttpControlPlaneClient on the wire', () => {
  let server: Awaited<ReturnType<typeof captureServer>>;
  let clock: FakeClock;
  let c: HttpControlPlaneClient;
  const report = { message: 'm', reasons: {} };

  afterEach(async () => {
    c.close();
    await server.close();
  });

  async function setUp(over: Partial<HttpControlPlaneClientOptions> = {}, answer?: Parameters<typeof captureServer>[0]): Promise<void> {
    server = await captureServer(answer);
    clock = new FakeClock(0);
    c = new HttpControlPlaneClient({ baseUrl: server.url, schedulerId: 'scheduler-a', apiKey: KEY, clock, random: () => 0, ...over });
  }

  it('carries the key, identity, token and a W3C traceparent', async () => {
    await setUp();
    await c.schedule('li-1', { workerId: 'w-1', instanceRevision: 3 }, { fencingToken: 42 });
    const h = server.seen[0]?.headers ?? {};
    expect([h['x-api-key'], h['x-scheduler-id'], h['x-fencing-token'], h['content-type']]).toEqual([KEY, 'scheduler-a', '42', 'application/json']);
    expect(h['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });

  it('propagates the active span context through the registered propagator', async () => {
    await setUp();
    const manager = new AsyncHooksContextManager().enable();
    context.setGlobalContextManager(manager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
      await context.with(trace.setSpanContext(context.active(), span), () => c.reportUnschedulable('li-1', report, { fencingToken: 1n }));
    } finally {
      propagation.disable();
      context.disable();
    }
    expect(server.seen[0]?.headers['traceparent']).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('URL-encodes instance ids', async () => {
    await setUp();
    await c.reportUnschedulable('a b/c', report, { fencingToken: '7' });
    expect(server.seen[0]?.path).toBe('/api/internal/instances/a%20b%2Fc/unschedulable');
  });

  it('keeps one Idempotency-Key across the retries of a scale-up', async () => {
    await setUp({}, (_seen, i) => (i === 0 ? { status: 502, body: {} } : undefined));
    await c.requestScaleUp({ template: 't', reason: 'r', instanceIds: ['li-1'] }, { fencingToken: 1 });
    const keys = server.seen.map((s) => s.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it('sends schedule calls ahead of reports and scale-ups that waited longer', async () => {
    await setUp({ qps: 1, burst: 1 });
    const order: string[] = [];
    const track = (name: string, p: Promise<unknown>): Promise<void> => p.then(() => { order.push(name); });
    const done = [
      track('report-1', c.reportUnschedulable('li-1', report, { fencingToken: 1 })),
      track('report-2', c.reportUnschedulable('li-2', report, { fencingToken: 1 })),
      track('scale-up', c.requestScaleUp({ template: 't', reason: 'r', instanceIds: ['li-3'] }, { fencingToken: 1 })),
      track('schedule', c.schedule('li-4', { workerId: 'w-1', instanceRevision: 1 }, { fencingToken: 1 })),
    ];
    await eventually(() => order.length === 1);
    for (let i = 0; i < 3; i++) {
      clock.step(1_000);
      await eventually(() => order.length === i + 2);
    }
    await Promise.all(done);
    expect(order).toEqual(['report-1', 'schedule', 'report-2', 'scale-up']);
  });

  it('uses a rotated key file without waiting on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-key-'));
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, 'first-key-abcdef\n');
    try {
      await setUp({ apiKey: undefined, apiKeyFile: keyFile });
      await c.reportUnschedulable('li-1', report, { fencingToken: 1 });
      writeFileSync(keyFile, 'second-key-abcdef\n');
      utimesSync(keyFile, new Date(Date.now() + 5_000), new Date(Date.now() + 5_000));
      clock.step(1_000);
      await eventually(async () => {
        await c.reportUnschedulable('li-1', report, { fencingToken: 1 });
        return server.seen.at(-1)?.headers['x-api-key'] === 'second-key-abcdef';
      }, 200);
      expect(server.seen.map((s) => s.headers['x-api-key'])).toContain('first-key-abcdef');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a token that is not a number', { fencingToken: 'abc' }, {}],
    ['a negative token', { fencingToken: -1 }, {}],
    ['more than 100 instance ids', { fencingToken: 1 }, { instanceIds: Array.from({ length: 101 }, (_, i) => `li-${String(i).padStart(3, '0')}`) }],
  ])('refuses %s without sending', async (_name, options, body) => {
    await setUp();
    const err = await rejection(c.requestScaleUp({ template: 't', reason: 'r', instanceIds: ['li-1'], ...body }, options));
    expect(isInvalidRequest(err)).toBe(true);
    expect(server.seen).toHaveLength(0);
  });

  it('applies new limits to calls already waiting', async () => {
    await setUp({ qps: 0.001, burst: 1 });
    await c.reportUnschedulable('li-1', report, { fencingToken: 1 });
    const waiting = c.reportUnschedulable('li-2', report, { fencingToken: 1 });
    c.setLimits({ qps: 1_000 });
    clock.step(1);
    await waiting;
    expect(server.seen).toHaveLength(2);
  });
});
