// What happened under PREFIX/ in etcd, as a watch in the test process saw it, revision by revision:
// every term of the leader key (its token, holder, when it came and went) and every placement (an
// instance starting to hold capacity on a worker). Tests judge exactly-once from etcd itself, not
// from what a scheduler says it did; benchmarks time failovers by when a placement was seen.
import type { Store, Watch, WatchEvent } from '../../pkg/store';
import { decode, holdsCapacity, leaderKey } from '../../pkg/objects';
import { waitFor } from '../harness';

export interface TermRecord {
  /** The leader key's create revision: the term's fencing token. */
  readonly token: number;
  readonly holder: string;
  /** performance.now() when the test process saw the key created. */
  readonly seenAtMs: number;
  /** performance.now() when it saw the key deleted (lease revoked or expired). */
  endedAtMs?: number;
}

export interface PlacementRecord {
  readonly instanceId: string;
  readonly workerId: string;
  /** The revision that made the instance hold capacity. */
  readonly revision: number;
  /** The fencing token of the term that held the leader key at that revision (0: none). */
  readonly token: number;
  readonly seenAtMs: number;
}

/** A key under PREFIX/ that the scheduler ignores (contract §1), written to mark "seen up to here". */
const MARKER = 'e2e/history-marker';

export class PrefixHistory {
  readonly terms: TermRecord[] = [];
  readonly placements: PlacementRecord[] = [];
  /** Instances whose held worker changed without being released first (never expected). */
  readonly moved: string[] = [];
  private readonly holding = new Map<string, string>();
  private currentToken = 0;
  private lastRevision = 0;
  private watch: Watch | undefined;
  private failure: Error | undefined;

  private constructor(private readonly store: Store, private readonly prefix: string) {}

  /** Starts recording from the next revision. */
  static async start(store: Store, prefix: string): Promise<PrefixHistory> {
    const history = new PrefixHistory(store, prefix);
    const from = (await store.currentRevision()) + 1;
    history.watch = await store.watch(`${prefix}/`, from, {
      onEvents: (events) => history.record(events),
      onError: (err) => { history.failure = err; },
    });
    return history;
  }

  /** Resolves once every revision written before the call has been recorded. */
  async sync(timeoutMs = 30_000): Promise<void> {
    const { revision } = await this.store.txn([], [{ type: 'put', key: `${this.prefix}/${MARKER}`, value: String(Date.now()) }]);
    await waitFor(() => {
      if (this.failure !== undefined) throw this.failure;
      return this.lastRevision >= revision;
    }, { timeoutMs, message: `the history watch to reach revision ${revision}` });
  }

  /** How many times each instance started holding capacity (exactly once is 1). */
  placementCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const p of this.placements) counts.set(p.instanceId, (counts.get(p.instanceId) ?? 0) + 1);
    return counts;
  }

  /** Instances placed more than once (or moved between workers): each a double schedule. */
  doublePlaced(): string[] {
    const twice = [...this.placementCounts()].filter(([, n]) => n > 1).map(([id]) => id);
    return [...new Set([...twice, ...this.moved])].sort();
  }

  /** The first placement seen at or after atMs (performance.now()). */
  firstPlacementAfter(atMs: number): PlacementRecord | undefined {
    return this.placements.find((p) => p.seenAtMs >= atMs);
  }

  /** One line per term, for the test's output. */
  describeTerms(): string {
    return this.terms.map((t, i) => {
      const placed = this.placements.filter((p) => p.token === t.token).length;
      const lasted = t.endedAtMs === undefined ? 'still leading' : `${((t.endedAtMs - t.seenAtMs) / 1000).toFixed(1)} s`;
      return `  term ${i + 1}: token ${t.token}, ${t.holder}, ${lasted}, ${placed} placements`;
    }).join('\n');
  }

  async close(): Promise<void> {
    await this.watch?.close();
  }

  private record(events: readonly WatchEvent[]): void {
    const seenAtMs = performance.now();
    const leader = leaderKey(this.prefix);
    for (const event of events) {
      const { kv } = event;
      this.lastRevision = Math.max(this.lastRevision, kv.modRevision);
      if (kv.key === leader) {
        this.recordLeader(event, seenAtMs);
        continue;
      }
      const decoded = event.type === 'put' ? decode(this.prefix, kv.key, kv.value) : undefined;
      if (decoded?.type !== 'instance') {
        if (event.type === 'delete') this.holding.delete(kv.key);
        continue;
      }
      const { instance } = decoded;
      const before = this.holding.get(kv.key);
      const now = holdsCapacity(instance) ? instance.workerId : undefined;
      if (now === undefined) this.holding.delete(kv.key);
      else this.holding.set(kv.key, now);
      if (now === undefined || now === before) continue;
      if (before !== undefined) this.moved.push(instance.id);
      this.placements.push({ instanceId: instance.id, workerId: now, revision: kv.modRevision, token: this.currentToken, seenAtMs });
    }
  }

  private recordLeader(event: WatchEvent, seenAtMs: number): void {
    const open = this.terms[this.terms.length - 1];
    if (event.type === 'delete') {
      if (open !== undefined && open.endedAtMs === undefined) open.endedAtMs = seenAtMs;
      this.currentToken = 0;
      return;
    }
    if (event.kv.createRevision !== event.kv.modRevision) return; // a rewrite of the same term
    if (open !== undefined && open.endedAtMs === undefined) open.endedAtMs = seenAtMs;
    this.currentToken = event.kv.createRevision;
    this.terms.push({ token: event.kv.createRevision, holder: event.kv.value.toString('utf8'), seenAtMs });
  }
}
