// Workers that an accepted scale-up adds, as the real worker controller would (issue 19, contract §2
// and §5): `count` worker keys of the template's shape, written PENDING at once, STARTING halfway
// through the template's bootSeconds and RUNNING when they are over, on the API's own Clock so tests
// can step it. A worker changed or deleted by someone else meanwhile is left as it is.
import type { Clock, Timer } from '../../pkg/clock';
import type { ScaleUpTemplate } from '../../pkg/config';
import type { WorkerStatus } from '../../pkg/objects';
import { workerKey } from '../../pkg/objects';
import type { Store } from '../../pkg/store';
import { templateWorkerDocument } from '../../controllers/scheduler';

/** The stages a new worker passes, with the share of bootSeconds at which it enters each. */
const STAGES: ReadonlyArray<{ readonly status: WorkerStatus; readonly atShare: number }> = [
  { status: 'STARTING', atShare: 0.5 },
  { status: 'RUNNING', atShare: 1 },
];

export class WorkerBooter {
  private readonly timers = new Set<Timer>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly prefix: string,
    private readonly clock: Clock,
    /** The templates of the scheduler's ConfigMap (scaleUp.templates), read at each request. */
    private readonly templates: () => readonly ScaleUpTemplate[],
  ) {}

  /** The template of that name, or undefined when the API does not know it (then it refuses). */
  template(name: string): ScaleUpTemplate | undefined {
    return this.templates().find((t) => t.name === name);
  }

  /** Writes `count` PENDING workers of the template and arms their boot; resolves with their ids. */
  async boot(template: ScaleUpTemplate, count: number, requestId: string): Promise<string[]> {
    const ids = Array.from({ length: count }, (_, i) => `${template.name}-${requestId.slice(0, 8)}-${i + 1}`.slice(0, 128));
    for (const id of ids) {
      await this.store.txn([{ key: workerKey(this.prefix, id), target: 'createRevision', op: '=', value: 0 }], [put(this.prefix, id, template, 'PENDING')]);
      let previous: WorkerStatus = 'PENDING';
      for (const stage of STAGES) {
        const from = previous;
        this.arm(template.bootSeconds * 1000 * stage.atShare, () => this.advance(id, template, from, stage.status));
        previous = stage.status;
      }
    }
    return ids;
  }

  /** Cancels every boot not yet done and waits for the writes under way. */
  async close(): Promise<void> {
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    await Promise.allSettled([...this.pending]);
  }

  private arm(delayMs: number, step: () => Promise<void>): void {
    const timer = this.clock.setTimer(delayMs, () => {
      this.timers.delete(timer);
      const done = step().catch(() => undefined); // a store failure leaves the worker where it was
      this.pending.add(done);
      void done.finally(() => this.pending.delete(done));
    });
    this.timers.add(timer);
  }

  /** Moves the worker from `from` to `to` only if nobody changed it since this booter wrote it. */
  private async advance(id: string, template: ScaleUpTemplate, from: WorkerStatus, to: WorkerStatus): Promise<void> {
    const key = workerKey(this.prefix, id);
    const kv = await this.store.get(key);
    if (kv === undefined || kv.value.toString('utf8') !== JSON.stringify(templateWorkerDocument(template, id, from))) return;
    await this.store.txn([{ key, target: 'modRevision', op: '=', value: kv.modRevision }], [put(this.prefix, id, template, to)]);
  }
}

function put(prefix: string, id: string, template: ScaleUpTemplate, status: WorkerStatus) {
  return { type: 'put', key: workerKey(prefix, id), value: JSON.stringify(templateWorkerDocument(template, id, status)) } as const;
}
