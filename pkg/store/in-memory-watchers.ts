// Watch delivery for InMemoryStore, shaped like a network: events reach a handler in a later
// microtask, never inside the write that made them, yet always in revision order, each revision
// whole, never twice. Events that pile up before a delivery go out as one batch. A handler that
// throws ends its watch, and the thrown error goes to its onError (as EtcdStore does).
import type { Watch, WatchEvent, WatchHandler } from './store';

/** All events of one revision, as they were committed. */
export interface RevisionEvents {
  readonly revision: number;
  readonly events: readonly WatchEvent[];
}

class MemoryWatch implements Watch {
  private pending: WatchEvent[] = [];
  private isScheduled = false;
  private isClosed = false;

  constructor(
    readonly prefix: string,
    private readonly handler: WatchHandler,
    private readonly onClosed: (watch: MemoryWatch) => void,
  ) {}

  /** Queues the events under this watch's prefix for the next delivery. */
  offer(events: readonly WatchEvent[]): void {
    if (this.isClosed) return;
    for (const ev of events) {
      if (ev.kv.key.startsWith(this.prefix)) this.pending.push(ev);
    }
    if (this.pending.length > 0 && !this.isScheduled) {
      this.isScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Ends the watch from the store's side: close() or an error delivered after pending events. */
  end(err?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.pending = [];
    this.onClosed(this);
    if (err !== undefined) queueMicrotask(() => this.handler.onError(err));
  }

  close(): Promise<void> {
    this.end();
    return Promise.resolve();
  }

  private flush(): void {
    this.isScheduled = false;
    if (this.isClosed || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.handler.onEvents(batch);
    } catch (err: unknown) {
      this.end(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

export class WatcherHub {
  private readonly watches = new Set<MemoryWatch>();

  /** Starts a watch; history holds every committed revision >= the start, oldest first. */
  add(prefix: string, handler: WatchHandler, history: readonly RevisionEvents[]): Watch {
    const watch = new MemoryWatch(prefix, handler, (w) => this.watches.delete(w));
    this.watches.add(watch);
    for (const entry of history) watch.offer(entry.events);
    return watch;
  }

  /** Hands one committed revision to every open watch. */
  publish(events: readonly WatchEvent[]): void {
    for (const watch of this.watches) watch.offer(events);
  }

  /** Ends every watch without a further call to its handler. */
  closeAll(): void {
    for (const watch of [...this.watches]) watch.end();
  }
}
