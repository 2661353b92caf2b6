// The scheduler's own HTTP endpoints (health, metrics, debug) on HTTP_PORT. Started first, before
// etcd is reached, so probes answer while the rest comes up. Handlers are synchronous or short:
// nothing here waits on etcd or the Control Plane API.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observability';
import { NOOP_LOGGER } from '../observability';

export interface HttpReply {
  readonly status: number;
  /** Serialised as JSON unless contentType says otherwise (then it must be a string). */
  readonly body: unknown;
  readonly contentType?: string;
}

export type RouteHandler = (params: readonly string[], url: URL) => HttpReply | Promise<HttpReply>;

interface Route {
  readonly pattern: RegExp;
  readonly handle: RouteHandler;
}

export interface HttpServerOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind; default all interfaces (the pod's IP). */
  readonly host?: string;
  readonly logger?: Logger;
}

export class HttpServer {
  private readonly routes: Route[] = [];
  private server: Server | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: HttpServerOptions) {
    this.logger = options.logger ?? NOOP_LOGGER;
  }

  /** Registers GET path; `:name` segments capture one URL-decoded segment each, passed in order. */
  get(path: string, handle: RouteHandler): this {
    const source = path.split('/').map((seg) => (seg.startsWith(':') ? '([^/]+)' : escapeRegExp(seg))).join('/');
    this.routes.push({ pattern: new RegExp(`^${source}$`), handle });
    return this;
  }

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      this.dispatch(req, res).catch((err: unknown) => {
        this.logger.error('http handler failed', { path: req.url, err });
        if (!res.headersSent) send(res, { status: 500, body: { error: 'internal error' } });
      });
    });
    server.keepAliveTimeout = 5_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops accepting connections and closes idle ones; idempotent. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://scheduler.local');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, { status: 405, body: { error: 'only GET is served' } });
      return;
    }
    for (const route of this.routes) {
      const match = route.pattern.exec(url.pathname);
      if (match === null) continue;
      let params: string[];
      try {
        params = match.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        send(res, { status: 400, body: { error: 'bad URL encoding' } });
        return;
      }
      send(res, await route.handle(params, url));
      return;
    }
    send(res, { status: 404, body: { error: 'not found' } });
  }
}

function send(res: ServerResponse, reply: HttpReply): void {
  const isText = reply.contentType !== undefined;
  const body = isText ? String(reply.body) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(body);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
