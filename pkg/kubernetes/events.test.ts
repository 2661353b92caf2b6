import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeClock } from '../clock';
import { captureLogs } from '../config/testing';
import type { EventRecorder } from './events';
import { eventRecorderFor, KubernetesEventRecorder, NOOP_EVENT_RECORDER } from './events';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
}

/** A loopback stand-in for the API server's Events endpoint; `answer` decides each reply. */
async function fakeApiServer(answer: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(body || '{}') as Record<string, unknown> });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    seen,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const created = (_req: http.IncomingMessage, res: http.ServerResponse, body: string): void => {
  res.writeHead(201, { 'Content-Type': 'application/json' });
  res.end(body);
};

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  // The client takes a loopback http:// server only with skipTLSVerify (toolchain notes).
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'scheduler', token: 'sa-token-123' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'scheduler', namespace: 'lcm' }],
    currentContext: 'fake',
  });
  return kc;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('KubernetesEventRecorder', () => {
  let server: Awaited<ReturnType<typeof fakeApiServer>>;
  let clock: FakeClock;
  afterEach(async () => { await server.close(); });

  async function recorder(answer = created, over: { timeoutMs?: number; maxInFlight?: number } = {}) {
    server = await fakeApiServer(answer);
    clock = new FakeClock(Date.parse('2026-11-27T10:00:00Z'));
    const logs = captureLogs('info');
    const events = await KubernetesEventRecorder.create({
      kubeConfig: kubeConfigFor(server.url), namespace: 'lcm', podName: 'lablet-scheduler-7d9f-abc12', clock, logger: logs.logger, ...over,
    });
    return { events, logs };
  }

  it('creates a core/v1 Event about its pod in its namespace, with the service account token', async () => {
    const { events } = await recorder();
    events.record({ type: 'Normal', reason: 'LeaderElected', message: 'lablet-scheduler-7d9f-abc12 became leader (fencing token 42)' });
    await events.flush(5_000);
    expect(server.seen).toHaveLength(1);
    const [request] = server.seen;
    expect(request).toMatchObject({ method: 'POST', url: '/api/v1/namespaces/lcm/events', authorization: 'Bearer sa-token-123' });
    expect(request?.body).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: expect.stringMatching(/^lablet-scheduler-7d9f-abc12\.[0-9a-f]+$/) as unknown, namespace: 'lcm' },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'lablet-scheduler-7d9f-abc12', namespace: 'lcm' },
      type: 'Normal',
      reason: 'LeaderElected',
      message: 'lablet-scheduler-7d9f-abc12 became leader (fencing token 42)',
      source: { component: 'lablet-scheduler' },
      reportingComponent: 'lablet-scheduler',
      reportingInstance: 'lablet-scheduler-7d9f-abc12',
      firstTimestamp: '2026-11-27T10:00:00.000Z',
      lastTimestamp: '2026-11-27T10:00:00.000Z',
      count: 1,
    });
  });

  it('gives each Event its own name and cuts long messages', async () => {
    const { events } = await recorder();
    events.record({ type: 'Warning', reason: 'ConfigRefused', message: 'x'.repeat(5_000) });
    events.record({ type: 'Warning', reason: 'ConfigRefused', message: 'short' });
    await events.flush(5_000);
    const names = server.seen.map((s) => (s.body['metadata'] as { name: string }).name);
    expect(new Set(names).size).toBe(2);
    expect((server.seen[0]?.body['message'] as string).length).toBe(1_024);
  });

  it('logs a refusal by the API at warn, without the response, and keeps recording', async () => {
    let status = 403;
    const { events, logs } = await recorder((_req, res, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'X-Secret-Header': 'do-not-log' });
      res.end(status === 201 ? body : JSON.stringify({ kind: 'Status', reason: 'Forbidden', code: 403 }));
    });
    expect(() => events.record({ type: 'Warning', reason: 'ConfigRefused', message: 'm' })).not.toThrow();
    await events.flush(5_000);
    await until(() => logs.withMessage('recording a kubernetes event failed').length === 1, 'the warning');
    const line = logs.withMessage('recording a kubernetes event failed')[0];
    expect(line).toMatchObject({ level: 'warn', reason: 'ConfigRefused', err: { code: 403 } });
    expect(JSON.stringify(line)).not.toContain('do-not-log');
    status = 201;
    events.record({ type: 'Normal', reason: 'LeaderElected', message: 'm' });
    await events.flush(5_000);
    expect(server.seen).toHaveLength(2);
  });

  it('gives up on an API that does not answer after its timeout, on its clock', async () => {
    const { events, logs } = await recorder(() => undefined, { timeoutMs: 2_000 });
    events.record({ type: 'Normal', reason: 'LeadershipLost', message: 'm' });
    await until(() => server.seen.length === 1, 'the request');
    clock.step(1_999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(logs.withMessage('recording a kubernetes event failed')).toEqual([]);
    clock.step(1);
    await until(() => logs.withMessage('recording a kubernetes event failed').length === 1, 'the timeout warning');
  });

  it('drops what exceeds maxInFlight instead of queueing without bound', async () => {
    const held: http.ServerResponse[] = [];
    const { events, logs } = await recorder((_req, res) => { held.push(res); }, { maxInFlight: 2 });
    for (let i = 0; i < 3; i++) events.record({ type: 'Normal', reason: 'LeaderElected', message: `m${i}` });
    await until(() => server.seen.length === 2, 'two requests');
    await until(() => logs.withMessage('kubernetes event dropped: too many in flight').length === 1, 'the drop warning');
    for (const res of held) { res.writeHead(201); res.end('{}'); }
    await events.flush(5_000);
    expect(server.seen).toHaveLength(2);
  });

  it('flush gives up after its bound', async () => {
    const { events } = await recorder(() => undefined, { timeoutMs: 60_000 });
    events.record({ type: 'Normal', reason: 'LeaderElected', message: 'm' });
    let flushed = false;
    const flushing = events.flush(500).then(() => { flushed = true; });
    await until(() => server.seen.length === 1, 'the request');
    expect(flushed).toBe(false);
    await clock.tick(500);
    await flushing;
    expect(flushed).toBe(true);
    clock.step(60_000); // let the request time out before the server closes
  });
});

describe('eventRecorderFor', () => {
  let root: string;
  beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'k8s-events-')); });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  const options = (logger = captureLogs('debug').logger) => ({ podName: 'p', clock: new FakeClock(), logger, serviceAccountRoot: root });
  async function serviceAccount(files: Record<string, string>): Promise<void> {
    const dir = join(root, '/var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  }

  it('is silent outside a cluster', async () => {
    const logs = captureLogs('debug');
    const events: EventRecorder = await eventRecorderFor({}, options(logs.logger));
    expect(events).toBe(NOOP_EVENT_RECORDER);
    expect(logs.lines()).toEqual([]);
  });

  it('uses the service account and its namespace in a cluster', async () => {
    await serviceAccount({ token: 't', namespace: 'lcm\n', 'ca.crt': '' });
    const events = await eventRecorderFor({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, options());
    expect(events).toBeInstanceOf(KubernetesEventRecorder);
  });

  it('turns itself off, saying why, when the service account names no namespace', async () => {
    await serviceAccount({ token: 't', 'ca.crt': '' });
    const logs = captureLogs('debug');
    const events = await eventRecorderFor({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, options(logs.logger));
    expect(events).toBe(NOOP_EVENT_RECORDER);
    await until(() => logs.withMessage('kubernetes events off: the service account names no namespace').length === 1, 'the warning');
  });
});
