// HttpControlPlaneClient's transport (axios over an undici pool, undici-adapter.ts) against plain
// servers: the answer size limit, a base URL with a path, and HTTPS trusted through a CA file (a
// certificate made by openssl for this test).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../clock';
import { HttpControlPlaneClient } from './http-client';
import { isOutcomeUnknown, isRetriable } from './errors';
import type { TransportError } from './errors';
import { rejection } from './testing';

const ACCEPTED = JSON.stringify({ instanceId: 'li-1', workerId: 'w-1', phase: 'SCHEDULED', modRevision: 7 });

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('HttpControlPlaneClient transport', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function serve(handler: Handler): Promise<{ port: number; paths: string[] }> {
    const paths: string[] = [];
    const server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume();
      req.on('end', () => handler(req, res));
    });
    const port = await listen(server);
    closers.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    return { port, paths };
  }

  function client(baseUrl: string, over: { caFile?: string; maxAttempts?: number } = {}): HttpControlPlaneClient {
    const c = new HttpControlPlaneClient({ baseUrl, schedulerId: 'transport-test', clock: new FakeClock(0), random: () => 0, baseDelayMs: 1, maxBackoffMs: 1, ...over });
    closers.push(() => Promise.resolve(c.close()));
    return c;
  }
  const schedule = (c: HttpControlPlaneClient) => c.schedule('li-1', { workerId: 'w-1', instanceRevision: 6 }, { fencingToken: 3 });

  it('puts the base URL\'s path before each route', async () => {
    const { port, paths } = await serve((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(ACCEPTED));
    await expect(schedule(client(`http://127.0.0.1:${port}/control-plane/`))).resolves.toMatchObject({ phase: 'SCHEDULED' });
    expect(paths).toEqual(['/control-plane/api/internal/instances/li-1/schedule']);
  });

  it.each([
    ['declares a length over 1 MiB', (res: http.ServerResponse) => res.writeHead(200, { 'Content-Length': String(2 << 20) }).end('x'.repeat(2 << 20))],
    ['streams more than 1 MiB without a length', (res: http.ServerResponse) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      for (let i = 0; i < 3; i++) res.write('x'.repeat(1 << 19));
      res.end();
    }],
  ])('treats an answer that %s as no answer, and tries again', async (_name, answer) => {
    const { port, paths } = await serve((_req, res) => answer(res));
    const err = await rejection(schedule(client(`http://127.0.0.1:${port}`, { maxAttempts: 2 })));
    expect(isOutcomeUnknown(err)).toBe(true);
    expect(((err as Error).cause as TransportError).errorCode).toBe('ERR_BAD_RESPONSE');
    expect(paths).toHaveLength(2);
  });

  describe('over HTTPS', () => {
    let dir: string;
    let port: number;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'transport-tls-'));
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem'),
      ], { stdio: 'ignore' });
      const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'ca.pem')) }, (req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(ACCEPTED));
      });
      port = await listen(server);
      closeServer = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
    });
    let closeServer: () => Promise<void> = () => Promise.resolve();
    afterAll(async () => {
      await closeServer();
      rmSync(dir, { recursive: true, force: true });
    });

    it('trusts the API through CONTROL_PLANE_CA_FILE', async () => {
      await expect(schedule(client(`https://127.0.0.1:${port}`, { caFile: join(dir, 'ca.pem') }))).resolves.toMatchObject({ phase: 'SCHEDULED' });
    });

    it('refuses an untrusted certificate at once, without retrying', async () => {
      const err = await rejection(schedule(client(`https://127.0.0.1:${port}`, { maxAttempts: 3 })));
      expect(isRetriable(err)).toBe(false);
      expect((err as TransportError).errorCode).toMatch(/SELF_SIGNED|UNABLE_TO_|DEPTH_ZERO/);
    });
  });
});
