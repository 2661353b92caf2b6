// An etcd cluster of one or three members on loopback, each its own `etcd` process with its own
// --name, data dir, client and peer ports, --initial-advertise-peer-urls and a shared --initial-cluster,
// the way production runs it: tests kill a member (the one a client talks to, or the raft leader),
// restart it on its data, or freeze it (SIGSTOP) to slow it. Members are SIGKILLed when the test
// process exits, and (with setpriv) by the kernel if it dies abruptly. e2e/harness runs single members.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../harness';
import { compactVia, isHealthy } from '../harness/etcd-http';
import { findExecutable } from '../harness/executables';
import { freePort } from '../harness/ports';

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly isRunning: boolean;
  /** SIGKILL, resolving once it has exited; no-op when not running. */
  kill(): Promise<void>;
  /** Starts it again on its data dir and ports (it rejoins the cluster); waits until healthy. */
  start(): Promise<void>;
  /** SIGSTOP (a member that answers nothing, the slowest etcd), and SIGCONT. */
  pause(): void;
  resume(): void;
}

const live = new Set<ChildProcess>();
let isExitHookSet = false;

class Member implements EtcdMember {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderrTail = '';

  constructor(
    readonly name: string,
    readonly clientUrl: string,
    readonly peerUrl: string,
    private readonly dataDir: string,
    private readonly initialCluster: string,
    private readonly token: string,
  ) {}

  get isRunning(): boolean {
    return this.child !== undefined;
  }

  /** Spawns etcd without waiting for health (members of a new cluster must start together). */
  spawn(): void {
    if (this.child !== undefined) return;
    const args = [
      '--name', this.name, '--data-dir', this.dataDir,
      '--listen-client-urls', this.clientUrl, '--advertise-client-urls', this.clientUrl,
      '--listen-peer-urls', this.peerUrl, '--initial-advertise-peer-urls', this.peerUrl,
      '--initial-cluster', this.initialCluster, '--initial-cluster-token', this.token, '--initial-cluster-state', 'new',
      '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn', '--unsafe-no-fsync',
    ];
    const etcd = findExecutable('etcd');
    if (etcd === undefined) throw new Error('cannot start an etcd cluster: no etcd on PATH (make etcd installs it)');
    const setpriv = findExecutable('setpriv');
    const child = setpriv === undefined
      ? spawn(etcd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(setpriv, ['--pdeathsig', 'KILL', '--', etcd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    live.add(child);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => { this.stderrTail = (this.stderrTail + chunk).slice(-4_000); });
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        live.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
  }

  async start(): Promise<void> {
    this.spawn();
    await waitFor(() => isHealthy(this.clientUrl), { timeoutMs: 20_000, intervalMs: 25, message: `etcd member ${this.name} to be healthy (${this.stderrTail.trim().slice(-400)})` });
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGCONT');
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

export class EtcdCluster {
  private constructor(private readonly all: readonly Member[]) {}

  /** Starts size members (1 or 3) on free loopback ports; resolves once every one is healthy. */
  static async start(size: 1 | 3): Promise<EtcdCluster> {
    if (!isExitHookSet) {
      isExitHookSet = true;
      process.once('exit', () => { for (const child of live) child.kill('SIGKILL'); });
    }
    const token = `cluster-${randomBytes(4).toString('hex')}`;
    const specs = [];
    for (let i = 0; i < size; i++) {
      specs.push({ name: `${token}-m${i}`, clientUrl: `http://127.0.0.1:${await freePort()}`, peerUrl: `http://127.0.0.1:${await freePort()}`, dataDir: await mkdtemp(join(tmpdir(), 'etcd-cluster-')) });
    }
    const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
    const cluster = new EtcdCluster(specs.map((s) => new Member(s.name, s.clientUrl, s.peerUrl, s.dataDir, initialCluster, token)));
    try {
      for (const m of cluster.all) m.spawn();
      await Promise.all(cluster.all.map((m) => m.start()));
    } catch (err: unknown) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  get members(): readonly EtcdMember[] {
    return this.all;
  }

  /** Every member's client URL (ETCD_ENDPOINTS names them all). */
  get endpoints(): readonly string[] {
    return this.all.map((m) => m.clientUrl);
  }

  member(index: number): EtcdMember {
    const m = this.all[index];
    if (m === undefined) throw new Error(`no member ${index}`);
    return m;
  }

  /** The index of the raft leader: the running member whose own id is the leader its peers report. */
  async leaderIndex(): Promise<number> {
    let found = -1;
    await waitFor(async () => {
      const statuses = await Promise.all(this.all.map((m) => (m.isRunning ? memberStatus(m.clientUrl) : Promise.resolve(undefined))));
      const leader = statuses.find((s) => s !== undefined && s.leader !== '0')?.leader;
      found = statuses.findIndex((s) => s !== undefined && s.memberId === leader);
      return found >= 0;
    }, { timeoutMs: 20_000, intervalMs: 100, message: 'the etcd cluster to report a leader' });
    return found;
  }

  /** Compacts history up to revision through a running member. */
  async compact(revision: number): Promise<void> {
    const m = this.all.find((x) => x.isRunning);
    if (m === undefined) throw new Error('no running member to compact through');
    await compactVia(m.clientUrl, revision);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.all.map((m) => m.destroy()));
  }
}

/** A member's id and the leader it knows (etcd's JSON gateway writes uint64 ids as strings). */
async function memberStatus(clientUrl: string): Promise<{ memberId: string; leader: string } | undefined> {
  try {
    const reply = await fetch(`${clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1_000) });
    const body = (await reply.json()) as { header?: { member_id?: string }; leader?: string };
    return { memberId: body.header?.member_id ?? '', leader: body.leader ?? '0' };
  } catch {
    return undefined;
  }
}
