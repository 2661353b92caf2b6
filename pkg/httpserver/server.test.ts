import { HealthChecks } from './health';
import { HttpServer } from './server';

describe('HttpServer', () => {
  let server: HttpServer;
  let base: string;
  const ready = { etcd: false };

  beforeAll(async () => {
    const readiness = new HealthChecks().add('etcd', () => (ready.etcd ? { ok: true } : { ok: false, detail: 'unreachable' }));
    server = new HttpServer({ port: 0, host: '127.0.0.1' })
      .get('/readyz', () => readiness.reply())
      .get('/debug/instances/:id', ([id]) => ({ status: 200, body: { id } }))
      .get('/metrics', () => ({ status: 200, body: 'a_total 1\n', contentType: 'text/plain; version=0.0.4' }));
    base = `http://127.0.0.1:${await server.start()}`;
  });
  afterAll(() => server.close());

  it('answers 503 with the failing check until it passes, then 200', async () => {
    const before = await fetch(`${base}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ status: 'unavailable', checks: { etcd: { ok: false, detail: 'unreachable' } } });
    ready.etcd = true;
    const after = await fetch(`${base}/readyz`);
    expect(after.status).toBe(200);
  });

  it('passes URL-decoded path parameters', async () => {
    const reply = await fetch(`${base}/debug/instances/li%2E7f3a`);
    expect(await reply.json()).toEqual({ id: 'li.7f3a' });
  });

  it('serves text with its content type', async () => {
    const reply = await fetch(`${base}/metrics`);
    expect(reply.headers.get('content-type')).toContain('text/plain');
    expect(await reply.text()).toBe('a_total 1\n');
  });

  it.each([
    ['an unknown path', 'GET', '/nope', 404],
    ['a POST', 'POST', '/readyz', 405],
    ['a bad escape', 'GET', '/debug/instances/%E0%A4%A', 400],
  ])('answers %s (%s %s) with %d', async (_situation, method, path, status) => {
    expect((await fetch(`${base}${path}`, { method })).status).toBe(status);
  });
});

describe('HealthChecks', () => {
  it('reports a check that throws as failed, naming the error', () => {
    const checks = new HealthChecks().add('loop', () => { throw new Error('broken'); }).add('fine', () => ({ ok: true }));
    expect(checks.evaluate()).toEqual({ ok: false, checks: { loop: { ok: false, detail: 'check threw: broken' }, fine: { ok: true } } });
  });
});
