// What the harness asks of a running etcd, over its HTTP endpoints (/health and the v3 JSON
// gateway), so it needs no client library and works the same for a process and a container.
import { request } from 'node:http';

interface Reply {
  readonly status: number;
  readonly body: string;
}

function call(url: string, method: 'GET' | 'POST', body: string | undefined, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: timeoutMs, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** True when etcd at clientUrl reports itself healthy (it has a leader and answers reads). */
export async function isHealthy(clientUrl: string): Promise<boolean> {
  try {
    const reply = await call(`${clientUrl}/health`, 'GET', undefined, 1_000);
    return reply.status === 200 && (JSON.parse(reply.body) as { health?: unknown }).health === 'true';
  } catch {
    return false;
  }
}

/** Compacts etcd's history up to revision, waiting until the compaction is physically done. */
export async function compactVia(clientUrl: string, revision: number): Promise<void> {
  const reply = await call(`${clientUrl}/v3/kv/compaction`, 'POST', JSON.stringify({ revision: String(revision), physical: true }), 10_000);
  if (reply.status !== 200) throw new Error(`etcd compaction to revision ${revision} failed: HTTP ${reply.status} ${reply.body}`);
}
