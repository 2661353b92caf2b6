// The kit's own term as leader (contract §1 leader key): PREFIX/scheduler/leader created only if
// absent, on a fresh lease, so its create revision is the fencing token the checks send. The lease
// bounds the damage of a kit that dies mid-run: the key vanishes within LEASE_TTL_SECONDS. A leader
// key that already exists means a scheduler (or another run) leads under this prefix: the kit
// refuses to start rather than take it over.
import { leaderKey } from '../../pkg/objects';
import type { LeaseId, Store } from '../../pkg/store';
import { isLeaseNotFound } from '../../pkg/store';

/** Long enough for any run; renewed before every check. */
const LEASE_TTL_SECONDS = 120;

export class LeaderKeyTakenError extends Error {
  readonly code = 'LeaderKeyTaken' as const;
  override readonly name = 'LeaderKeyTakenError';
}

export const isLeaderKeyTaken = (err: unknown): err is LeaderKeyTakenError =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'LeaderKeyTaken';

export class LeaderTerm {
  private leaseId: LeaseId | undefined;
  private currentToken = 0;

  constructor(private readonly store: Store, private readonly prefix: string, private readonly holder: string) {}

  /** The current term's fencing token; 0 between endTerm() and beginTerm(). */
  get token(): number {
    return this.currentToken;
  }

  /** Creates the leader key on a fresh lease; throws LeaderKeyTakenError when it exists. */
  async beginTerm(): Promise<number> {
    const key = leaderKey(this.prefix);
    const leaseId = await this.store.grantLease(LEASE_TTL_SECONDS);
    const created = await this.store.txn(
      [{ key, target: 'createRevision', op: '=', value: 0 }],
      [{ type: 'put', key, value: this.holder, leaseId }],
      [{ type: 'get', key }],
    );
    if (!created.succeeded) {
      await this.store.revokeLease(leaseId);
      const holder = created.results[0]?.value.toString('utf8') ?? '?';
      throw new LeaderKeyTakenError(
        `${key} exists (held by "${holder}"): a scheduler or another conformance run leads under this prefix; ` +
        'run the kit on a prefix no scheduler uses, or wait for that run to end',
      );
    }
    this.leaseId = leaseId;
    this.currentToken = created.revision;
    return created.revision;
  }

  /** Revokes the lease, which deletes the leader key: the term is over. Idempotent. */
  async endTerm(): Promise<void> {
    const leaseId = this.leaseId;
    this.leaseId = undefined;
    this.currentToken = 0;
    if (leaseId !== undefined) await this.store.revokeLease(leaseId);
  }

  /** Keeps the lease alive (one renewal); begins a new term when there is none (a check ended it and failed). */
  async renew(): Promise<void> {
    if (this.leaseId === undefined) {
      await this.beginTerm();
      return;
    }
    try {
      await this.store.keepAliveOnce(this.leaseId);
    } catch (err: unknown) {
      if (!isLeaseNotFound(err)) throw err;
      this.leaseId = undefined;
      await this.beginTerm();
    }
  }
}
