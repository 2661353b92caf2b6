import { FakeClock, flushMicrotasks } from '../clock';
import { isInvalidOptionError } from '../options';
import { ExponentialRateLimiter, RateLimitingQueue } from '../workqueue';
import { isCacheSyncTimeout } from './errors';
import type { LogFields } from '../observability';
import type { RunnerLogger } from './runner';
import type { Reconciler, Result } from './reconciler';
import type { ReconcileOutcome, RunnerOptions } from './runner';
import { Runner } from './runner';

type Level = 'debug' | 'info' | 'warn' | 'error';

class RecordingLogger implements RunnerLogger {
  readonly lines: Array<{ level: Level; message: string; fields: LogFields }> = [];
  debug(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'debug', message, fields });
  }
  info(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'error', message, fields });
  }
  at(level: Level): Array<{ message: string; fields: LogFields }> {
    return this.lines.filter((l) => l.level === level).map(({ message, fields }) => ({ message, fields }));
  }
}

interface Call {
  readonly key: string;
  readonly signal: AbortSignal | undefined;
  readonly finish: (outcome: Result | Error) => void;
}

/** A reconciler the test finishes by hand, call by call; it records overlaps of the same key. */
class HeldReconciler implements Reconciler {
  readonly calls: Call[] = [];
  readonly active = new Set<string>();
  readonly overlaps: string[] = [];
  maxActive = 0;

  reconcile(key: string, signal?: AbortSignal): Promise<Result> {
    if (this.active.has(key)) this.overlaps.push(key);
    this.active.add(key);
    this.maxActive = Math.max(this.maxActive, this.active.size);
    return new Promise((resolve, reject) => {
      const finish = (outcome: Result | Error): void => {
        this.active.delete(key);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      this.calls.push({ key, signal, finish });
    });
  }

  /** Finishes the oldest unfinished call for key. */
  finish(key: string, outcome: Result | Error = {}): void {
    const at = this.calls.findIndex((c) => c.key === key);
    const call = this.calls[at];
    if (call === undefined) throw new Error(`no call for ${key}`);
    this.calls.splice(at, 1);
    call.finish(outcome);
  }

  keys(): string[] {
    return this.calls.map((c) => c.key);
  }
}

function setUp(options: Partial<RunnerOptions> = {}) {
  const clock = new FakeClock(0);
  const limiter = new ExponentialRateLimiter({ baseDelayMs: 100, maxDelayMs: 1_000 });
  const queue = new RateLimitingQueue({ clock, rateLimiter: limiter });
  const reconciler = new HeldReconciler();
  const logger = new RecordingLogger();
  const outcomes: ReconcileOutcome[] = [];
  let synced = true;
  const runner = new Runner({
    queue,
    reconciler,
    clock,
    logger,
    caches: [{ name: 'lablet cache', hasSynced: () => synced }],
    metrics: { reconcileFinished: (outcome) => outcomes.push(outcome) },
    drainTimeoutMs: 1_000,
    ...options,
  });
  const abort = new AbortController();
  let finished = false;
  const start = (signal = abort.signal): Promise<void> => runner.run(signal).then(() => void (finished = true));
  let run: Promise<void> = Promise.resolve();
  /** Adds keys, starts the run and lets the workers take what they can. */
  const begin = async (...keys: string[]): Promise<void> => {
    for (const key of keys) queue.add(key);
    run = start();
    await clock.tick(0);
  };
  /** Aborts the run and waits for it (finish held reconciles first). */
  const stop = async (): Promise<void> => {
    abort.abort();
    await run;
  };
  return {
    clock, limiter, queue, reconciler, logger, outcomes, runner, abort, start, begin, stop,
    setSynced: (value: boolean) => (synced = value),
    isFinished: () => finished,
  };
}

describe('Runner', () => {
  it('reconciles nothing until the caches have synced', async () => {
    const t = setUp();
    t.setSynced(false);
    await t.begin('a');
    await t.clock.tick(1_000);
    expect(t.reconciler.keys()).toEqual([]);
    t.setSynced(true);
    await t.clock.tick(100);
    expect(t.reconciler.keys()).toEqual(['a']);
    t.reconciler.finish('a');
    await t.stop();
  });

  it('starts no worker when stopped before the caches sync', async () => {
    const t = setUp();
    t.setSynced(false);
    await t.begin('a');
    await t.clock.tick(300);
    await t.stop();
    expect([t.reconciler.keys(), t.queue.snapshot().queued]).toEqual([[], 1]);
    expect(t.logger.at('info').map((l) => l.message)).toEqual(['runner stopped before caches synced']);
  });

  it('fails, naming the caches not synced, when they have not synced within syncTimeoutMs', async () => {
    const clock = new FakeClock(0);
    const queue = new RateLimitingQueue({ clock, rateLimiter: new ExponentialRateLimiter() });
    const reconciler = new HeldReconciler();
    const runner = new Runner({
      queue, reconciler, clock, syncTimeoutMs: 1_000,
      caches: [{ name: 'instances', hasSynced: () => true }, { name: 'workers', hasSynced: () => false }],
    });
    queue.add('a');
    let failure: unknown;
    const run = runner.run(new AbortController().signal).catch((err: unknown) => { failure = err; });
    await clock.tick(999);
    expect(failure).toBeUndefined();
    await clock.tick(1);
    await run;
    expect(isCacheSyncTimeout(failure) && [failure.caches, failure.message]).toEqual([['workers'], 'caches did not sync within 1000 ms: workers']);
    expect([reconciler.keys(), runner.isRunning()]).toEqual([[], false]);
  });

  it.each([
    { name: 'success forgets the failures', outcome: {}, want: 'success', requeues: 0, state: { queued: 0, waiting: 0, backoff: 0 }, log: undefined },
    { name: 'requeueAfterMs forgets and waits', outcome: { requeueAfterMs: 5_000 }, want: 'requeueAfter', requeues: 0, state: { queued: 0, waiting: 1, backoff: 0 }, log: undefined },
    { name: 'a thrown error backs off', outcome: new Error('etcd timeout'), want: 'error', requeues: 3, state: { queued: 0, waiting: 0, backoff: 1 }, log: 'warn' },
    { name: 'a NaN requeueAfterMs counts as an error', outcome: { requeueAfterMs: Number.NaN }, want: 'error', requeues: 3, state: { queued: 0, waiting: 0, backoff: 1 }, log: 'warn' },
  ] as const)('applies the retry policy: $name', async ({ outcome, want, requeues, state, log }) => {
    const t = setUp();
    t.limiter.when('k');
    t.limiter.when('k');
    await t.begin('k');
    t.reconciler.finish('k', outcome);
    await flushMicrotasks();
    expect(t.outcomes).toEqual([want]);
    expect(t.queue.numRequeues('k')).toBe(requeues);
    expect(t.queue.snapshot()).toEqual({ processing: 0, ...state });
    const problems = (['warn', 'error'] as const).flatMap((level) => t.logger.at(level).map((l) => [level, l.fields.key]));
    expect(problems).toEqual(log === undefined ? [] : [[log, 'k']]);
    await t.stop();
  });

  it('looks at a key again when its requeueAfterMs has passed', async () => {
    const t = setUp();
    await t.begin('k');
    t.reconciler.finish('k', { requeueAfterMs: 5_000 });
    await t.clock.tick(4_999);
    expect(t.reconciler.keys()).toEqual([]);
    await t.clock.tick(1);
    expect(t.reconciler.keys()).toEqual(['k']);
    t.reconciler.finish('k');
    await t.stop();
  });

  it('names the key under keyLogField', async () => {
    const t = setUp({ keyLogField: 'instanceId' });
    await t.begin('li-1');
    t.reconciler.finish('li-1', new Error('boom'));
    await flushMicrotasks();
    expect(t.logger.at('warn')[0]?.fields).toEqual({ instanceId: 'li-1', error: 'Error: boom' });
    await t.stop();
  });

  it.each([1, 3])('runs at most %p reconciles at once and never one key twice at once', async (workers) => {
    const t = setUp({ workers });
    await t.begin('a', 'b', 'c', 'd', 'e');
    expect(t.reconciler.calls).toHaveLength(workers);
    t.queue.add('a'); // while a is in flight
    for (let i = 0; i < 12 && t.reconciler.calls.length > 0; i++) {
      const first = t.reconciler.calls[0];
      if (first !== undefined) t.reconciler.finish(first.key);
      await flushMicrotasks();
    }
    expect([t.reconciler.maxActive, t.reconciler.overlaps]).toEqual([workers, []]);
    expect(t.outcomes).toHaveLength(6);
    await t.stop();
  });

  it('reads a workers function at each run, so a changed count applies from the next run (issue 10)', async () => {
    let workers = 1;
    const t = setUp({ workers: () => workers });
    await t.begin('a', 'b', 'c', 'd');
    expect(t.reconciler.keys()).toEqual(['a']);
    workers = 3;
    const stopped = t.stop();
    t.reconciler.finish('a');
    await stopped;
    const next = new AbortController();
    const run = t.start(next.signal);
    await t.clock.tick(0);
    expect(t.reconciler.keys()).toHaveLength(3);
    next.abort();
    for (const key of t.reconciler.keys()) t.reconciler.finish(key);
    await run;
  });

  describe('stopping', () => {
    it('takes no more keys, aborts in-flight reconciles and resolves when they return', async () => {
      const t = setUp({ workers: 2 });
      await t.begin('a', 'b', 'c');
      t.abort.abort();
      await flushMicrotasks();
      expect(t.reconciler.calls.map((c) => c.signal?.aborted)).toEqual([true, true]);
      t.reconciler.finish('a');
      await flushMicrotasks();
      expect(t.isFinished()).toBe(false);
      t.reconciler.finish('b');
      await flushMicrotasks();
      expect(t.isFinished()).toBe(true);
      expect(t.queue.snapshot()).toMatchObject({ queued: 1, processing: 0 });
      expect(t.logger.at('info').at(-1)).toEqual({ message: 'runner stopped', fields: { drained: true } });
    });

    it('abandons reconciles still running at the drain bound, and still calls done when they return', async () => {
      const t = setUp();
      await t.begin('stuck');
      t.abort.abort();
      await t.clock.tick(999);
      expect(t.isFinished()).toBe(false);
      await t.clock.tick(1);
      expect(t.isFinished()).toBe(true);
      expect(t.logger.at('warn')).toEqual([{ message: 'runner stopped; in-flight reconciles abandoned', fields: { drained: false, keys: ['stuck'] } }]);
      expect(t.queue.snapshot().processing).toBe(1);
      t.reconciler.finish('stuck');
      await flushMicrotasks();
      expect(t.queue.snapshot().processing).toBe(0);
    });

    it('requeues without backoff a key whose reconcile failed because the run stopped', async () => {
      const t = setUp();
      await t.begin('k');
      t.abort.abort();
      t.reconciler.finish('k', new Error('aborted'));
      await t.stop();
      expect(t.outcomes).toEqual(['aborted']);
      expect([t.queue.snapshot(), t.queue.numRequeues('k')]).toEqual([{ queued: 1, processing: 0, waiting: 0, backoff: 0 }, 0]);
    });

    it('refuses a second run while one is going, and runs the next term once it has ended', async () => {
      const t = setUp();
      t.queue.add('k');
      const first = t.start();
      await expect(t.runner.run(new AbortController().signal)).rejects.toThrow('still going');
      await t.clock.tick(0);
      t.abort.abort();
      t.reconciler.finish('k', new Error('term over'));
      await first;
      expect(t.runner.isRunning()).toBe(false);
      const nextTerm = new AbortController();
      const second = t.runner.run(nextTerm.signal);
      await t.clock.tick(0);
      expect(t.reconciler.keys()).toEqual(['k']);
      nextTerm.abort();
      t.reconciler.finish('k');
      await second;
    });

    it('ends when the queue shuts down', async () => {
      const t = setUp({ workers: 2 });
      await t.begin();
      t.queue.shutDown();
      await flushMicrotasks();
      expect(t.isFinished()).toBe(true);
    });
  });

  it.each([
    { name: 'no workers', options: { workers: 0 }, field: 'workers' },
    { name: 'fractional workers', options: { workers: 1.5 }, field: 'workers' },
    { name: 'negative drain bound', options: { drainTimeoutMs: -1 }, field: 'drainTimeoutMs' },
    { name: 'zero sync poll', options: { syncPollMs: 0 }, field: 'syncPollMs' },
    { name: 'zero sync bound', options: { syncTimeoutMs: 0 }, field: 'syncTimeoutMs' },
  ])('refuses $name, naming $field', ({ options, field }) => {
    let caught: unknown;
    try {
      setUp(options);
    } catch (err: unknown) {
      caught = err;
    }
    expect(isInvalidOptionError(caught) && caught.field).toBe(field);
  });
});
