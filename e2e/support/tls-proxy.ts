// A TLS-terminating proxy on loopback: https in front of a plain-http server (the development Control
// Plane API serves http only). Each TLS connection is piped byte for byte to one TCP connection to
// the target, so keep-alive, pipelining and held answers behave as they do without the proxy.
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { createServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { KeyPair } from '../harness';

export interface TlsProxyOptions {
  /** The http:// URL of the server behind the proxy, e.g. the development API's url. */
  readonly target: string;
  /** The proxy's server certificate (for 127.0.0.1) and key. */
  readonly server: KeyPair;
}

export interface TlsProxy {
  /** https://127.0.0.1:port */
  readonly url: string;
  /** TLS handshakes that failed (e.g. a client that does not trust the proxy's CA), with the reason. */
  readonly handshakeErrors: readonly string[];
  /** Stops listening and cuts every connection; idempotent. */
  close(): Promise<void>;
}

export async function startTlsProxy(options: TlsProxyOptions): Promise<TlsProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') throw new Error(`startTlsProxy: target must be http://, got ${options.target}`);
  const sockets = new Set<Socket>();
  const handshakeErrors: string[] = [];
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer({ cert: await readFile(options.server.certFile), key: await readFile(options.server.keyFile) }, (client: TLSSocket) => {
    const upstream = connect(Number(target.port), target.hostname);
    track(client);
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.on('tlsClientError', (err) => { handshakeErrors.push(err.message); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('startTlsProxy: no port assigned');
  let closing: Promise<void> | undefined;
  return {
    url: `https://127.0.0.1:${address.port}`,
    handshakeErrors,
    close: () => (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    })),
  };
}
