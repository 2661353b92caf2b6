// Scheduler processes (`node dist/main.js`) started with whatever etcd and API settings a test gives
// (a least-privilege user, client certificates, an https API), judged from outside: /debug/leader
// of each replica and the leader key read through the test's own, more privileged, etcd client.
// Unlike Cluster, it starts no API and assumes nothing about how etcd is reached.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leaderKey } from '../../pkg/objects';
import type { Store } from '../../pkg/store';
import { waitFor } from '../harness';
import type { LeaderView } from './cluster';
import type { SchedulerProcess } from './scheduler-process';
import { startScheduler } from './scheduler-process';

export interface ReplicaSetOptions {
  /** A client allowed to read the leader key (root, or the API's user). */
  readonly store: Store;
  readonly prefix: string;
  /** Every variable but SCHEDULER_ID, HTTP_PORT and CONFIG_FILE (ETCD_*, CONTROL_PLANE_*). */
  readonly env: Readonly<Record<string, string>>;
  /** The ConfigMap's YAML. Default: a 3 s lease TTL, short call timeouts and requeues. */
  readonly configYaml?: string;
}

export interface SoleLeader {
  readonly identity: string;
  /** The term's fencing token. */
  readonly token: number;
}

const DEFAULT_CONFIG = 'leaderElection: {leaseTtlSeconds: 3}\ncontrolPlane: {timeoutMs: 2000}\nrequeue: {baseDelayMs: 50, maxDelayMs: 2000}\n';

export class ReplicaSet {
  private readonly procs = new Map<string, SchedulerProcess>();

  private constructor(
    private readonly options: ReplicaSetOptions,
    private readonly dir: string,
  ) {}

  static async create(options: ReplicaSetOptions): Promise<ReplicaSet> {
    const dir = await mkdtemp(join(tmpdir(), 'replica-set-'));
    await writeFile(join(dir, 'config.yaml'), options.configYaml ?? DEFAULT_CONFIG);
    return new ReplicaSet(options, dir);
  }

  /** Starts a replica named identity, with env overriding the set's variables for this one. */
  async start(identity: string, env: Readonly<Record<string, string>> = {}): Promise<SchedulerProcess> {
    if (this.procs.has(identity)) throw new Error(`replica ${identity} already started`);
    const proc = await startScheduler({ ...this.options.env, CONFIG_FILE: join(this.dir, 'config.yaml'), SCHEDULER_ID: identity, ...env });
    this.procs.set(identity, proc);
    return proc;
  }

  proc(identity: string): SchedulerProcess {
    const proc = this.procs.get(identity);
    if (proc === undefined) throw new Error(`no replica ${identity}`);
    return proc;
  }

  /** The leader key now: its holder and token, or undefined when absent. */
  async leaderKey(): Promise<{ holder: string; token: number } | undefined> {
    const kv = await this.options.store.get(leaderKey(this.options.prefix));
    return kv === undefined ? undefined : { holder: kv.value.toString('utf8'), token: kv.createRevision };
  }

  /**
   * Waits until exactly one running replica says it leads, the others say they do not, and the
   * leader key is that replica's term; with newerThan, a token above it.
   */
  async waitForSoleLeader(options: { readonly newerThan?: number } = {}): Promise<SoleLeader> {
    let found: SoleLeader | undefined;
    await waitFor(async () => {
      const running = [...this.procs.entries()].filter(([, p]) => p.child.exitCode === null && p.child.signalCode === null);
      const views = await Promise.all(running.map(async ([identity, p]) => ({ identity, view: (await p.get('/debug/leader')).body as LeaderView })));
      const leading = views.filter((v) => v.view.leader);
      const only = leading[0];
      if (leading.length !== 1 || only === undefined) return false;
      const token = Number(only.view.fencingToken);
      const key = await this.leaderKey();
      if (token <= (options.newerThan ?? 0) || key?.token !== token || key.holder !== only.identity) return false;
      found = { identity: only.identity, token };
      return true;
    }, { timeoutMs: 30_000, intervalMs: 100, message: `exactly one leader${options.newerThan === undefined ? '' : ` with a token above ${options.newerThan}`}` });
    if (found === undefined) throw new Error('unreachable: waitFor resolved without a leader');
    return found;
  }

  /** Every replica's log lines, for a failure message or a search. */
  allOutput(): string[] {
    return [...this.procs.values()].flatMap((p) => p.output);
  }

  /** SIGKILLs every replica and removes the config file; idempotent. */
  async close(): Promise<void> {
    for (const p of this.procs.values()) p.kill('SIGKILL');
    await Promise.all([...this.procs.values()].map((p) => p.exited));
    this.procs.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}
