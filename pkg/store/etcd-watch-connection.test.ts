import { EventEmitter } from 'node:events';
import type { IWatchCreateRequest } from 'etcd3';
import { FakeClock } from '../clock';
import { NOOP_LOGGER } from '../observability';
import type { WatcherLike } from './etcd-watch';
import type { WatchClient } from './etcd-watch-connection';
import { WatchConnection } from './etcd-watch-connection';

class FakeWatcher extends EventEmitter implements WatcherLike {
  readonly request: IWatchCreateRequest = {};
  cancel(): Promise<void> {
    return Promise.resolve();
  }
}

/** Stands in for one etcd3 client: numbered in creation order, it logs what happens to it. */
class FakeClient implements WatchClient {
  constructor(
    readonly n: number,
    private readonly log: string[],
  ) {}

  watcher(prefix: string, startRevision: number | undefined): WatcherLike {
    this.log.push(`client ${this.n}: watch ${prefix} from ${startRevision ?? 'now'}`);
    return new FakeWatcher();
  }

  close(): void {
    this.log.push(`client ${this.n}: closed`);
  }
}

describe('WatchConnection', () => {
  let clock: FakeClock;
  let log: string[];
  let connection: WatchConnection;

  beforeEach(() => {
    clock = new FakeClock();
    log = [];
    let made = 0;
    connection = new WatchConnection({
      createClient: () => new FakeClient(++made, log),
      minReplaceIntervalMs: 1_000,
      onReplaced: () => log.push('watches moved'),
      clock,
      logger: NOOP_LOGGER,
    });
  });

  it('replaces the client at once, moving the watches before the old client closes', () => {
    const w = connection.watcher('/p/', 7);
    expect(connection.isCurrent(w)).toBe(true);
    connection.replace('refused');
    const next = connection.watcher('/p/', undefined);
    expect(log).toEqual(['client 1: watch /p/ from 7', 'watches moved', 'client 1: closed', 'client 2: watch /p/ from now']);
    expect([connection.isCurrent(w), connection.isCurrent(next)]).toEqual([false, true]);
  });

  it('replaces at most once per interval: a refusal sooner waits for it, and several wait as one', () => {
    connection.replace('first');
    clock.step(400);
    connection.replace('second');
    connection.replace('third');
    expect(log).toEqual(['watches moved', 'client 1: closed']);
    clock.step(599);
    expect(log).toHaveLength(2);
    clock.step(1);
    expect(log).toEqual(['watches moved', 'client 1: closed', 'watches moved', 'client 2: closed']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('closes the current client and drops a pending replacement on close', () => {
    connection.replace('first');
    connection.replace('too soon');
    connection.close();
    connection.close();
    clock.step(5_000);
    connection.replace('after close');
    expect(log).toEqual(['watches moved', 'client 1: closed', 'client 2: closed']);
  });
});
