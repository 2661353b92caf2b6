// The leader key as a lock held by a lease (contract §1, ADR-006): created only if absent, on a fresh
// lease, so its create revision is a fencing token that rises with every term. Ownership is the
// lease, never the identity: two replicas with the same SCHEDULER_ID cannot mistake each other's term.
import type { LeaseId, Store } from '../store';

export interface AcquiredTerm {
  readonly leaseId: LeaseId;
  /** The leader key's create revision: the term's fencing token. */
  readonly token: number;
}

/** What the elector needs of etcd: Store satisfies it. */
export type LockStore = Pick<Store, 'grantLease' | 'keepAliveOnce' | 'revokeLease' | 'txn'>;

export class EtcdLeaseLock {
  constructor(
    private readonly store: LockStore,
    /** PREFIX/scheduler/leader */
    readonly key: string,
    /** This replica's SCHEDULER_ID, written as the key's value. */
    readonly identity: string,
  ) {}

  /**
   * Grants a fresh lease and creates the key on it if the key is absent. Resolves with the term, or
   * undefined when another term holds the key (the lease granted for the attempt is revoked).
   */
  async tryAcquire(ttlSeconds: number): Promise<AcquiredTerm | undefined> {
    const leaseId = await this.store.grantLease(ttlSeconds);
    let created: { succeeded: boolean; revision: number };
    try {
      created = await this.store.txn(
        [{ key: this.key, target: 'createRevision', op: '=', value: 0 }],
        [{ type: 'put', key: this.key, value: this.identity, leaseId }],
      );
    } catch (err: unknown) {
      await this.release(leaseId).catch(() => undefined);
      throw err;
    }
    if (created.succeeded) return { leaseId, token: created.revision };
    await this.release(leaseId);
    return undefined;
  }

  /** Renews the term's lease once; rejects with LeaseNotFoundError when it has expired. */
  async renew(leaseId: LeaseId): Promise<void> {
    await this.store.keepAliveOnce(leaseId);
  }

  /** Revokes the lease: the key goes with it. Safe on an expired lease. */
  async release(leaseId: LeaseId): Promise<void> {
    await this.store.revokeLease(leaseId);
  }
}
