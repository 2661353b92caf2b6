// The scheduler's telemetry end to end in one process (issue 11): SchedulerService over an
// InMemoryStore, the development Control Plane API over HTTP behind a proxy that records the
// traceparent of each call, spans in memory, metrics scraped as Prometheus text, logs as JSON lines.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { DevControlPlaneApi } from '../../dev/controlplane-api';
import { start as startDevApi } from '../../dev/controlplane-api';
import { waitFor } from '../../e2e/harness/wait-for';
import { FakeClock, SystemClock } from '../../pkg/clock';
import { ConfigHolder, parseConfig } from '../../pkg/config';
import { HttpControlPlaneClient } from '../../pkg/controlplane';
import type { InstanceBuilder } from '../../pkg/objects/testing';
import { aWorker, anInstance } from '../../pkg/objects/testing';
import type { PrometheusMetrics } from '../../pkg/metrics';
import { CONTRACT_METRICS as C, EXTRA_METRICS as X, OtelMetrics, startPrometheusMetrics } from '../../pkg/metrics';
import type { Exposition } from '../../pkg/metrics/testing';
import { parseExposition } from '../../pkg/metrics/testing';
import { NOOP_LOGGER, WinstonLogger } from '../../pkg/observability';
import type { InMemoryTracing } from '../../pkg/observability/testing';
import { inMemoryTracing, parentOf } from '../../pkg/observability/testing';
import { InMemoryStore } from '../../pkg/store';
import { SchedulerService } from './service';
import { ScriptedClient } from './testing';
import { ATTR, SPAN_PLACEMENT, SPAN_RECONCILE } from './tracing';

const PREFIX = '/lcm';
const SCHEDULE_SPAN = 'POST /api/internal/instances/{id}/schedule';
const CONFIG = 'requeue: {baseDelayMs: 10, maxDelayMs: 1000}';

interface Proxy {
  readonly url: string;
  /** path -> traceparent of each request, in arrival order. */
  readonly seen: Array<{ path: string; traceparent: string | undefined }>;
  close(): Promise<void>;
}

/** Forwards every request to target, noting its path and traceparent. */
async function recordingProxy(target: string): Promise<Proxy> {
  const seen: Proxy['seen'] = [];
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const traceparent = req.headers['traceparent'];
    seen.push({ path: req.url ?? '', traceparent: typeof traceparent === 'string' ? traceparent : undefined });
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('scheduler telemetry', () => {
  let store: InMemoryStore;
  let api: DevControlPlaneApi;
  let proxy: Proxy;
  let prometheus: PrometheusMetrics;
  let traces: InMemoryTracing;
  let client: HttpControlPlaneClient;
  let scheduler: SchedulerService;
  let config: ConfigHolder;
  const logLines: Array<Record<string, unknown>> = [];

  const scrape = async (): Promise<Exposition> => parseExposition(await prometheus.scrape());
  const attr = (span: ReadableSpan, key: string): unknown => span.attributes[key];
  const reconcilesOf = (id: string): ReadableSpan[] => traces.spans().filter((s) => s.name === SPAN_RECONCILE && attr(s, ATTR.instanceId) === id);
  const childrenOf = (span: ReadableSpan): ReadableSpan[] => traces.spans().filter((s) => parentOf(s) === span.spanContext().spanId);

  beforeAll(async () => {
    const clock = new SystemClock();
    store = new InMemoryStore({ clock });
    api = await startDevApi({ store, prefix: PREFIX, port: 0, host: '127.0.0.1' });
    proxy = await recordingProxy(api.url);
    prometheus = await startPrometheusMetrics();
    const metrics = new OtelMetrics(prometheus.meter);
    traces = inMemoryTracing();
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const logger = WinstonLogger.create({ level: 'info', stream });
    config = new ConfigHolder(parseConfig(`${CONFIG}\nplacement: {paused: true}`));
    client = new HttpControlPlaneClient({ baseUrl: proxy.url, schedulerId: 'telemetry-test', clock, maxAttempts: 2, baseDelayMs: 1, maxBackoffMs: 5, metrics: metrics.client });
    scheduler = new SchedulerService({
      store, client, prefix: PREFIX, schedulerId: 'telemetry-test', config, clock, logger, tracing: traces.tracing,
      metrics: {
        informer: metrics.informer, elector: metrics.elector, malformedValue: (kind) => metrics.cache.malformedValue(kind),
        metrics: metrics.scheduler, queueMetrics: metrics.queue, runnerMetrics: metrics.runner,
      },
    });
    metrics.watchPending(() => ({ ...scheduler.controller.pendingCounts() }));
    metrics.watchOldestPending(() => scheduler.oldestPendingSeconds());

    const createdAt = new Date(clock.now() - 2_000).toISOString();
    await api.objects.putWorker(aWorker('w-1').json());
    await api.objects.putInstance(anInstance('li-fits').withCpu(2).withCreatedAt(createdAt).json());
    await api.objects.putInstance(anInstance('li-huge').withCpu(500).withCreatedAt(createdAt).json());
    await store.txn([], [{ type: 'put', key: `${PREFIX}/instances/li-bad`, value: '{"id":"li-bad","phase":"PENDING"}' }]);
    // The first schedule call finds no answer twice (both of the client's attempts): outcome unknown.
    api.faults.add({ route: 'schedule', kind: 'status500', count: 2 });
    scheduler.start();
  });

  afterAll(async () => {
    await scheduler.stop(1_000);
    client.close();
    await proxy.close();
    await api.close();
    await store.close();
    await prometheus.shutdown();
    await traces.close();
  });

  it('opens no span for a look that does nothing: placeable instances while placement is paused', async () => {
    await waitFor(async () => ((await scrape()).value('scheduler_reconcile_total') ?? 0) >= 3, { message: 'three reconciles while paused' });
    expect(reconcilesOf('li-fits')).toEqual([]);
    expect(reconcilesOf('li-huge')).toEqual([]);
    // Paused writes nothing, reports included (contract §4), so the malformed instance waits too.
    expect(reconcilesOf('li-bad')).toEqual([]);
  });

  it('gives each reconcile that places a span tree whose schedule call carries its traceparent', async () => {
    const before = await scrape();
    config.set(parseConfig(CONFIG));
    await waitFor(() => logLines.some((l) => l['message'] === 'schedule accepted'), { message: 'li-fits accepted' });
    await waitFor(() => reconcilesOf('li-huge').length > 0, { message: 'li-huge found unschedulable' });

    // First look: placed, but its call had no definite answer: the span fails and the key is retried.
    const [placed, resent] = reconcilesOf('li-fits');
    expect([attr(placed!, ATTR.action), attr(placed!, ATTR.result), attr(placed!, ATTR.attempt)]).toEqual(['place', 'scheduled', 1]);
    expect(placed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(attr(placed!, 'error.type')).toBe('OutcomeUnknown');
    const placedChildren = childrenOf(placed!);
    expect(placedChildren.map((s) => s.name).sort()).toEqual([SCHEDULE_SPAN, SPAN_PLACEMENT]);
    const placement = placedChildren.find((s) => s.name === SPAN_PLACEMENT)!;
    expect(placement.attributes).toMatchObject({
      [ATTR.candidates]: 1, [ATTR.feasible]: 1, [ATTR.evaluated]: 1, [ATTR.workerId]: 'w-1', [ATTR.placementResult]: 'scheduled',
    });
    expect(typeof attr(placement, ATTR.score)).toBe('number');
    expect(attr(placedChildren.find((s) => s.name === SCHEDULE_SPAN)!, ATTR.answer)).toBe('OutcomeUnknown');

    // Second look: the same call resent, accepted; the API saw that call span's traceparent.
    expect([attr(resent!, ATTR.action), attr(resent!, ATTR.result)]).toEqual(['resend', 'scheduled']);
    const [call] = childrenOf(resent!);
    expect(call?.attributes).toMatchObject({ [ATTR.answer]: 200, [ATTR.workerId]: 'w-1', 'http.route': '/api/internal/instances/{id}/schedule' });
    const sent = proxy.seen.filter((s) => s.path === '/api/internal/instances/li-fits/schedule').at(-1);
    expect(sent?.traceparent).toBe(`00-${call?.spanContext().traceId}-${call?.spanContext().spanId}-01`);

    // The no-fit look: its placement span carries the reason histogram.
    const [noFit] = reconcilesOf('li-huge');
    const noFitPlacement = childrenOf(noFit!).find((s) => s.name === SPAN_PLACEMENT);
    expect(noFitPlacement?.attributes).toMatchObject({ [ATTR.feasible]: 0, [`${ATTR.reasonPrefix}InsufficientCpu`]: 1, [ATTR.message]: '0/1 workers fit: 1 InsufficientCpu' });

    // Every contract series moved (config reloads and re-lists are covered by the metrics unit tests).
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}): number => (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);
    expect(moved(C.scheduleAttempts, { result: 'scheduled' })).toBe(1);
    expect(moved(C.scheduleAttempts, { result: 'unschedulable' })).toBeGreaterThanOrEqual(1);
    expect(moved(`${C.attemptDuration}_count`)).toBeGreaterThanOrEqual(2);
    expect(moved(`${C.e2eDuration}_count`)).toBe(1);
    expect(moved(C.unschedulableReasons, { reason: 'InsufficientCpu' })).toBeGreaterThanOrEqual(1);
    expect(moved(C.workqueueRetries)).toBeGreaterThanOrEqual(1);
    const route = '/api/internal/instances/{id}/schedule';
    expect(moved(`${C.clientRequestDuration}_count`, { http_route: route, http_response_status_code: '500' })).toBe(2);
    expect(moved(`${C.clientRequestDuration}_count`, { http_route: route, http_response_status_code: '200' })).toBe(1);
    expect([before.value(C.isLeader), before.value(C.leaderChanges)]).toEqual([1, 1]);
    expect(before.value(C.malformedValues, { kind: 'instance' })).toBe(1);
    expect(moved(C.unschedulableReasons, { reason: 'InvalidSpec' })).toBe(1);
    expect(after.value(C.pendingInstances, { queue: 'unschedulable' })).toBe(1);
    expect(after.value(C.workqueueDepth)).toBeDefined();
    expect(after.value(X.oldestPending)).toBeGreaterThanOrEqual(2); // li-huge, created 2 s before the start
  });

  it('writes the trace and span ids of the reconcile on its audit line', () => {
    const [, resent] = reconcilesOf('li-fits');
    const accepted = logLines.find((l) => l['message'] === 'schedule accepted');
    expect(accepted).toMatchObject({
      instanceId: 'li-fits', workerId: 'w-1', answer: 200, trace_id: resent?.spanContext().traceId, span_id: resent?.spanContext().spanId,
    });
    expect(accepted).toHaveProperty('fencingToken');
    expect(accepted).toHaveProperty('revision');
    expect(accepted).toHaveProperty('score');
  });

  it('leaves one audit line with its answer for every write, the unknown outcome and the report included', () => {
    const [placed] = reconcilesOf('li-fits');
    const unknown = logLines.find((l) => l['message'] === 'schedule outcome unknown; will resend');
    expect(unknown).toMatchObject({ instanceId: 'li-fits', workerId: 'w-1', answer: 'OutcomeUnknown', span_id: placed?.spanContext().spanId });
    expect(Object.keys(unknown ?? {})).toEqual(expect.arrayContaining(['fencingToken', 'revision', 'score']));
    const reported = logLines.filter((l) => l['message'] === 'unschedulable reported').map((l) => [l['instanceId'], l['answer'], l['reasons']]);
    expect(reported).toEqual(expect.arrayContaining([['li-huge', 200, { InsufficientCpu: 1 }], ['li-bad', 200, { InvalidSpec: 1 }]]));
  });
});

describe('SchedulerService.oldestPendingSeconds', () => {
  const NOW = Date.parse('2026-11-27T10:00:00Z');
  const ago = (minutes: number): string => new Date(NOW - minutes * 60_000).toISOString();

  function serviceWith(...instances: InstanceBuilder[]): SchedulerService {
    const clock = new FakeClock(NOW);
    const service = new SchedulerService({
      store: new InMemoryStore({ clock }), client: new ScriptedClient(), prefix: PREFIX, schedulerId: 's', config: new ConfigHolder(parseConfig('')), clock, logger: NOOP_LOGGER,
    });
    instances.forEach((b, i) => {
      const kv = { key: `${PREFIX}/instances/${b.json().id}`, value: b.bytes(), createRevision: i + 1, modRevision: i + 1, version: 1 };
      service.cache.onDeltas([{ type: 'upsert', kv, previous: undefined }], i + 1, 'watch');
    });
    return service;
  }

  it('is how long the longest-waiting placeable instance has been ready: since its lead time opened, or since created if later', () => {
    const service = serviceWith(
      anInstance('no-slot').withCreatedAt(ago(10)),
      anInstance('slot-open').withCreatedAt(ago(20)).withTimeslot(ago(-10), ago(-70)), // lead time (35 min) opened 25 min ago
      anInstance('late-created').withCreatedAt(ago(5)).withTimeslot(ago(-10), ago(-70)),
      anInstance('waiting').withCreatedAt(ago(600)).withTimeslot(ago(-120), ago(-180)),
      anInstance('missed').withCreatedAt(ago(600)).withTimeslot(ago(120), ago(60)),
      anInstance('held').withCreatedAt(ago(600)).scheduledOn('w-1'),
    );
    expect(service.oldestPendingSeconds()).toBe(20 * 60);
  });

  it('is 0 with no placeable instance, or only one without slot or createdAt', () => {
    expect(serviceWith().oldestPendingSeconds()).toBe(0);
    expect(serviceWith(anInstance('undated').withCreatedAt(undefined)).oldestPendingSeconds()).toBe(0);
  });
});
