// What one schedule call costs the caller's CPU, by HTTP stack, at 64 calls in flight against a
// trivial server in another process (so only the client's work is on this process's clock): axios
// with the options HttpControlPlaneClient uses (over node:http), bare node:http with the same
// keep-alive agent, axios over an undici pool (a custom adapter), and undici alone. The scheduler
// benchmark shows the client as the largest cost per placement after the decision; this shows how
// much of it is the HTTP stack (docs/scaling.md). Run:
//   npx tsc -p tsconfig.build.json && node dist/bench/http-transport.bench.js [calls]
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import type { AxiosAdapter } from 'axios';
import { Pool } from 'undici';
import { fmt } from './support';

const CALLS = Number(process.argv[2] ?? '20000');
const IN_FLIGHT = 64;
const BODY = JSON.stringify({ workerId: 'w-1', instanceRevision: 42 });
const HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Scheduler-Id': 'bench', 'X-Fencing-Token': '123' };

function serve(): void {
  const answer = JSON.stringify({ instanceId: 'li-1', workerId: 'w-1', phase: 'SCHEDULED', revision: 42 });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) }).end(answer));
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
}

async function measure(name: string, call: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 2_000; i++) await call(i); // warm up
  let next = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < CALLS) await call(next++);
  }));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(`${name.padEnd(34)} ${fmt(CALLS / seconds, 0).padStart(6)} calls/s, ${fmt((cpu.user + cpu.system) / 1000 / CALLS, 3)} ms of client CPU per call`);
}

async function main(): Promise<void> {
  const server = fork(__filename, ['serve'], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve) => server.once('message', (p) => resolve(Number(p))));
  const origin = `http://127.0.0.1:${port}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const pool = new Pool(origin, { connections: IN_FLIGHT });
  const options = { proxy: false as const, maxRedirects: 0, responseType: 'text' as const, transformResponse: [(d: unknown) => d], validateStatus: () => true, timeout: 0 };
  const overNodeHttp = axios.create({ ...options, baseURL: origin, httpAgent: agent });
  const undiciAdapter: AxiosAdapter = async (config) => {
    const res = await pool.request({ path: config.url ?? '/', method: 'POST', headers: config.headers.toJSON() as Record<string, string>, body: config.data as string, signal: config.signal });
    return { data: await res.body.text(), status: res.statusCode, statusText: '', headers: {}, config };
  };
  const overUndici = axios.create({ ...options, adapter: undiciAdapter });
  const path = (i: number): string => `/api/internal/instances/li-${i}/schedule`;
  const bare = (i: number): Promise<string> => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: path(i), agent, headers: { ...HEADERS, 'Content-Length': Buffer.byteLength(BODY) } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { data += chunk; });
      res.on('end', () => resolve(data));
    });
    req.on('error', reject);
    req.end(BODY);
  });
  console.log(`HTTP transport benchmark: ${CALLS} POSTs per stack, ${IN_FLIGHT} in flight, node ${process.version}, server in its own process`);
  try {
    for (let round = 1; round <= 2; round++) {
      await measure('axios over node:http (the client)', (i) => overNodeHttp.post(path(i), BODY, { headers: HEADERS, signal: new AbortController().signal }));
      await measure('node:http, same agent', bare);
      await measure('axios over an undici pool', (i) => overUndici.post(path(i), BODY, { headers: HEADERS, signal: new AbortController().signal }));
      await measure('undici pool alone', async (i) => (await pool.request({ path: path(i), method: 'POST', headers: HEADERS, body: BODY })).body.text());
    }
  } finally {
    server.kill();
    agent.destroy();
    await pool.close();
  }
}

if (process.argv[2] === 'serve') serve();
else main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); });
