// What the harness asks of a running etcd, over its HTTP endpoints (/health and the v3 JSON
// gateway), so it needs no client library and works the same for a process and a container. Over
// https, the harness trusts the test CA and, where etcd asks for one, presents its own client
// certificate.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';

/** How the harness speaks to an etcd serving https: the PEM contents, read once at start. */
export interface HarnessTls {
  /** The CA that signed etcd's server certificate. */
  readonly ca: Buffer;
  /** The harness's client certificate and key, when etcd requires one. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

function call(url: string, method: 'GET' | 'POST', body: string | undefined, timeoutMs: number, tls: HarnessTls | undefined): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const options: RequestOptions = { method, agent: false, timeout: timeoutMs, headers: { 'content-type': 'application/json' } };
    const onReply = (res: IncomingMessage): void => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    };
    const req: ClientRequest = url.startsWith('https:')
      ? httpsRequest(url, { ...options, ...(tls === undefined ? {} : { ca: tls.ca, cert: tls.cert, key: tls.key }) }, onReply)
      : httpRequest(url, options, onReply);
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** True when etcd at clientUrl reports itself healthy (it has a leader and answers reads). */
export async function isHealthy(clientUrl: string, tls?: HarnessTls): Promise<boolean> {
  try {
    const reply = await call(`${clientUrl}/health`, 'GET', undefined, 1_000, tls);
    return reply.status === 200 && (JSON.parse(reply.body) as { health?: unknown }).health === 'true';
  } catch {
    return false;
  }
}

/** Compacts etcd's history up to revision, waiting until the compaction is physically done. */
export async function compactVia(clientUrl: string, revision: number, tls?: HarnessTls): Promise<void> {
  const reply = await call(`${clientUrl}/v3/kv/compaction`, 'POST', JSON.stringify({ revision: String(revision), physical: true }), 10_000, tls);
  if (reply.status !== 200) throw new Error(`etcd compaction to revision ${revision} failed: HTTP ${reply.status} ${reply.body}`);
}
