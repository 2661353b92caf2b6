// One conformance run against one API: its etcd and PREFIX, a run id that makes every fixture id
// unique (so runs never see each other's objects), the kit's leader term, and the record of every
// key it wrote, deleted again by close(). The kit writes only PREFIX/instances/cf-<run>-*,
// PREFIX/workers/cf-<run>-* and PREFIX/scheduler/leader (on its own lease).
import { randomBytes } from 'node:crypto';
import { ID_PATTERN, instanceKey, leaderKey, normalizePrefix, workerKey } from '../../pkg/objects';
import type { Store, TxnOp } from '../../pkg/store';
import type { ApiReply, CallHeaders } from './api-client';
import { ApiClient } from './api-client';
import type { InstanceShape, WorkerShape } from './fixtures';
import { instanceDocument, workerDocument } from './fixtures';
import { isLeaderKeyTaken, LeaderTerm } from './leader-term';

/** What the kit can see of an API beyond its answers; optional. */
export interface ApiObserver {
  /** How many scale-up requests the API recorded under this Idempotency-Key; undefined: cannot tell. */
  scaleUpRequests(idempotencyKey: string): Promise<number | undefined>;
}

export interface ConformanceTarget {
  /** The API under test (CONTROL_PLANE_API_URL). */
  readonly url: string;
  /** CONTROL_PLANE_API_KEY; undefined when the API is open (the 401 checks are then skipped). */
  readonly apiKey: string | undefined;
  /** CONTROL_PLANE_CA_FILE for an https API. */
  readonly caFile?: string;
  /** The etcd the API reads. */
  readonly store: Store;
  /** The PREFIX the API reads (ETCD_PREFIX). */
  readonly prefix: string;
  readonly observer?: ApiObserver;
}

/** An instance as etcd holds it now, read liberally (fields absent when unreadable). */
export interface StoredInstance {
  readonly modRevision: number;
  readonly phase: unknown;
  readonly workerId: unknown;
}

const DELETES_PER_TXN = 100;

export class Session {
  readonly runId = randomBytes(4).toString('hex');
  readonly api: ApiClient;
  readonly prefix: string;
  readonly observer: ApiObserver | undefined;
  private readonly term: LeaderTerm;
  private readonly written = new Set<string>();
  private nextId = 0;
  private closing: Promise<void> | undefined;

  private constructor(readonly target: ConformanceTarget) {
    this.prefix = normalizePrefix(target.prefix);
    this.observer = target.observer;
    this.term = new LeaderTerm(target.store, this.prefix, this.schedulerId);
    this.api = new ApiClient({ url: target.url, apiKey: target.apiKey, caFile: target.caFile, schedulerId: this.schedulerId });
  }

  /** Takes the leader key (refusing when it exists) and returns the open session. */
  static async open(target: ConformanceTarget): Promise<Session> {
    const session = new Session(target);
    try {
      await session.term.beginTerm();
    } catch (err: unknown) {
      await session.api.close();
      if (isLeaderKeyTaken(err) || !(err instanceof Error)) throw err;
      throw new Error(`taking the leader key ${leaderKey(session.prefix)} in etcd: ${err.message}`, { cause: err });
    }
    return session;
  }

  get schedulerId(): string {
    return `conformance-${this.runId}`;
  }

  get hasApiKey(): boolean {
    return this.target.apiKey !== undefined;
  }

  /** The current term's fencing token. */
  get token(): number {
    return this.term.token;
  }

  /** A token that is not the leader key's create revision: the one before it. */
  get staleToken(): number {
    return this.term.token > 1 ? this.term.token - 1 : this.term.token + 1;
  }

  /** Ends the kit's term: the leader key is deleted. */
  endTerm(): Promise<void> {
    return this.term.endTerm();
  }

  /** A new term on a new leader key; resolves with its token. */
  beginTerm(): Promise<number> {
    return this.term.beginTerm();
  }

  renewTerm(): Promise<void> {
    return this.term.renew();
  }

  /** A fresh id for this run: cf-<run>-<n>-<label>. */
  id(label: string): string {
    const id = `cf-${this.runId}-${++this.nextId}-${label}`;
    if (!ID_PATTERN.test(id)) throw new Error(`fixture id ${id} breaks the contract's id pattern`);
    return id;
  }

  /** Writes a worker; resolves with its mod revision. */
  putWorker(id: string, shape: WorkerShape = {}): Promise<number> {
    return this.put(workerKey(this.prefix, id), workerDocument(id, shape));
  }

  /** Writes an instance; resolves with its mod revision (the instanceRevision a decision is made on). */
  putInstance(id: string, shape: InstanceShape = {}): Promise<number> {
    return this.put(instanceKey(this.prefix, id), instanceDocument(id, new Date(), shape));
  }

  async instance(id: string): Promise<StoredInstance | undefined> {
    const kv = await this.target.store.get(instanceKey(this.prefix, id));
    if (kv === undefined) return undefined;
    let doc: Record<string, unknown> = {};
    try {
      doc = JSON.parse(kv.value.toString('utf8')) as Record<string, unknown>;
    } catch {
      // an unreadable value: phase and workerId stay undefined, and the check says so
    }
    return { modRevision: kv.modRevision, phase: doc['phase'], workerId: doc['workerId'] };
  }

  /** POST .../schedule with the current token unless headers say otherwise. */
  schedule(instanceId: string, workerId: string, instanceRevision: number, headers: Partial<CallHeaders> = {}): Promise<ApiReply> {
    return this.api.schedule(instanceId, { workerId, instanceRevision }, { fencingToken: this.token, ...headers });
  }

  /** POST .../unschedulable with a report of `count` workers refused for `reason`. */
  report(instanceId: string, reason = 'InsufficientCpu', count = 1, headers: Partial<CallHeaders> = {}): Promise<ApiReply> {
    const body = { message: `0/${count} workers fit: ${count} ${reason}`, reasons: { [reason]: count }, attempts: 1 };
    return this.api.unschedulable(instanceId, body, { fencingToken: this.token, ...headers });
  }

  /** Deletes every key the kit wrote and ends its term; idempotent. */
  close(): Promise<void> {
    this.closing ??= this.cleanUp();
    return this.closing;
  }

  private async cleanUp(): Promise<void> {
    const keys = [...this.written];
    this.written.clear();
    try {
      for (let i = 0; i < keys.length; i += DELETES_PER_TXN) {
        const ops = keys.slice(i, i + DELETES_PER_TXN).map((key): TxnOp => ({ type: 'delete', key }));
        await this.target.store.txn([], ops);
      }
      await this.term.endTerm();
    } finally {
      await this.api.close();
    }
  }

  private async put(key: string, doc: object): Promise<number> {
    this.written.add(key);
    const result = await this.target.store.txn([], [{ type: 'put', key, value: JSON.stringify(doc) }]);
    return result.revision;
  }
}
