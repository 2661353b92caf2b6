// The etcd3 client that carries an EtcdStore's watches, apart from the one for calls so that it can
// be replaced alone (issue 17). etcd3 1.1.2 opens its one watch stream with the auth token it has
// cached and re-opens it after a reconnect with the same token; only unary calls ever refresh it.
// etcd checks the token when it creates a watch and forgets tokens when it restarts or after
// --auth-token-ttl of disuse, so it refuses the create ("created" and "canceled" in one answer) and
// etcd3 then writes no further create on that stream: every other watcher on it waits forever. A new
// client authenticates anew and opens a new stream. Guarantees: watchers come from the current
// client; replace() swaps it at most once per minReplaceIntervalMs, calling onReplaced (which moves
// the watches) before closing the old client. The old client's stuck stream, if any, stays open until
// etcd ends it (closing an etcd3 client ends no stream already open).
import type { IOptions } from 'etcd3';
import { Etcd3 } from 'etcd3';
import type { Clock, Timer } from '../clock';
import type { Logger } from '../observability';
import type { WatcherLike } from './etcd-watch';

/** What WatchConnection uses of one etcd3 client. */
export interface WatchClient {
  /** A watcher of every key under prefix from startRevision (undefined: from "now"), attached at once. */
  watcher(prefix: string, startRevision: number | undefined): WatcherLike;
  close(): void;
}

export interface WatchConnectionOptions {
  /** Makes a new client (each authenticates anew on first use). */
  readonly createClient: () => WatchClient;
  /** Least time between two replacements, ms: a refusal sooner waits for it (one pending replacement). */
  readonly minReplaceIntervalMs: number;
  /** Called after each replacement, before the old client closes: reopen every live watch. */
  readonly onReplaced: () => void;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class WatchConnection {
  private client: WatchClient;
  /** Watchers made by the current client. */
  private watchers = new WeakSet<WatcherLike>();
  private lastReplacedAtMs: number | undefined;
  private pending: Timer | undefined;
  private isClosed = false;

  constructor(private readonly options: WatchConnectionOptions) {
    this.client = options.createClient();
  }

  watcher(prefix: string, startRevision: number | undefined): WatcherLike {
    const w = this.client.watcher(prefix, startRevision);
    this.watchers.add(w);
    return w;
  }

  /** Whether w came from the current client (a refusal on a replaced one needs nothing more). */
  isCurrent(w: WatcherLike): boolean {
    return this.watchers.has(w);
  }

  /** Replaces the client now, or when minReplaceIntervalMs has passed since the last replacement. */
  replace(reason: string): void {
    if (this.isClosed || this.pending !== undefined) return;
    const waitMs = this.lastReplacedAtMs === undefined ? 0 : this.lastReplacedAtMs + this.options.minReplaceIntervalMs - this.options.clock.monotonicNow();
    if (waitMs <= 0) {
      this.replaceNow(reason);
      return;
    }
    this.pending = this.options.clock.setTimer(waitMs, () => {
      this.pending = undefined;
      this.replaceNow(reason);
    });
  }

  /** Closes the current client and cancels a pending replacement; idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.pending?.cancel();
    this.pending = undefined;
    this.client.close();
  }

  private replaceNow(reason: string): void {
    if (this.isClosed) return;
    const old = this.client;
    this.client = this.options.createClient();
    this.watchers = new WeakSet();
    this.lastReplacedAtMs = this.options.clock.monotonicNow();
    this.options.logger.info('watch connection replaced', { reason });
    try {
      this.options.onReplaced();
    } catch (err: unknown) {
      this.options.logger.error('moving watches to the new connection failed', { err: String(err) });
    } finally {
      old.close();
    }
  }
}

/** A WatchClient on a new etcd3 client made from options. */
export function etcd3WatchClient(options: IOptions): WatchClient {
  const client = new Etcd3(options);
  return {
    watcher: (prefix, startRevision) => {
      const builder = client.watch().prefix(prefix);
      if (startRevision !== undefined) builder.startRevision(String(startRevision));
      // watcher(), not create(): the caller's listeners must be on before the first response can arrive.
      return builder.watcher();
    },
    close: () => client.close(),
  };
}
