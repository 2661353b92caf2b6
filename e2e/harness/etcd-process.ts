// etcd as a child process: a single member on free loopback ports (client and peer) with its own
// name and temporary data dir, so suites can run side by side. restart() reuses the data dir and
// ports, as a rebooted member would. Children are tracked and SIGKILLed when the test process exits;
// with setpriv, the kernel also kills them if it dies without running exit handlers. With `tls` the
// client URL is https, and the harness's own health and compaction calls use the test CA.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EtcdHandle, EtcdServerTls } from './etcd';
import type { HarnessTls } from './etcd-http';
import { isHealthy } from './etcd-http';
import { EtcdNode } from './etcd-node';
import { findExecutable } from './executables';
import { freePort } from './ports';

export interface EtcdProcessOptions {
  readonly binary: string;
  readonly startTimeoutMs: number;
  readonly unsafeNoFsync: boolean;
  /** Serve https on the client URL. Default: http. */
  readonly tls?: EtcdServerTls;
  /** --auth-token-ttl, s. Default: etcd's. */
  readonly authTokenTtlSeconds?: number;
}

/** How long a SIGTERMed etcd may take to exit before it is SIGKILLed, ms. */
const STOP_GRACE_MS = 15_000;
const START_ATTEMPTS = 3;

const live = new Set<ChildProcess>();
let isExitHookSet = false;

function killAllOnExit(): void {
  if (isExitHookSet) return;
  isExitHookSet = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export async function startEtcdProcess(options: EtcdProcessOptions): Promise<EtcdHandle> {
  killAllOnExit();
  const harnessTls = await readHarnessTls(options.tls);
  for (let attempt = 1; ; attempt++) {
    const dataDir = await mkdtemp(join(tmpdir(), 'etcd-test-'));
    const node = new EtcdProcess(options, dataDir, await freePort(), await freePort(), harnessTls);
    try {
      await node.start();
      return node;
    } catch (err: unknown) {
      await node.destroy();
      // Another process may have taken a port between freePort() and etcd's bind.
      if (attempt < START_ATTEMPTS && err instanceof Error && err.message.includes('address already in use')) continue;
      throw err;
    }
  }
}

class EtcdProcess extends EtcdNode {
  readonly runtime = 'binary' as const;
  private readonly args: readonly string[];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderrTail = '';

  constructor(
    private readonly options: EtcdProcessOptions,
    dataDir: string,
    clientPort: number,
    peerPort: number,
    harnessTls: HarnessTls | undefined,
  ) {
    super(`${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${clientPort}`, dataDir, harnessTls);
    const name = `test-${randomBytes(4).toString('hex')}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    this.args = [
      '--name', name, '--data-dir', dataDir,
      '--listen-client-urls', this.clientUrl, '--advertise-client-urls', this.clientUrl,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `${name}=${peerUrl}`, '--initial-cluster-token', name, '--initial-cluster-state', 'new',
      '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn',
      ...(options.unsafeNoFsync ? ['--unsafe-no-fsync'] : []),
      ...tlsArgs(options.tls),
      ...(options.authTokenTtlSeconds === undefined ? [] : ['--auth-token-ttl', String(options.authTokenTtlSeconds)]),
    ];
  }

  /** Spawns etcd and resolves once it is healthy; rejects (with its last log lines) if it exits or stalls. */
  async start(): Promise<void> {
    this.assertNotDestroyed();
    if (this.child !== undefined) return;
    const child = this.spawnChild();
    const deadline = performance.now() + this.options.startTimeoutMs;
    while (!(await isHealthy(this.clientUrl, this.harnessTls))) {
      if (this.child !== child) throw new Error(`etcd exited before it was healthy: ${this.stderrTail.trim()}`);
      if (performance.now() > deadline) {
        await this.kill();
        throw new Error(`etcd was not healthy within ${this.options.startTimeoutMs} ms: ${this.stderrTail.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGTERM');
    const grace = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(grace);
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  private spawnChild(): ChildProcess {
    const setpriv = findExecutable('setpriv');
    // setpriv sets "SIGKILL me when my parent dies" and then execs etcd (same pid, so signals reach etcd).
    const [command, args] = setpriv === undefined
      ? [this.options.binary, this.args]
      : [setpriv, ['--pdeathsig', 'KILL', '--', this.options.binary, ...this.args]];
    this.stderrTail = '';
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    live.add(child);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4_000);
    });
    this.exited = new Promise<void>((resolve) => {
      const done = (): void => {
        live.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      };
      child.once('exit', done);
      child.once('error', (err) => {
        this.stderrTail += `\n${err.message}`;
        done();
      });
    });
    return child;
  }
}

function tlsArgs(tls: EtcdServerTls | undefined): string[] {
  if (tls === undefined) return [];
  return [
    '--cert-file', tls.server.certFile, '--key-file', tls.server.keyFile, '--trusted-ca-file', tls.caFile,
    ...(tls.clientCertAuth === undefined ? [] : ['--client-cert-auth']),
  ];
}

/** The files the harness itself needs to reach an https etcd, read once. */
async function readHarnessTls(tls: EtcdServerTls | undefined): Promise<HarnessTls | undefined> {
  if (tls === undefined) return undefined;
  const client = tls.clientCertAuth?.harnessClient;
  return {
    ca: await readFile(tls.caFile),
    ...(client === undefined ? {} : { cert: await readFile(client.certFile), key: await readFile(client.keyFile) }),
  };
}
