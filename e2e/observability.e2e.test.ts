// Telemetry of the service as a process (issue 11): `node dist/main.js` with an OTLP endpoint set
// exports the span tree of a placement to a collector (here a small HTTP server taking OTLP/JSON),
// serves the contract's series on /metrics, and on SIGTERM gives up flushing spans at its bound when
// the collector takes the connection but never answers, then exits 0.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { DevControlPlaneApi } from '../dev/controlplane-api';
import { start as startDevApi } from '../dev/controlplane-api';
import { aWorker, anInstance } from '../pkg/objects/testing';
import { parseExposition } from '../pkg/metrics/testing';
import { EtcdStore } from '../pkg/store';
import type { EtcdHandle } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import type { SchedulerProcess } from './support/scheduler-process';
import { startScheduler } from './support/scheduler-process';

jest.setTimeout(120_000);

interface ExportedSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly attributes: ReadonlyArray<{ key: string; value: Record<string, unknown> }>;
}

/** Takes OTLP/JSON trace exports; once `hang` is set it keeps new requests open without answering. */
async function startCollector(): Promise<{ url: string; spans: ExportedSpan[]; hang(): void; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  const sockets = new Set<Socket>();
  let hanging = false;
  const server = http.createServer((req, res) => {
    if (hanging) return;
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    req.on('end', () => {
      const doc = JSON.parse(body) as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: ExportedSpan[] }> }> };
      for (const rs of doc.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.on('connection', (socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    hang: () => { hanging = true; },
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

const attribute = (span: ExportedSpan, key: string): unknown => Object.values(span.attributes.find((a) => a.key === key)?.value ?? {})[0];

describe('the service\'s telemetry', () => {
  let etcd: EtcdHandle;
  let store: EtcdStore;
  let api: DevControlPlaneApi | undefined;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let proc: SchedulerProcess | undefined;

  beforeAll(async () => {
    etcd = await startEtcd();
    store = await EtcdStore.connect({ endpoints: etcd.endpoints });
    collector = await startCollector();
  });
  afterAll(async () => {
    proc?.kill('SIGKILL');
    await proc?.exited;
    await api?.close();
    await store.close();
    await collector.close();
    await etcd.destroy();
  });

  it('exports the span tree of a placement, serves the contract series, and bounds the flush at SIGTERM', async () => {
    const prefix = uniquePrefix('observability');
    const dev = await startDevApi({ store, prefix, port: 0, host: '127.0.0.1' });
    api = dev;
    await dev.objects.putWorker(aWorker('w-1').json());
    await dev.objects.putInstance(anInstance('li-1').withCreatedAt(new Date().toISOString()).json());
    proc = await startScheduler({
      ETCD_ENDPOINTS: etcd.endpoints.join(','), ETCD_PREFIX: prefix, SCHEDULER_ID: 'observability-test', CONTROL_PLANE_API_URL: dev.url,
      OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const p = proc;

    await waitFor(() => collector.spans.some((s) => s.name === 'reconcile' && attribute(s, 'lablet.instance.id') === 'li-1'), { timeoutMs: 30_000, message: 'the reconcile span of li-1 at the collector' });
    await waitFor(() => collector.spans.filter((s) => s.name === 'POST').length > 0, { message: 'the HTTP attempt span' });
    const reconcile = collector.spans.find((s) => s.name === 'reconcile' && attribute(s, 'lablet.instance.id') === 'li-1')!;
    const children = collector.spans.filter((s) => s.parentSpanId === reconcile.spanId).map((s) => s.name).sort();
    expect(children).toEqual(['POST /api/internal/instances/{id}/schedule', 'placement']);
    const call = collector.spans.find((s) => s.parentSpanId === reconcile.spanId && s.name.startsWith('POST '))!;
    const attempt = collector.spans.find((s) => s.name === 'POST' && s.parentSpanId === call.spanId);
    expect(attempt?.traceId).toBe(reconcile.traceId);
    expect(attribute(attempt!, 'http.response.status_code')).toBe(200);
    const line = p.output.find((l) => l.includes('"message":"schedule accepted"'));
    expect(line).toContain(`"trace_id":"${reconcile.traceId}"`);

    const metrics = await p.get('/metrics');
    const e = parseExposition(String(metrics.body));
    expect(e.value('scheduler_schedule_attempts_total', { result: 'scheduled' })).toBe(1);
    expect(e.value('scheduler_e2e_scheduling_duration_seconds_count')).toBe(1);
    expect(e.value('scheduler_is_leader')).toBe(1);
    expect(e.value('http_client_request_duration_seconds_count', { http_route: '/api/internal/instances/{id}/schedule', http_response_status_code: '200' })).toBe(1);

    // Spans that cannot leave: the collector takes the connection and never answers.
    collector.hang();
    await dev.objects.putInstance(anInstance('li-2').withCreatedAt(new Date().toISOString()).json());
    await waitFor(() => p.output.some((l) => l.includes('"message":"schedule accepted"') && l.includes('"instanceId":"li-2"')), { message: 'li-2 accepted' });
    p.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output.find((l) => l.includes('"message":"stopped"'))).toContain('"telemetryFlushed":false');
  });
});
