// A real etcd per test suite: the `etcd` binary on PATH, on free loopback ports with a temporary
// data dir, or, without a binary, a testcontainers container. startEtcd resolves once etcd reports
// itself healthy. No etcd outlives the test process: children are killed on exit, and where
// util-linux's setpriv exists, the kernel kills them if the test process dies abruptly.
import { startEtcdContainer } from './etcd-container';
import { startEtcdProcess } from './etcd-process';
import { findExecutable } from './executables';

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
}

export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdHandle> {
  const runtime = options.runtime ?? 'auto';
  const binary = options.binary ?? 'etcd';
  const unsafeNoFsync = options.unsafeNoFsync ?? true;
  const found = runtime === 'container' ? undefined : findExecutable(binary);
  if (found !== undefined) {
    return startEtcdProcess({ binary: found, startTimeoutMs: options.startTimeoutMs ?? 20_000, unsafeNoFsync });
  }
  if (runtime === 'binary') throw new Error(`cannot start etcd for tests: no executable ${binary} on PATH`);
  return startEtcdContainer({
    image: options.image ?? 'quay.io/coreos/etcd:v3.5.17',
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
    unsafeNoFsync,
  });
}
