import { EventEmitter } from 'node:events';
import type { IEvent, IWatchCreateRequest, IWatchResponse } from 'etcd3';
import { EtcdInvalidAuthTokenError, EtcdPermissionDeniedError } from 'etcd3';
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
  /** The latest watcher the watch opened. */
  let watcher: FakeWatcher;
  /** Every watcher it opened, with the start revision it asked for. */
  let opened: Array<{ watcher: FakeWatcher; startRevision: number | undefined }>;
  let refusals: Array<[FakeWatcher, string]>;
  let ended: number;
  let rec: WatchRecorder;
  let cancels: Array<[string, number]>;

  function start(fromRevision: number, handler = rec): EtcdWatch {
    return new EtcdWatch({
      openWatcher: (startRevision) => {
        watcher = new FakeWatcher(startRevision);
        opened.push({ watcher, startRevision });
        return watcher;
      },
      fromRevision,
      handler,
      classifyCancel: (err, resume) => {
        cancels.push([err.message, resume]);
        return Promise.resolve(new CompactedRevisionError(resume, undefined, { cause: err }));
      },
      onCreateRefused: (w, err) => {
        refusals.push([w as FakeWatcher, err.message]);
      },
      cancelTimeoutMs: 1_000,
      clock: new FakeClock(),
      onEnded: () => {
        ended++;
      },
      logger: NOOP_LOGGER,
    });
  }

  beforeEach(() => {
    opened = [];
    refusals = [];
    ended = 0;
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
    expect(refusals).toEqual([]);
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

  describe('when etcd refuses to create its watcher (issue 17)', () => {
    /** etcd3's error for etcd's cancel reason when it did not know the stream's auth token. */
    const tokenRefused = (): Error => new EtcdInvalidAuthTokenError('Watcher canceled: rpc error: code = Unauthenticated desc = etcdserver: invalid auth token');

    it('stays live on an unknown token and, reopened, resumes on a new watcher where delivery stopped', async () => {
      const watch = start(5);
      watcher.emit('connected', created(9));
      watcher.emit('data', response(9, [put('/a', 5), put('/b', 6)]));
      const first = watcher;
      first.emit('disconnected', new Error('connection dropped'));
      first.emit('error', tokenRefused());
      await flushMicrotasks();
      expect({ refusals, errors: rec.errors, ended }).toEqual({ refusals: [[first, tokenRefused().message]], errors: [], ended: 0 });

      watch.reopen();
      expect(opened.map((o) => o.startRevision)).toEqual([5, 7]);
      expect(first.cancels).toBe(0); // etcd3 dropped it: a cancel would throw out of its stream
      first.emit('data', response(12, [put('/x', 12)]));
      watcher.emit('connected', created(20));
      watcher.emit('data', response(20, [put('/b', 6), put('/c', 7), put('/d', 8)]));
      expect(rec.seen()).toEqual([['put', '/a', 5], ['put', '/b', 6], ['put', '/c', 7], ['put', '/d', 8]]);
      expect(watcher.request.start_revision).toBe('9');
    });

    it('opens once reopened when its first create was refused for the token', async () => {
      const watch = start(0);
      watcher.emit('error', tokenRefused());
      watch.reopen();
      expect(opened.map((o) => o.startRevision)).toEqual([undefined, undefined]);
      watcher.emit('connected', created(50));
      await expect(watch.whenConnected()).resolves.toBeUndefined();
      expect(watcher.request.start_revision).toBe('51');
    });

    it('ends, rejecting whenConnected, on a refusal for another cause, and still reports the refusal', async () => {
      const watch = start(3);
      watcher.emit('error', new EtcdPermissionDeniedError('Watcher canceled: etcdserver: permission denied'));
      await expect(watch.whenConnected()).rejects.toMatchObject({ code: 'CompactedRevision' });
      expect([refusals.length, ended]).toEqual([1, 1]);
      watch.reopen();
      expect(opened).toHaveLength(1);
    });

    it('reports a refusal that arrives after the watch was closed, and stays closed', async () => {
      const watch = start(1);
      await watch.close();
      watcher.emit('error', tokenRefused());
      watch.reopen();
      expect({ refusals: refusals.length, opened: opened.length, errors: rec.errors, ended }).toEqual({ refusals: 1, opened: 1, errors: [], ended: 1 });
    });
  });

  it('cancels the old watcher when reopened while etcd3 still holds it, and ignores what it sends after', () => {
    const watch = start(1);
    watcher.emit('connected', created(1));
    const first = watcher;
    watch.reopen();
    expect(first.cancels).toBe(1);
    first.emit('data', response(2, [put('/a', 2)]));
    first.emit('error', new Error('Watcher canceled: '));
    watcher.emit('connected', created(2));
    watcher.emit('data', response(3, [put('/a', 2), put('/b', 3)]));
    expect(rec.seen()).toEqual([['put', '/a', 2], ['put', '/b', 3]]);
    expect([rec.errors, refusals, ended]).toEqual([[], [], 0]);
  });
});
