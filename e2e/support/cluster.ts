// Several replicas of the real service (`node dist/main.js` processes) over one etcd and one key
// prefix, with the development Control Plane API in the test process in front of the same etcd:
// what the HA tests and the failover benchmark fault. Each slot keeps its SCHEDULER_ID across
// restarts; a frozen (SIGSTOPped) replica is not asked anything until it is continued.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevControlPlaneApi } from '../../dev/controlplane-api';
import { start as startDevApi } from '../../dev/controlplane-api';
import type { LabletInstanceJson, WorkerJson } from '../../pkg/objects';
import { leaderKey } from '../../pkg/objects';
import type { Store } from '../../pkg/store';
import { EtcdStore } from '../../pkg/store';
import { waitFor } from '../harness';
import { PrefixHistory } from './history';
import type { SchedulerProcess } from './scheduler-process';
import { startScheduler, statusOf } from './scheduler-process';

export interface ClusterOptions {
  readonly endpoints: readonly string[];
  /** A unique ETCD_PREFIX (uniquePrefix()). */
  readonly prefix: string;
  /** One SCHEDULER_ID per replica; two may be equal. Default ['ha-a', 'ha-b', 'ha-c']. */
  readonly identities?: readonly string[];
  /** leaderElection.leaseTtlSeconds. Default 3. */
  readonly leaseTtlSeconds?: number;
  /** More ConfigMap YAML (top-level keys other than leaderElection). Default: short requeue and call timeouts. */
  readonly configYaml?: string;
}

/** GET /debug/leader (contract §4). */
export interface LeaderView {
  readonly leader: boolean;
  readonly identity: string;
  readonly leaderIdentity: string | null;
  readonly fencingToken: string | null;
  readonly paused: boolean;
}

export interface Replica {
  readonly slot: number;
  readonly identity: string;
  readonly proc: SchedulerProcess;
  /** SIGSTOPped and not continued yet. */
  readonly frozen: boolean;
}

export interface Leadership {
  readonly slot: number;
  readonly token: number;
}

const DEFAULT_CONFIG = 'controlPlane: {timeoutMs: 2000}\nrequeue: {baseDelayMs: 50, maxDelayMs: 2000}\n';

export class Cluster {
  private readonly slots: Array<{ proc: SchedulerProcess; frozen: boolean }> = [];

  private constructor(
    readonly prefix: string,
    readonly api: DevControlPlaneApi,
    /** The test's own client to etcd (also the development API's). */
    readonly store: Store,
    readonly history: PrefixHistory,
    readonly identities: readonly string[],
    private readonly env: Record<string, string>,
    private readonly dir: string,
  ) {}

  /** Starts the development API, the history watch and every replica (not waiting for a leader). */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const store = await EtcdStore.connect({ endpoints: options.endpoints });
    const api = await startDevApi({ store, prefix: options.prefix, port: 0, host: '127.0.0.1' });
    const history = await PrefixHistory.start(store, options.prefix);
    const dir = await mkdtemp(join(tmpdir(), 'ha-cluster-'));
    const configFile = join(dir, 'config.yaml');
    await writeFile(configFile, `leaderElection: {leaseTtlSeconds: ${options.leaseTtlSeconds ?? 3}}\n${options.configYaml ?? DEFAULT_CONFIG}`);
    const env = {
      ETCD_ENDPOINTS: options.endpoints.join(','),
      ETCD_PREFIX: options.prefix,
      CONTROL_PLANE_API_URL: api.url,
      CONFIG_FILE: configFile,
    };
    const cluster = new Cluster(options.prefix, api, store, history, options.identities ?? ['ha-a', 'ha-b', 'ha-c'], env, dir);
    for (let slot = 0; slot < cluster.identities.length; slot++) await cluster.spawn(slot);
    return cluster;
  }

  replica(slot: number): Replica {
    const s = this.slots[slot];
    if (s === undefined) throw new Error(`no replica in slot ${slot}`);
    return { slot, identity: this.identities[slot] ?? '', proc: s.proc, frozen: s.frozen };
  }

  get size(): number {
    return this.slots.length;
  }

  /** /debug/leader of every running, unfrozen replica that answers (undefined for the others). */
  async views(): Promise<Array<LeaderView | undefined>> {
    return Promise.all(this.slots.map(async (s) => {
      if (s.frozen || s.proc.child.exitCode !== null || s.proc.child.signalCode !== null) return undefined;
      try {
        const reply = await s.proc.get('/debug/leader');
        return reply.status === 200 ? (reply.body as LeaderView) : undefined;
      } catch {
        return undefined;
      }
    }));
  }

  /** The leader key now: its holder and token, or undefined when absent. */
  async leaderKey(): Promise<{ holder: string; token: number } | undefined> {
    const kv = await this.store.get(leaderKey(this.prefix));
    return kv === undefined ? undefined : { holder: kv.value.toString('utf8'), token: kv.createRevision };
  }

  /**
   * Waits until exactly one replica says it leads, every other answering replica says it does not,
   * and the leader key in etcd is that replica's term (its identity, its token). With newerThan, the
   * term's token must be above it. Resolves with the leader's slot and token.
   */
  async waitForSoleLeader(options: { readonly newerThan?: number; readonly timeoutMs?: number } = {}): Promise<Leadership> {
    let found: Leadership | undefined;
    await waitFor(async () => {
      found = undefined;
      const views = await this.views();
      const leading = views.flatMap((v, slot) => (v?.leader === true ? [{ slot, view: v }] : []));
      const only = leading[0];
      if (leading.length !== 1 || only === undefined) return false;
      const token = Number(only.view.fencingToken);
      if (token <= (options.newerThan ?? 0)) return false;
      const key = await this.leaderKey();
      if (key?.token !== token || key.holder !== this.identities[only.slot]) return false;
      found = { slot: only.slot, token };
      return true;
    }, { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 100, message: `exactly one leader${options.newerThan === undefined ? '' : ` with a token above ${options.newerThan}`}` });
    if (found === undefined) throw new Error('unreachable: waitFor resolved without a leader');
    return found;
  }

  /** Waits until every running replica answers /readyz with 200 (its cache synced). */
  async waitForReady(timeoutMs = 30_000): Promise<void> {
    await waitFor(async () => {
      for (const s of this.slots) {
        if (s.frozen || s.proc.child.exitCode !== null || s.proc.child.signalCode !== null) continue;
        if ((await statusOf(s.proc, '/readyz')) !== 200) return false;
      }
      return true;
    }, { timeoutMs, intervalMs: 100, message: 'every running replica to be ready' });
  }

  /** True once etcd's history (caught up first) shows every one of ids placed. */
  async hasPlaced(ids: readonly string[]): Promise<boolean> {
    await this.history.sync();
    const counts = this.history.placementCounts();
    return ids.every((id) => counts.has(id));
  }

  /** Sends signal to the replica in slot; SIGSTOP resolves once the kernel shows it stopped. */
  async signal(slot: number, signal: NodeJS.Signals): Promise<void> {
    const s = this.slots[slot];
    if (s === undefined) throw new Error(`no replica in slot ${slot}`);
    s.proc.kill(signal);
    if (signal === 'SIGSTOP') {
      s.frozen = true;
      await waitFor(async () => (await processState(s.proc)) === 'T', { timeoutMs: 5_000, intervalMs: 5, message: `replica ${slot} to stop` });
    }
    if (signal === 'SIGCONT') s.frozen = false;
  }

  /** Starts a new process in slot (same identity) once the old one has exited. */
  async restart(slot: number): Promise<SchedulerProcess> {
    const s = this.slots[slot];
    if (s !== undefined) {
      s.proc.kill('SIGKILL');
      await s.proc.exited;
    }
    return this.spawn(slot);
  }

  async putWorkers(workers: readonly WorkerJson[]): Promise<void> {
    for (const w of workers) await this.api.objects.putWorker(w);
  }

  async putInstances(instances: readonly LabletInstanceJson[]): Promise<void> {
    for (let i = 0; i < instances.length; i += 32) await Promise.all(instances.slice(i, i + 32).map((doc) => this.api.objects.putInstance(doc)));
  }

  /** The last lines of a replica's log, for a failure message. */
  tail(slot: number, lines = 30): string {
    return (this.slots[slot]?.proc.output ?? []).slice(-lines).join('\n');
  }

  /** Kills every replica and stops the API, the watch and the client; removes the config file. */
  async close(): Promise<void> {
    for (const s of this.slots) {
      if (s.frozen) s.proc.kill('SIGCONT');
      s.proc.kill('SIGKILL');
    }
    await Promise.all(this.slots.map((s) => s.proc.exited));
    await this.history.close();
    await this.api.close();
    await this.store.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async spawn(slot: number): Promise<SchedulerProcess> {
    const proc = await startScheduler({ ...this.env, SCHEDULER_ID: this.identities[slot] ?? `ha-${slot}` });
    this.slots[slot] = { proc, frozen: false };
    return proc;
  }
}

/** The process state letter from /proc (R, S, T for stopped, ...), or '' once it is gone. */
async function processState(proc: SchedulerProcess): Promise<string> {
  const pid = proc.child.pid;
  if (pid === undefined) return '';
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return '';
  }
}

/** Log lines of a replica (JSON, one per line) whose message is message. */
export function logLines(proc: SchedulerProcess, message: string): Array<Record<string, unknown>> {
  const needle = `"message":${JSON.stringify(message)}`;
  return proc.output.filter((l) => l.includes(needle)).flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
