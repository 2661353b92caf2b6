// Is etcd reachable? A cheap call on a timer, with capped exponential backoff while it fails, so a
// replica whose etcd is down stays up, reports not ready, and reconnects by itself. Readiness reads
// the last outcome synchronously.
import type { Clock, Timer } from '../clock';
import type { Logger } from '../observability';
import { NOOP_LOGGER } from '../observability';
import { requireAtMost, requireNumber } from '../options';
import { backoffMs, TIMED_OUT, withinMs } from '../wait';
import { isCredentialsRefused, isTlsFailure } from './errors';

export interface ReachabilityOptions {
  /** The call that proves etcd answers (Store.currentRevision). */
  readonly ping: () => Promise<unknown>;
  readonly clock: Clock;
  /** Between successful pings, ms. Default 5,000. */
  readonly intervalMs?: number;
  /** A ping slower than this counts as failed, ms. Default 2,000. */
  readonly timeoutMs?: number;
  /** First retry delay after a failure, ms; doubles up to maxBackoffMs. Default 250. */
  readonly initialBackoffMs?: number;
  /** Default 10,000. */
  readonly maxBackoffMs?: number;
  readonly logger?: Logger;
  /** Told of every change between reachable and unreachable. */
  readonly onChange?: (reachable: boolean) => void;
}

export class EtcdReachability {
  /** Undefined until the first answer, so the first failure is logged too. */
  private reachable: boolean | undefined;
  private lastError: string | undefined = 'not checked yet';
  private credentialsRefused = false;
  private tlsFailed = false;
  /** Whether the TLS failure was logged since etcd was last reachable (said once). */
  private isTlsFailureSaid = false;
  private failures = 0;
  private timer: Timer | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly logger: Logger;

  constructor(private readonly options: ReachabilityOptions) {
    this.intervalMs = options.intervalMs ?? 5_000;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.maxBackoffMs = requireNumber('EtcdReachability', 'maxBackoffMs', options.maxBackoffMs ?? 10_000, 'positive');
    this.initialBackoffMs = requireAtMost('EtcdReachability', 'initialBackoffMs', requireNumber('EtcdReachability', 'initialBackoffMs', options.initialBackoffMs ?? 250, 'positive'), 'maxBackoffMs', this.maxBackoffMs);
    this.logger = options.logger ?? NOOP_LOGGER;
  }

  /** Pings now and keeps pinging until stop(). */
  start(): void {
    void this.probe();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  isReachable(): boolean {
    return this.reachable === true;
  }

  /** The last failure, for the readiness body; undefined while reachable. */
  detail(): string | undefined {
    return this.reachable === true ? undefined : this.lastError;
  }

  /** One ping now; resolves with the outcome. Never rejects. */
  async probe(): Promise<boolean> {
    this.timer?.cancel();
    let ok: boolean;
    try {
      if ((await withinMs(this.options.ping(), this.timeoutMs, this.options.clock)) === TIMED_OUT) throw new Error(`no answer within ${this.timeoutMs} ms`);
      ok = true;
      this.lastError = undefined;
    } catch (err: unknown) {
      ok = false;
      this.lastError = err instanceof Error ? err.message : String(err);
      this.credentialsRefused = isCredentialsRefused(err);
      this.tlsFailed = isTlsFailure(err);
    }
    this.record(ok);
    if (!this.stopped) this.timer = this.options.clock.setTimer(this.nextDelayMs(), () => void this.probe());
    return ok;
  }

  private record(ok: boolean): void {
    this.failures = ok ? 0 : this.failures + 1;
    const isChange = ok !== this.reachable;
    this.reachable = ok;
    if (ok) this.isTlsFailureSaid = false;
    if (!ok && this.tlsFailed && !this.isTlsFailureSaid) {
      // A human must act (issue 17). Said when first seen, even while already unreachable: the
      // client's circuit breaker can hide the TLS error behind "circuit open" at the first ping.
      this.isTlsFailureSaid = true;
      this.logger.error('TLS to etcd failed: check ETCD_CA_FILE (the CA of etcd\'s certificate), and that etcd trusts the CA of ETCD_CERT_FILE', { err: this.lastError });
    } else if (isChange) {
      if (ok) this.logger.info('etcd reachable');
      else if (this.credentialsRefused) this.logger.error('etcd refused our credentials: check ETCD_USERNAME, ETCD_PASSWORD_FILE and the user\'s role', { err: this.lastError });
      else this.logger.warn('etcd unreachable', { err: this.lastError });
    }
    if (isChange) this.options.onChange?.(ok);
  }

  private nextDelayMs(): number {
    if (this.failures === 0) return this.intervalMs;
    return backoffMs({ baseMs: this.initialBackoffMs, maxMs: this.maxBackoffMs }, this.failures - 1);
  }
}
