import { EventEmitter } from 'node:events';
import type { IEvent, IWatchCreateRequest, IWatchResponse } from 'etcd3';
import { FakeClock, flushMicrotasks } from '../clock';
import { NOOP_LOGGER } from '../observability';
import { WatchRecorder } from './conformance.suite';
import { CompactedRevisionError } from './errors';
import type { WatcherLike } from './etcd-watch';
import { EtcdWatch } from './etcd-watch';

/** Stands in for etcd3's Watcher, whose own listeners (added first) move start_revision to header + 1. */
class FakeWatcher extends EventEmitter implements WatcherLike {
  readonly request: IWatchCreateRequest;
  cancels = 0;

  constructor(startRevision?: number) {
    super();
    this.request = startRevision === undefined ? {} : { start_revision: startRevision };
    const follow = (res: IWatchResponse): void => {
      this.request.start_revision = String(Number(res.header.revision) + 1);
    };
    this.on('connected', follow);
    this.on('data', follow);
  }

  cancel(): Promise<void> {
    this.cancels++;
    return Promise.resolve();
  }
}

function response(headerRevision: number, events: IEvent[] = [], extra: Partial<IWatchResponse> = {}): IWatchResponse {
  return {
    header: { cluster_id: '1', member_id: '1', revision: String(headerRevision), raft_term: '2' },
    watch_id: '0', created: false, canceled: false, compact_revision: '0', cancel_reason: '', fragment: false, events, ...extra,
  };
}

function put(key: string, revision: number): IEvent {
  const kv = { key: Buffer.from(key), value: Buffer.from('v'), create_revision: String(revision), mod_revision: String(revision), version: '1', lease: '0' };
  return { type: 'Put', kv, prev_kv: kv };
}

const created = (headerRevision: number): IWatchResponse => response(headerRevision, [], { created: true });

describe('EtcdWatch', () => {
  let watcher: FakeWatcher;
  let rec: WatchRecorder;
  let cancels: Array<[string, number]>;

  function start(fromRevision: number, handler = rec): EtcdWatch {
    watcher = new FakeWatcher(fromRevision === 0 ? undefined : fromRevision);
    return new EtcdWatch({
      watcher,
      fromRevision,
      handler,
      classifyCancel: (err, resume) => {
        cancels.push([err.message, resume]);
        return Promise.resolve(new CompactedRevisionError(resume, undefined, { cause: err }));
      },
      cancelTimeoutMs: 1_000,
      clock: new FakeClock(),
      onEnded: () => undefined,
      logger: NOOP_LOGGER,
    });
  }

  beforeEach(() => {
    rec = new WatchRecorder();
    cancels = [];
  });

  it('resumes after the last revision delivered, not at the header revision etcd3 moves to', () => {
    start(10);
    watcher.emit('connected', created(2510));
    expect(watcher.request.start_revision).toBe('10');
    watcher.emit('data', response(2510, [put('/a', 10), put('/b', 11)]));
    expect(watcher.request.start_revision).toBe('12');
    watcher.emit('disconnected', new Error('connection reset'));
    watcher.emit('connected', created(2600));
    expect(watcher.request.start_revision).toBe('12');
    // etcd replays from where it was asked; anything at or below the last delivery is dropped.
    watcher.emit('data', response(2600, [put('/b', 11), put('/c', 12), put('/d', 13)]));
    expect(rec.seen()).toEqual([['put', '/a', 10], ['put', '/b', 11], ['put', '/c', 12], ['put', '/d', 13]]);
    expect(rec.batches).toHaveLength(2);
  });

  it('starts a watch from "now" after the revision etcd created it at', () => {
    start(0);
    watcher.emit('connected', created(50));
    expect(watcher.request.start_revision).toBe('51');
    watcher.emit('data', response(51, [put('/a', 51)]));
    expect(rec.seen()).toEqual([['put', '/a', 51]]);
  });

  it('moves the resume point to a progress notification, which etcd sends only when caught up', () => {
    start(5);
    watcher.emit('connected', created(100));
    watcher.emit('data', response(120));
    expect(watcher.request.start_revision).toBe('121');
    expect(rec.batches).toEqual([]);
  });

  it('hands a cancel by etcd to onError, classified at the resume point, and never cancels that watcher', async () => {
    const watch = start(7);
    watcher.emit('connected', created(9));
    watcher.emit('error', new Error('Watcher canceled: '));
    await flushMicrotasks();
    expect(cancels).toEqual([['Watcher canceled: ', 7]]);
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]).toMatchObject({ code: 'CompactedRevision', requestedRevision: 7 });
    await watch.close();
    expect(watcher.cancels).toBe(0);
  });

  it('rejects whenConnected, not onError, when etcd refuses the watch before creating it', async () => {
    const watch = start(3);
    watcher.emit('error', new Error('Watcher canceled: '));
    await expect(watch.whenConnected()).rejects.toMatchObject({ code: 'CompactedRevision' });
    expect(rec.errors).toEqual([]);
  });

  it('ends the watch when the handler throws: cancels it and hands the error to onError', () => {
    const errors: Error[] = [];
    start(1, Object.assign(new WatchRecorder(), {
      onEvents: () => { throw new Error('handler bug'); },
      onError: (err: Error) => errors.push(err),
    }));
    watcher.emit('connected', created(1));
    watcher.emit('data', response(1, [put('/a', 1)]));
    watcher.emit('data', response(2, [put('/a', 2)]));
    expect(errors.map((e) => e.message)).toEqual(['handler bug']);
    expect(watcher.cancels).toBe(1);
  });

  it('cancels once on close and delivers nothing after', async () => {
    const watch = start(1);
    watcher.emit('connected', created(1));
    await watch.close();
    await watch.close();
    watcher.emit('data', response(2, [put('/a', 2)]));
    expect(watcher.cancels).toBe(1);
    expect(rec.batches).toEqual([]);
  });
});
