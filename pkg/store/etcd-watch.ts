// One Store watch on etcd3's shared watch stream, with delivery exact across reconnects.
// etcd3 resumes a watcher from `request.start_revision`, which it sets to the header revision + 1
// of every response, including the creation response and each batch of a history replay; both
// carry etcd's *current* revision, not that of the last event sent, so a reconnect during a replay
// would skip events (seen on etcd 3.4: created at header 2510 while events 10..2510 were still to
// come). So this watch keeps its own resume point, the revision after the last one it delivered,
// writes it back to the request after etcd3 has moved it, and drops any event below it; reopen()
// moves it to a new etcd3 watcher from that point (the store's new watch connection, issue 17).
// A watcher that etcd cancels (compaction) or refuses is over on etcd3's side: cancel() is never
// called on it, since etcd3 would then throw an uncaught error out of the shared stream.
import type { EtcdError, IWatchCreateRequest, IWatchResponse } from 'etcd3';
import type { Clock } from '../clock';
import type { Logger } from '../observability';
import { withinMs } from '../wait';
import { isEtcdInvalidTokenError, parseInt64, toWatchEvent } from './etcd-convert';
import type { Watch, WatchHandler } from './store';

/** What EtcdWatch uses of etcd3's Watcher (its `watcher()`, before any response has arrived). */
export interface WatcherLike {
  /** The create request etcd3 re-sends on every reconnect. */
  readonly request: IWatchCreateRequest;
  on(event: 'connected', handler: (res: IWatchResponse) => void): unknown;
  on(event: 'data', handler: (res: IWatchResponse) => void): unknown;
  on(event: 'disconnected', handler: (err: EtcdError) => void): unknown;
  on(event: 'error', handler: (err: EtcdError) => void): unknown;
  cancel(): Promise<void>;
}

export interface EtcdWatchOptions {
  /**
   * A new etcd3 watcher of this watch's keys from startRevision (undefined: from the revision
   * current when etcd creates it), on the store's current watch connection. Called once by the
   * constructor and once per reopen().
   */
  readonly openWatcher: (startRevision: number | undefined) => WatcherLike;
  /** First revision to deliver; 0 means "after the revision current when etcd creates the watch". */
  readonly fromRevision: number;
  readonly handler: WatchHandler;
  /** Turns etcd's cancel of this watch into the error onError gets (finds out whether it was compaction). */
  readonly classifyCancel: (err: Error, resumeRevision: number) => Promise<Error>;
  /**
   * etcd refused to create watcher (it answered "created" and "canceled" at once), after which
   * etcd3 sends no other create on that stream (issue 17): the store replaces its watch connection
   * and reopens the live watches. Called also when this watch has ended meanwhile. When err is an
   * unknown auth token, this watch stays live and waits for reopen(); otherwise it has ended.
   */
  readonly onCreateRefused: (watcher: WatcherLike, err: Error) => void;
  /** Bounds close(): etcd3 waits for etcd to confirm a cancel. */
  readonly cancelTimeoutMs: number;
  readonly clock: Clock;
  /** Called once when the watch ends, whichever side ended it. */
  readonly onEnded: () => void;
  readonly logger: Logger;
}

type State = 'connecting' | 'open' | 'ended';

export class EtcdWatch implements Watch {
  private state: State = 'connecting';
  /** The first revision not yet delivered; undefined until etcd creates a watch started "now". */
  private resumeRevision: number | undefined;
  private readonly connected: Promise<void>;
  private settleConnect: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private watcher: WatcherLike;
  /** The watcher's create is unanswered (at first and after each reconnect): an 'error' now is a refusal. */
  private isAwaitingCreate = true;
  /** etcd3 has dropped the watcher (it emitted 'error'): never cancel() it. */
  private isWatcherDropped = false;

  constructor(private readonly options: EtcdWatchOptions) {
    this.resumeRevision = options.fromRevision === 0 ? undefined : options.fromRevision;
    this.connected = new Promise<void>((resolve, reject) => {
      this.settleConnect = { resolve, reject };
    });
    this.watcher = this.attach(options.openWatcher(this.resumeRevision));
  }

  /** Resolves once etcd has created the watch; rejects if it refused it or ended it before. */
  whenConnected(): Promise<void> {
    return this.connected;
  }

  /**
   * Moves this watch to a new etcd3 watcher (on the store's new watch connection) from the first
   * revision not yet delivered, and cancels the old one unless etcd3 has dropped it. Events the old
   * watcher still delivers are ignored; the new one replays them. No-op once ended.
   */
  reopen(): void {
    if (this.state === 'ended') return;
    // Not awaited: on a stream where etcd refused a create, etcd3 settles it only when the stream ends.
    void this.cancelWatcher();
    this.watcher = this.attach(this.options.openWatcher(this.resumeRevision));
  }

  async close(): Promise<void> {
    if (this.state === 'ended') return;
    this.end();
    const cancelled = this.cancelWatcher();
    await withinMs(cancelled, this.options.cancelTimeoutMs, this.options.clock);
  }

  /** Listens to w (before any response can arrive, after etcd3's own listeners) while it is the current watcher. */
  private attach(w: WatcherLike): WatcherLike {
    this.isAwaitingCreate = true;
    this.isWatcherDropped = false;
    w.on('connected', (res: IWatchResponse) => { if (w === this.watcher) this.onConnected(res); });
    w.on('data', (res: IWatchResponse) => { if (w === this.watcher) this.onData(res); });
    w.on('disconnected', (err: Error) => { if (w === this.watcher) this.onDisconnected(err); });
    w.on('error', (err: Error) => { if (w === this.watcher) this.onCancelled(err); });
    return w;
  }

  /** Cancels the current watcher unless etcd3 has dropped it; resolves when etcd3 says it is done (may never). */
  private cancelWatcher(): Promise<void> {
    if (this.isWatcherDropped) return Promise.resolve();
    this.isWatcherDropped = true;
    const log = (err: unknown): void => this.options.logger.debug('watch cancel failed', { err: String(err) });
    try {
      return this.watcher.cancel().catch(log);
    } catch (err: unknown) {
      log(err);
      return Promise.resolve();
    }
  }

  private onConnected(res: IWatchResponse): void {
    this.isAwaitingCreate = false;
    if (this.state === 'ended') return;
    // A watch started "now" resumes after the revision etcd created it at (as etcd's Go client does).
    this.resumeRevision ??= parseInt64(res.header.revision, 'header.revision') + 1;
    this.pinResume();
    if (this.state === 'connecting') {
      this.state = 'open';
      this.settleConnect?.resolve();
    }
  }

  private onData(res: IWatchResponse): void {
    if (this.state === 'ended' || this.resumeRevision === undefined) return;
    const resume = this.resumeRevision;
    try {
      const events = res.events.map(toWatchEvent).filter((ev) => ev.kv.modRevision >= resume);
      const last = events[events.length - 1];
      if (last !== undefined) {
        this.resumeRevision = last.kv.modRevision + 1;
        this.options.handler.onEvents(events);
      } else if (res.events.length === 0) {
        // A progress notification: etcd sends it only to a watcher that has every event up to it.
        this.resumeRevision = Math.max(resume, parseInt64(res.header.revision, 'header.revision') + 1);
      }
    } catch (err: unknown) {
      // A throwing handler (or a malformed response) ends the watch; etcd3 would rethrow it uncaught.
      void this.close();
      try {
        this.options.handler.onError(err instanceof Error ? err : new Error(String(err)));
      } catch (thrown: unknown) {
        this.options.logger.error('watch error handler threw', { err: String(thrown) });
      }
      return;
    } finally {
      if (!this.isEnded()) this.pinResume();
    }
  }

  private onDisconnected(err: Error): void {
    this.isAwaitingCreate = true;
    if (this.state === 'ended') return;
    this.options.logger.debug('watch disconnected, etcd3 reconnects', { revision: this.resumeRevision, err: err.message });
    this.pinResume();
  }

  /** etcd cancelled the watcher or refused to create it: etcd3 has dropped it. */
  private onCancelled(err: Error): void {
    this.isWatcherDropped = true;
    const watcher = this.watcher;
    const isRefusedAtCreate = this.isAwaitingCreate;
    // An unknown token (etcd restarted, or the token expired) refuses the stream, not this watch:
    // it waits, live, to be reopened on a new connection from where delivery stopped (issue 17).
    const isTokenRefused = isRefusedAtCreate && isEtcdInvalidTokenError(err);
    if (isTokenRefused && this.state !== 'ended') {
      this.options.logger.debug('watch refused for its auth token, awaiting a new connection', { revision: this.resumeRevision, err: err.message });
    } else {
      this.endByEtcd(err);
    }
    if (isRefusedAtCreate) this.options.onCreateRefused(watcher, err);
  }

  private endByEtcd(err: Error): void {
    if (this.state === 'ended') return;
    const wasConnecting = this.state === 'connecting';
    this.end();
    const resume = this.resumeRevision ?? 0;
    this.options.logger.warn('watch ended by etcd', { revision: resume, err: err.message });
    void this.options
      .classifyCancel(err, resume)
      .then((classified) => {
        if (wasConnecting) this.settleConnect?.reject(classified);
        else this.options.handler.onError(classified);
      })
      .catch((thrown: unknown) => this.options.logger.error('watch error handler threw', { err: String(thrown) }));
  }

  /** Makes etcd3's next (re)creation of this watcher start where delivery stopped. */
  private pinResume(): void {
    if (this.resumeRevision === undefined) return;
    this.watcher.request.start_revision = String(this.resumeRevision);
  }

  private isEnded(): boolean {
    return this.state === 'ended';
  }

  private end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.options.onEnded();
  }
}
