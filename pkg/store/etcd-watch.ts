// One Store watch on etcd3's shared watch stream, with delivery exact across reconnects.
// etcd3 resumes a watcher from `request.start_revision`, which it sets to the header revision + 1
// of every response, including the creation response and each batch of a history replay; both
// carry etcd's *current* revision, not that of the last event sent, so a reconnect during a replay
// would skip events (seen on etcd 3.4: created at header 2510 while events 10..2510 were still to
// come). So this watch keeps its own resume point, the revision after the last one it delivered,
// writes it back to the request after etcd3 has moved it, and drops any event below it.
// A watcher that etcd cancels (compaction) is over on etcd3's side: cancel() is never called on it,
// since etcd3 would then throw an uncaught error out of the shared stream.
import type { EtcdError, IWatchCreateRequest, IWatchResponse } from 'etcd3';
import type { Clock } from '../clock';
import type { Logger } from '../observability';
import { withinMs } from './deadline';
import { parseInt64, toWatchEvent } from './etcd-convert';
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
  readonly watcher: WatcherLike;
  /** First revision to deliver; 0 means "after the revision current when etcd creates the watch". */
  readonly fromRevision: number;
  readonly handler: WatchHandler;
  /** Turns etcd's cancel of this watch into the error onError gets (finds out whether it was compaction). */
  readonly classifyCancel: (err: Error, resumeRevision: number) => Promise<Error>;
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

  constructor(private readonly options: EtcdWatchOptions) {
    this.resumeRevision = options.fromRevision === 0 ? undefined : options.fromRevision;
    this.connected = new Promise<void>((resolve, reject) => {
      this.settleConnect = { resolve, reject };
    });
    // Listeners go on before any response can arrive, and after etcd3's own (added in its constructor).
    const w = options.watcher;
    w.on('connected', (res: IWatchResponse) => this.onConnected(res));
    w.on('data', (res: IWatchResponse) => this.onData(res));
    w.on('disconnected', (err: Error) => this.onDisconnected(err));
    w.on('error', (err: Error) => this.onCancelled(err));
  }

  /** Resolves once etcd has created the watch; rejects if it refused it or ended it before. */
  whenConnected(): Promise<void> {
    return this.connected;
  }

  async close(): Promise<void> {
    if (this.state === 'ended') return;
    this.end();
    const cancelled = this.options.watcher.cancel().catch((err: unknown) => {
      this.options.logger.debug('watch cancel failed', { err: String(err) });
    });
    await withinMs(cancelled, this.options.cancelTimeoutMs, this.options.clock);
  }

  private onConnected(res: IWatchResponse): void {
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
    if (this.state === 'ended') return;
    this.options.logger.debug('watch disconnected, etcd3 reconnects', { revision: this.resumeRevision, err: err.message });
    this.pinResume();
  }

  /** etcd cancelled the watch (or refused to create it): it is over, and etcd3 has dropped it. */
  private onCancelled(err: Error): void {
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
    this.options.watcher.request.start_revision = String(this.resumeRevision);
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
