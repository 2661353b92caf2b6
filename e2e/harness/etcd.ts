// A real etcd per test suite: the `etcd` binary on PATH, on free loopback ports with a temporary
// data dir, or, without a binary, a testcontainers container. startEtcd resolves once etcd reports
// itself healthy. No etcd outlives the test process: children are killed on exit, and where
// util-linux's setpriv exists, the kernel kills them if the test process dies abruptly. With `tls`,
// the binary serves https (optionally asking for client certificates); without it, plain http.
import { startEtcdContainer } from './etcd-container';
import { startEtcdProcess } from './etcd-process';
import { findExecutable } from './executables';
import type { KeyPair } from './pki';

export interface EtcdHandle {
  /** Client URLs, e.g. ['http://127.0.0.1:41234']; unchanged across restart(). */
  readonly endpoints: readonly string[];
  /** Where this etcd runs. */
  readonly runtime: 'binary' | 'container';
  /** SIGTERM (a clean shutdown), resolving once etcd has exited. No-op when not running. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), resolving once etcd has exited. No-op when not running. */
  kill(): Promise<void>;
  /** Stops etcd if it runs, starts it again on the same data dir and ports, and waits until healthy. */
  restart(): Promise<void>;
  /** Compacts history up to revision (physically, before resolving). */
  compact(revision: number): Promise<void>;
  /** Kills etcd and removes its data; idempotent. */
  destroy(): Promise<void>;
}

/** etcd serving https on its client URL (peers stay on http: a single member has none). */
export interface EtcdServerTls {
  /** CA trusted for client certificates (--trusted-ca-file); the harness trusts it for etcd's certificate. */
  readonly caFile: string;
  /** etcd's certificate for 127.0.0.1 and its key (--cert-file, --key-file). */
  readonly server: KeyPair;
  /**
   * Require a client certificate signed by caFile (--client-cert-auth); with auth enabled etcd takes
   * its CN as the user. The harness presents this pair for /health and compaction. Default: none asked.
   */
  readonly clientCertAuth?: { readonly harnessClient: KeyPair };
}

export interface StartEtcdOptions {
  /** 'auto' (default): the binary when found on PATH, else a container. */
  readonly runtime?: 'auto' | 'binary' | 'container';
  /** The binary's name or path. Default 'etcd'. */
  readonly binary?: string;
  /** Container image when no binary is used. Default quay.io/coreos/etcd:v3.5.17. */
  readonly image?: string;
  /** How long etcd may take to become healthy, ms. Default 20,000 (a container may pull its image first: 120,000). */
  readonly startTimeoutMs?: number;
  /** Run with --unsafe-no-fsync: fast, loses data on power loss; tests only. Default true. */
  readonly unsafeNoFsync?: boolean;
  /** Serve https with these files (binary runtime only). Default: plain http. */
  readonly tls?: EtcdServerTls;
  /** etcd's --auth-token-ttl: an idle simple auth token expires after this, s (binary runtime only). Default: etcd's (300). */
  readonly authTokenTtlSeconds?: number;
}

export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdHandle> {
  const runtime = options.runtime ?? 'auto';
  const binary = options.binary ?? 'etcd';
  const unsafeNoFsync = options.unsafeNoFsync ?? true;
  const found = runtime === 'container' ? undefined : findExecutable(binary);
  if (found !== undefined) {
    return startEtcdProcess({
      binary: found, startTimeoutMs: options.startTimeoutMs ?? 20_000, unsafeNoFsync,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.authTokenTtlSeconds === undefined ? {} : { authTokenTtlSeconds: options.authTokenTtlSeconds }),
    });
  }
  if (runtime === 'binary' || options.tls !== undefined || options.authTokenTtlSeconds !== undefined) throw new Error(`cannot start etcd for tests: no executable ${binary} on PATH`);
  return startEtcdContainer({
    image: options.image ?? 'quay.io/coreos/etcd:v3.5.17',
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
    unsafeNoFsync,
  });
}
