// Lease-based leader election (contract §1, ADR-006). One replica at a time holds a term: the leader
// key created on a fresh lease, whose create revision is the fencing token every write carries.
// - The leader renews at a third of the TTL and stops writing by itself once two thirds of the TTL
//   have passed on the monotonic clock since the last renewal known to have succeeded; currentTerm()
//   checks that deadline synchronously, so a write is never sent on a term that may have lapsed
//   (timers fire late after a pause).
//   Writers ask term.isCurrent() right before each send, which checks the deadline at that moment
//   (after a pause, timers fire late and in their own order, so a retry's timer may run before the
//   deadline timer), and a renewal due after the deadline is not sent: the term ends instead.
// - Stepping down aborts the term's signal, stops renewing and revokes the lease; a term is never
//   resumed: leading again means a new campaign, a new lease and a higher token. resign() waits
//   (bounded) for a campaign in flight, so a lease won during shut-down is revoked before exit.
// - Standbys campaign the moment the cache sees the key go, and on a timer otherwise.
import { setMaxListeners } from 'node:events';
import type { Clock, Timer } from '../clock';
import type { Logger } from '../observability';
import { NOOP_LOGGER } from '../observability';
import type { LeaseId } from '../store';
import { isLeaseNotFound, isPermissionDenied } from '../store';
import { Deadline } from '../wait';
import type { EtcdLeaseLock } from './lease-lock';

export interface Term {
  /** The leader key's create revision, sent as X-Fencing-Token. */
  readonly token: number;
  readonly leaseId: LeaseId;
  readonly ttlSeconds: number;
  /** Aborted when the term ends, whatever the reason; its reason is a StepDownReason. */
  readonly signal: AbortSignal;
  /**
   * True while this replica still leads on this term, checked synchronously against the renew
   * deadline (issue 9; contract §1): a term past it is not current, and asking ends it (the signal
   * aborts with `renewDeadline`). Ask right before every send, retries included: a fencing check.
   */
  isCurrent(): boolean;
}

export type StepDownReason = 'renewDeadline' | 'leaseLost' | 'keyLost' | 'staleFencingToken' | 'shutdown';

export interface ElectorMetrics {
  leadershipChanged(isLeader: boolean): void;
}

export interface LeaderElectorOptions {
  readonly lock: EtcdLeaseLock;
  readonly clock: Clock;
  /** Read at each campaign, so a changed ConfigMap applies from the next term. */
  readonly leaseTtlSeconds: () => number;
  /** Standby retry interval, ms. Default: a third of the TTL. */
  readonly retryPeriodMs?: number;
  readonly logger?: Logger;
  readonly metrics?: ElectorMetrics;
  readonly onStartedLeading?: (term: Term) => void;
  readonly onStoppedLeading?: (term: Term, reason: StepDownReason) => void;
}

interface ActiveTerm {
  readonly term: Term;
  readonly abort: AbortController;
  /** Monotonic ms at which the last successful renewal was sent (the lease runs from no earlier). */
  lastRenewSentAtMs: number;
  renewTimer: Timer | undefined;
  deadlineTimer: Timer | undefined;
  renewing: boolean;
}

export class LeaderElector {
  private active: ActiveTerm | undefined;
  /** The campaign in flight, if any. */
  private campaigning: Promise<void> | undefined;
  private stopped = false;
  /** Whether the error for a refused campaign was logged since this replica last led (said once). */
  private isRefusalSaid = false;
  private retryTimer: Timer | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: LeaderElectorOptions) {
    this.logger = options.logger ?? NOOP_LOGGER;
  }

  /** Starts campaigning; idempotent. */
  start(): void {
    this.stopped = false;
    void this.campaign();
  }

  /** The current term if this replica leads and its renew deadline has not passed; else undefined. */
  currentTerm(): Term | undefined {
    const active = this.active;
    if (active === undefined) return undefined;
    if (this.pastDeadline(active)) {
      this.stepDown('renewDeadline');
      return undefined;
    }
    return active.term;
  }

  isLeader(): boolean {
    return this.currentTerm() !== undefined;
  }

  /**
   * What the cache shows of the leader key, at the cache's revision. A standby campaigns when it is
   * gone; a leader steps down when, at or after its own token's revision, the key is gone or another's.
   */
  observeLeaderKey(createRevision: number | undefined, cacheRevision: number): void {
    const active = this.active;
    if (active === undefined) {
      if (createRevision === undefined && !this.stopped) void this.campaign();
      return;
    }
    if (cacheRevision >= active.term.token && createRevision !== active.term.token) this.stepDown('keyLost');
  }

  /** Ends the current term at once (e.g. the API answered StaleFencingToken). */
  stepDown(reason: StepDownReason): void {
    const active = this.active;
    if (active === undefined) return;
    this.active = undefined;
    active.renewTimer?.cancel();
    active.deadlineTimer?.cancel();
    active.abort.abort(reason);
    this.logger.info('lost leadership', { fencingToken: active.term.token, reason });
    this.options.metrics?.leadershipChanged(false);
    this.options.onStoppedLeading?.(active.term, reason);
    this.options.lock.release(active.term.leaseId).catch((err: unknown) => {
      this.logger.warn('revoking the lease failed; it expires by itself', { err, fencingToken: active.term.token });
    });
    this.scheduleRetry();
  }

  /** Steps down (revoking the lease, within boundMs) and stops campaigning; idempotent. */
  async resign(boundMs = 2_000): Promise<void> {
    this.stopped = true;
    this.retryTimer?.cancel();
    const deadline = new Deadline(this.options.clock, boundMs);
    // A campaign in flight sees `stopped` and revokes whatever lease it won; let it finish.
    if (this.campaigning !== undefined) await deadline.race(this.campaigning);
    await this.resignTerm(deadline);
  }

  private async resignTerm(deadline: Deadline): Promise<void> {
    const active = this.active;
    if (active === undefined) return;
    this.active = undefined;
    active.renewTimer?.cancel();
    active.deadlineTimer?.cancel();
    active.abort.abort('shutdown' satisfies StepDownReason);
    this.options.metrics?.leadershipChanged(false);
    this.options.onStoppedLeading?.(active.term, 'shutdown');
    const revoked = this.options.lock.release(active.term.leaseId).then(() => true, () => false);
    const ok = (await deadline.race(revoked)) === true;
    this.logger.info('resigned', { fencingToken: active.term.token, leaseRevoked: ok });
  }

  private campaign(): Promise<void> {
    if (this.stopped || this.active !== undefined || this.campaigning !== undefined) return this.campaigning ?? Promise.resolve();
    const campaigning = this.runCampaign().finally(() => {
      if (this.campaigning === campaigning) this.campaigning = undefined;
      if (this.active === undefined) this.scheduleRetry();
    });
    this.campaigning = campaigning;
    return campaigning;
  }

  private async runCampaign(): Promise<void> {
    this.retryTimer?.cancel();
    const ttlSeconds = this.options.leaseTtlSeconds();
    const startedAtMs = this.options.clock.monotonicNow();
    try {
      const acquired = await this.options.lock.tryAcquire(ttlSeconds);
      if (acquired === undefined) {
        this.logger.debug('leader key held by another term');
      } else if (this.stopped || this.options.clock.monotonicNow() - startedAtMs >= renewDeadlineMs(ttlSeconds)) {
        // Took too long (or shutting down): the lease may be nearly spent; do not start a term on it.
        await this.options.lock.release(acquired.leaseId).catch(() => undefined);
      } else {
        this.lead({ token: acquired.token, leaseId: acquired.leaseId, ttlSeconds }, startedAtMs);
      }
    } catch (err: unknown) {
      if (!isPermissionDenied(err)) {
        this.logger.warn('campaign failed', { err });
      } else if (this.isRefusalSaid) {
        this.logger.debug('campaign refused by etcd', { err });
      } else {
        // A human must act (issue 17): said once, at error level, naming the permission needed.
        this.isRefusalSaid = true;
        this.logger.error('etcd refused the leader key write: the etcd user needs readwrite on PREFIX/scheduler/', { err, key: this.options.lock.key });
      }
    }
  }

  private lead(fields: Omit<Term, 'signal' | 'isCurrent'>, grantedAtMs: number): void {
    const abort = new AbortController();
    // Every write in flight (reconcile.workers of them) listens on the term's signal.
    setMaxListeners(0, abort.signal);
    const isCurrent = (): boolean => {
      if (this.active === active && this.pastDeadline(active)) this.stepDown('renewDeadline');
      return this.active === active;
    };
    const active: ActiveTerm = { term: { ...fields, signal: abort.signal, isCurrent }, abort, lastRenewSentAtMs: grantedAtMs, renewTimer: undefined, deadlineTimer: undefined, renewing: false };
    this.active = active;
    this.isRefusalSaid = false;
    this.logger.info('became leader', { fencingToken: fields.token, leaseTtlSeconds: fields.ttlSeconds });
    this.options.metrics?.leadershipChanged(true);
    this.armRenewal(active);
    this.armDeadline(active);
    this.options.onStartedLeading?.(active.term);
  }

  private armRenewal(active: ActiveTerm): void {
    active.renewTimer = this.options.clock.setTimer((active.term.ttlSeconds * 1000) / 3, () => {
      if (this.active !== active) return;
      this.armRenewal(active);
      void this.renew(active);
    });
  }

  private async renew(active: ActiveTerm): Promise<void> {
    if (active.renewing) return; // the previous renewal is still waiting on etcd
    if (this.pastDeadline(active)) {
      // The timer fired late (a pause): the term is over; renewing now would only prolong its lease.
      this.stepDown('renewDeadline');
      return;
    }
    active.renewing = true;
    const sentAtMs = this.options.clock.monotonicNow();
    try {
      await this.options.lock.renew(active.term.leaseId);
      if (this.active !== active) return;
      active.lastRenewSentAtMs = Math.max(active.lastRenewSentAtMs, sentAtMs);
      this.armDeadline(active);
    } catch (err: unknown) {
      if (this.active !== active) return;
      if (isLeaseNotFound(err)) this.stepDown('leaseLost');
      else this.logger.warn('lease renewal failed', { err, fencingToken: active.term.token });
    } finally {
      active.renewing = false;
    }
  }

  private armDeadline(active: ActiveTerm): void {
    active.deadlineTimer?.cancel();
    const leftMs = active.lastRenewSentAtMs + renewDeadlineMs(active.term.ttlSeconds) - this.options.clock.monotonicNow();
    active.deadlineTimer = this.options.clock.setTimer(leftMs, () => {
      if (this.active === active && this.pastDeadline(active)) this.stepDown('renewDeadline');
    });
  }

  private pastDeadline(active: ActiveTerm): boolean {
    return this.options.clock.monotonicNow() - active.lastRenewSentAtMs >= renewDeadlineMs(active.term.ttlSeconds);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.retryTimer?.cancel();
    const periodMs = this.options.retryPeriodMs ?? (this.options.leaseTtlSeconds() * 1000) / 3;
    this.retryTimer = this.options.clock.setTimer(periodMs, () => void this.campaign());
  }
}

/** Two thirds of the TTL: past this since the last renewal known to succeed, the leader stops writing. */
function renewDeadlineMs(ttlSeconds: number): number {
  return (ttlSeconds * 1000 * 2) / 3;
}
