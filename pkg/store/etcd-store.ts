// The Store on a real etcd, through the etcd3 client. Lists read every page at one revision; watches
// deliver each revision whole, in order, exactly once across reconnects (etcd-watch.ts); leases use
// the raw lease RPCs (grant, one keepalive, revoke) so the leader elector drives renewals on its own
// Clock and can stop them. Failures come back classified (errors.ts): transient ones as
// StoreUnavailableError. Only idempotent calls are retried here (once, after a short backoff); a
// write whose outcome is unknown is left to the caller, who knows whether repeating it is safe.
// Watches run on their own etcd3 client (etcd-watch-connection.ts), replaced when etcd refuses a
// watch creation: with auth, etcd3 re-sends a token etcd has forgotten (issue 17).
import { Etcd3, EtcdLeaseInvalidError, isRecoverableError } from 'etcd3';
import { ExponentialBackoff, handleWhen, isBrokenCircuitError, retry } from 'cockatiel';
import type { IPolicy } from 'cockatiel';
import type { Clock } from '../clock';
import { SystemClock } from '../clock';
import type { Logger } from '../observability';
import { NOOP_LOGGER } from '../observability';
import { pageSizeOf, requireInteger, requireKey, requireValidCompare, requireValidOps } from './checks';
import type { CallContext } from './etcd-convert';
import { classify, isEtcdCompactedError, parseInt64, rangeResult, toCompare, toKeyValue, toRequestOp } from './etcd-convert';
import type { EtcdStoreOptions, ResolvedEtcdOptions } from './etcd-options';
import { resolveEtcdOptions } from './etcd-options';
import { EtcdWatch } from './etcd-watch';
import { etcd3WatchClient, WatchConnection } from './etcd-watch-connection';
import { TIMED_OUT, withinMs } from '../wait';
import { CompactedRevisionError, LeaseNotFoundError, StoreUnavailableError } from './errors';
import { keyAfter, prefixEnd } from './keys';
import type {
  Compare, KeyValue, LeaseId, ListOptions, ListResult, PrefixSummary, Store, TxnOp, TxnResult, Watch, WatchHandler,
} from './store';

export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly callTimeoutMs: number;
  private readonly watches = new Set<EtcdWatch>();
  private readonly watchConnection: WatchConnection;
  /** Whether the client authenticates (a watch that does not open may then be a refusal nobody saw). */
  private readonly isAuthenticated: boolean;
  /** Retries an idempotent call once, shortly after a transient failure (often a reset connection). */
  private readonly idempotent: IPolicy = retry(handleWhen(isRecoverableError), {
    maxAttempts: 1,
    backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 200 }),
  });
  private closing: Promise<void> | undefined;
  /** The last transport failure, reported in place of "circuit open", which names no cause (issue 17: a refused certificate). */
  private lastTransportFailure: Error | undefined;

  private constructor(resolved: ResolvedEtcdOptions, clock: Clock, logger: Logger) {
    this.client = new Etcd3(resolved.client);
    this.callTimeoutMs = resolved.callTimeoutMs;
    this.clock = clock;
    this.logger = logger;
    this.isAuthenticated = resolved.client.auth !== undefined;
    this.watchConnection = new WatchConnection({
      createClient: () => etcd3WatchClient(resolved.client),
      minReplaceIntervalMs: resolved.watchMaxBackoffMs,
      onReplaced: () => {
        for (const w of this.watches) w.reopen();
      },
      clock,
      logger,
    });
  }

  /** Checks the options and reads their files; does not reach etcd (the client connects on first use). */
  static async connect(options: EtcdStoreOptions): Promise<EtcdStore> {
    const clock = options.clock ?? new SystemClock();
    const resolved = await resolveEtcdOptions(options, clock);
    return new EtcdStore(resolved, clock, options.logger ?? NOOP_LOGGER);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call({ operation: 'get' }, true, () => this.client.kv.range({ key: Buffer.from(requireKey(key)) }));
    const kv = res.kvs[0];
    return kv === undefined ? undefined : toKeyValue(kv);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const limit = pageSizeOf(options.pageSize);
    let revision = options.revision === undefined ? 0 : requireInteger(options.revision, 'revision', 1);
    const range = prefixRange(prefix);
    const kvs: KeyValue[] = [];
    let from = range.key;
    for (;;) {
      const ctx = { operation: 'list', revision: revision === 0 ? undefined : revision };
      const res = await this.call(ctx, true, () => this.client.kv.range({ ...range, key: from, limit, revision }));
      // The first page fixes the revision when none was asked for; every later page reads at it.
      if (revision === 0) revision = parseInt64(res.header.revision, 'header.revision');
      for (const kv of res.kvs) kvs.push(toKeyValue(kv));
      const last = res.kvs[res.kvs.length - 1];
      if (!res.more || last === undefined) return { revision, kvs };
      from = keyAfter(last.key);
    }
  }

  async summarize(prefix: string, options: { readonly revision?: number } = {}): Promise<PrefixSummary> {
    const range = prefixRange(prefix);
    const asked = options.revision === undefined ? 0 : requireInteger(options.revision, 'revision', 1);
    const ctx = { operation: 'summarize', revision: asked === 0 ? undefined : asked };
    const counted = await this.call(ctx, true, () => this.client.kv.range({ ...range, count_only: true, revision: asked }));
    const revision = asked === 0 ? parseInt64(counted.header.revision, 'header.revision') : asked;
    const newest = await this.call({ operation: 'summarize', revision }, true, () =>
      this.client.kv.range({ ...range, revision, limit: 1, keys_only: true, sort_order: 'Descend', sort_target: 'Mod' }),
    );
    const top = newest.kvs[0];
    return {
      revision,
      count: parseInt64(counted.count, 'count'),
      maxModRevision: top === undefined ? 0 : parseInt64(top.mod_revision, 'mod_revision'),
    };
  }

  async watch(prefix: string, fromRevision: number, handler: WatchHandler): Promise<Watch> {
    requireInteger(fromRevision, 'fromRevision', 0);
    this.assertOpen();
    const watch: EtcdWatch = new EtcdWatch({
      openWatcher: (startRevision) => this.watchConnection.watcher(prefix, startRevision),
      fromRevision,
      handler,
      classifyCancel: (err, resume) => this.classifyWatchCancel(prefix, err, resume),
      onCreateRefused: (watcher, err) => {
        if (this.watchConnection.isCurrent(watcher)) this.watchConnection.replace(`etcd refused a watch: ${err.message}`);
      },
      cancelTimeoutMs: this.callTimeoutMs,
      clock: this.clock,
      onEnded: () => this.watches.delete(watch),
      logger: this.logger,
    });
    this.watches.add(watch);
    if ((await withinMs(watch.whenConnected(), this.callTimeoutMs, this.clock)) === TIMED_OUT) {
      await watch.close();
      // etcd3 creates no watch on a stream after a refused create; a refusal for a watcher already
      // closed reaches no one, so under auth a watch that does not open renews the connection (issue 17).
      if (this.isAuthenticated) this.watchConnection.replace('a watch did not open in time');
      throw new StoreUnavailableError('watch', new Error(`etcd did not open the watch within ${this.callTimeoutMs} ms`));
    }
    return watch;
  }

  async txn(compares: readonly Compare[], onSuccess: readonly TxnOp[], onFailure: readonly TxnOp[] = []): Promise<TxnResult> {
    for (const c of compares) requireValidCompare(c);
    requireValidOps(onSuccess);
    requireValidOps(onFailure);
    const ops = [...onSuccess, ...onFailure];
    const isReadOnly = ops.every((op) => op.type === 'get');
    // etcd refuses the whole txn when a put names a dead lease, without saying which one.
    const res = await this.call({ operation: 'txn', leaseId: leaseNamedBy(ops) }, isReadOnly, () =>
      this.client.kv.txn({ compare: compares.map(toCompare), success: onSuccess.map(toRequestOp), failure: onFailure.map(toRequestOp) }),
    );
    const branch = res.succeeded ? onSuccess : onFailure;
    return {
      succeeded: res.succeeded,
      revision: parseInt64(res.header.revision, 'header.revision'),
      results: branch.map((op, i) => rangeResult(op, res.responses[i])),
    };
  }

  /** etcd's Status call: the answering member's revision; needs no key permission under auth. */
  async currentRevision(): Promise<number> {
    const res = await this.call({ operation: 'currentRevision' }, true, () => this.client.maintenance.status());
    return parseInt64(res.header.revision, 'header.revision');
  }

  /** Retried like a read: a grant repeated after an unknown outcome only leaves a lease to expire. */
  async grantLease(ttlSeconds: number): Promise<LeaseId> {
    requireInteger(ttlSeconds, 'ttlSeconds', 1);
    const res = await this.call({ operation: 'grantLease' }, true, () => this.client.leaseClient.leaseGrant({ TTL: ttlSeconds }));
    if (res.error !== '') throw new Error(`etcd refused the lease: ${res.error}`);
    return String(res.ID);
  }

  async keepAliveOnce(leaseId: LeaseId): Promise<number> {
    const ttl = await this.call({ operation: 'keepAliveOnce', leaseId }, true, () => this.keepAliveRound(leaseId));
    // etcd answers a keepalive of an expired lease with TTL 0, not an error.
    if (ttl === 0) throw new LeaseNotFoundError(leaseId);
    return ttl;
  }

  async revokeLease(leaseId: LeaseId): Promise<void> {
    try {
      await this.call({ operation: 'revokeLease' }, true, () => this.client.leaseClient.leaseRevoke({ ID: leaseId }));
    } catch (err: unknown) {
      // Already expired or revoked: the outcome the caller wanted.
      if (err instanceof EtcdLeaseInvalidError) return;
      throw err;
    }
  }

  async compact(revision: number): Promise<void> {
    requireInteger(revision, 'revision', 1);
    await this.call({ operation: 'compact', revision }, false, () => this.client.kv.compact({ revision: String(revision) }));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.watches].map((w) => w.close()));
      this.watchConnection.close();
      this.client.close();
    })();
    return this.closing;
  }

  /** Runs one call (retried when idempotent), classifying what it throws. */
  private async call<T>(ctx: CallContext, isIdempotent: boolean, fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const attempt = async (): Promise<T> => {
      try {
        return await fn();
      } catch (err: unknown) {
        if (err instanceof Error && isRecoverableError(err) && !isBrokenCircuitError(err)) this.lastTransportFailure = err;
        throw err;
      }
    };
    try {
      return isIdempotent ? await this.idempotent.execute(attempt) : await attempt();
    } catch (err: unknown) {
      throw classify(isBrokenCircuitError(err) && this.lastTransportFailure !== undefined ? this.lastTransportFailure : err, ctx);
    }
  }

  /** One round on the LeaseKeepAlive stream: send the id, take the answer, end the stream. */
  private async keepAliveRound(leaseId: LeaseId): Promise<number> {
    const stream = await this.client.leaseClient.leaseKeepAlive({ deadline: this.clock.now() + this.callTimeoutMs });
    try {
      return await new Promise<number>((resolve, reject) => {
        stream.on('data', (res) => resolve(parseInt64(res.TTL, 'TTL')));
        stream.on('error', reject);
        stream.on('end', () => reject(new StoreUnavailableError('keepAliveOnce', new Error('stream ended without an answer'))));
        stream.write({ ID: leaseId });
      });
    } finally {
      stream.end();
    }
  }

  /** etcd cancels a watch without saying why (3.4 sends no reason); a read at the same revision tells. */
  private async classifyWatchCancel(prefix: string, err: Error, resumeRevision: number): Promise<Error> {
    if (resumeRevision > 0) {
      try {
        await this.client.kv.range({ ...prefixRange(prefix), revision: resumeRevision, limit: 1, keys_only: true });
      } catch (probeErr: unknown) {
        if (isEtcdCompactedError(probeErr)) return new CompactedRevisionError(resumeRevision, undefined, { cause: err });
      }
    }
    return new StoreUnavailableError('watch', err);
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new Error('EtcdStore is closed');
  }
}

/** The lease of the first put that names one: etcd's "lease not found" for a txn is about it. */
function leaseNamedBy(ops: readonly TxnOp[]): LeaseId | undefined {
  for (const op of ops) if (op.type === 'put' && op.leaseId !== undefined) return op.leaseId;
  return undefined;
}

/** The byte range of every key under prefix; the empty prefix is the whole keyspace. */
function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  const key = Buffer.from(prefix);
  return { key: key.length === 0 ? Buffer.from([0]) : key, range_end: prefixEnd(key) };
}
