// The schedule call (contract §2) with its checks in the contract's order: 404 InstanceNotFound /
// WorkerNotFound, 409 StaleFencingToken, 200 when the instance already holds capacity on this worker,
// 409 NotPending, StaleRevision, WorkerNotAvailable, InsufficientCapacity, else 200 SCHEDULED.
// Calls are committed in groups (group-queue.ts): one read of the leader key, the workers, their
// allocations and the instances; the checks in arrival order, each seeing the calls accepted before
// it; then one transaction comparing what the accepted calls relied on (leader create revision =
// token, worker, allocation and instance mod revisions) with their writes. A failed compare re-reads
// and re-checks the whole group. Two etcd round trips serve a whole group.
import type { Compare, KeyValue, Store, TxnOp } from '../../pkg/store';
import type { LabletInstance, Worker } from '../../pkg/objects';
import { decode, holdsCapacity, instanceKey, isPlaceable, leaderKey, workerKey } from '../../pkg/objects';
import type { Allocation } from './allocation';
import { EMPTY_ALLOCATION, adjust, amountsOf, decodeAllocation, devKeys, encode, fits } from './allocation';
import { GroupQueue } from './group-queue';
import type { ApiAnswer, InstanceNow } from './answers';
import { failure, instanceConflict, notFound, ok, unavailable } from './answers';
import type { FaultKnobs, HoldGate } from './faults';
import { instanceDocument } from './instance-document';

export interface ScheduleCall {
  readonly instanceId: string;
  readonly workerId: string;
  readonly instanceRevision: number;
  readonly fencingToken: number;
}

/** An instance as the group sees it: as read, or as accepted earlier in the group. */
interface Seen {
  readonly kv: KeyValue | undefined;
  readonly instance: LabletInstance | undefined;
  /** Set once accepted in this group: its new document. */
  readonly acceptedDoc?: string;
}

interface Plan {
  readonly answers: Array<(commitRevision: number) => ApiAnswer>;
  readonly compares: Compare[];
  readonly writes: TxnOp[];
}

/**
 * etcd allows 128 compares and 128 operations per branch: a group of n calls reads at most 1 + 3n
 * keys and writes at most 3n, so 40 calls stay below. Two groups at once measured best on the
 * benchmark (bench/controlplane.bench.ts): more groups means smaller ones and more round trips.
 */
const LIMITS = { maxGroup: 40, maxConcurrent: 2 };
const MAX_ROUNDS = 50;

interface Pending {
  readonly workerId: string;
  readonly call: ScheduleCall;
  readonly resolve: (answer: ApiAnswer) => void;
}

export class ScheduleCommitter {
  private readonly queue = new GroupQueue<Pending>((group) => this.commit(group), LIMITS);
  private readonly workerCache = new Map<string, { readonly modRevision: number; readonly worker: Worker | undefined }>();

  constructor(
    private readonly store: Store,
    private readonly prefix: string,
    private readonly root: string,
    private readonly faults: FaultKnobs,
  ) {}

  /** Answers the call once its group committed (or was refused). Never rejects. */
  submit(call: ScheduleCall): Promise<ApiAnswer> {
    return new Promise((resolve) => {
      const pending: Pending = { workerId: call.workerId, call, resolve };
      const hold = this.faults.takeHold();
      if (hold === undefined) this.queue.push(pending);
      else void this.commit([pending], hold); // alone, beside the queue: it must not stall other calls
    });
  }

  private async commit(group: readonly Pending[], hold?: HoldGate): Promise<void> {
    let answers: ReadonlyArray<(revision: number) => ApiAnswer> = [];
    let revision = 0;
    try {
      for (let round = 0; ; round++) {
        if (round === MAX_ROUNDS) {
          answers = group.map(() => () => unavailable('the worker\'s allocation kept changing; try again'));
          break;
        }
        const plan = await this.plan(group);
        answers = plan.answers;
        if (hold !== undefined) {
          await hold.wait(); // fence tests: the checks passed on what was read; the transaction runs now
          hold = undefined;
        }
        if (plan.writes.length === 0) break;
        const result = await this.store.txn(plan.compares, plan.writes);
        if (result.succeeded) {
          revision = result.revision;
          break;
        }
      }
    } catch (err: unknown) {
      answers = group.map(() => () => unavailable(`store: ${err instanceof Error ? err.message : String(err)}`));
    }
    group.forEach((pending, i) => pending.resolve((answers[i] ?? (() => unavailable('no answer')))(revision)));
  }

  private async plan(group: readonly Pending[]): Promise<Plan> {
    const ids = [...new Set(group.map((p) => p.call.instanceId))];
    const workerIds = [...new Set(group.map((p) => p.workerId))];
    const read = await this.store.txn([], [
      { type: 'get', key: leaderKey(this.prefix) },
      ...workerIds.flatMap((w): TxnOp[] => [
        { type: 'get', key: workerKey(this.prefix, w) },
        { type: 'get', key: devKeys.allocation(this.root, w) },
      ]),
      ...ids.map((id): TxnOp => ({ type: 'get', key: instanceKey(this.prefix, id) })),
    ]);
    const leader = read.results[0];
    const workers = new Map(workerIds.map((w, i) => {
      const workerKv = read.results[1 + 2 * i];
      const allocationKv = read.results[2 + 2 * i];
      return [w, { workerKv, worker: this.decodeWorker(workerKv), allocationKv, allocation: decodeAllocation(allocationKv?.value) }];
    }));
    const seen = new Map<string, Seen>(ids.map((id, i) => [id, this.seen(read.results[1 + 2 * workerIds.length + i])]));
    const touched = new Set<string>();
    const plan: Plan = { answers: [], compares: [], writes: [] };

    for (const { call } of group) {
      const now = seen.get(call.instanceId) ?? { kv: undefined, instance: undefined };
      const target = workers.get(call.workerId);
      if (target === undefined) throw new Error('every worker of the group is read');
      const verdict = check(call, now, leader, target.workerKv, target.worker, target.allocation);
      if (verdict !== 'accept') {
        plan.answers.push(verdict);
        continue;
      }
      const instance = now.instance as LabletInstance; // check() accepts only a decoded instance
      const kv = now.kv as KeyValue;
      const amounts = amountsOf(instance.requirements.resources);
      workers.set(call.workerId, { ...target, allocation: adjust(target.allocation, amounts, 1) });
      touched.add(call.workerId);
      const doc = instanceDocument(kv.value, { phase: 'SCHEDULED', workerId: call.workerId });
      seen.set(call.instanceId, { kv, instance: { ...instance, phase: 'SCHEDULED', workerId: call.workerId }, acceptedDoc: doc });
      plan.compares.push({ key: kv.key, target: 'modRevision', op: '=', value: kv.modRevision });
      plan.writes.push(
        { type: 'put', key: kv.key, value: doc },
        { type: 'put', key: devKeys.holding(this.root, call.instanceId), value: encode({ workerId: call.workerId, amounts }) },
      );
      plan.answers.push((revision) => accepted(call, 'SCHEDULED', revision));
    }
    if (touched.size === 0) return plan;
    plan.compares.push({ key: leaderKey(this.prefix), target: 'createRevision', op: '=', value: leader?.createRevision ?? 0 });
    for (const w of touched) {
      const target = workers.get(w);
      const allocationKey = devKeys.allocation(this.root, w);
      plan.compares.push(
        { key: workerKey(this.prefix, w), target: 'modRevision', op: '=', value: target?.workerKv?.modRevision ?? 0 },
        { key: allocationKey, target: 'modRevision', op: '=', value: target?.allocationKv?.modRevision ?? 0 },
      );
      plan.writes.push({ type: 'put', key: allocationKey, value: encode(target?.allocation ?? EMPTY_ALLOCATION) });
    }
    return plan;
  }

  private seen(kv: KeyValue | undefined): Seen {
    if (kv === undefined) return { kv, instance: undefined };
    const decoded = decode(this.prefix, kv.key, kv.value);
    return { kv, instance: decoded.type === 'instance' ? decoded.instance : undefined };
  }

  /** Workers change rarely; decode each mod revision once. */
  private decodeWorker(kv: KeyValue | undefined): Worker | undefined {
    if (kv === undefined) return undefined;
    const cached = this.workerCache.get(kv.key);
    if (cached !== undefined && cached.modRevision === kv.modRevision) return cached.worker;
    const decoded = decode(this.prefix, kv.key, kv.value);
    const worker = decoded.type === 'worker' ? decoded.worker : undefined;
    this.workerCache.set(kv.key, { modRevision: kv.modRevision, worker });
    return worker;
  }
}

type Verdict = 'accept' | ((commitRevision: number) => ApiAnswer);

/** The contract's checks, in its order, for one call against the group's view. */
function check(call: ScheduleCall, seen: Seen, leader: KeyValue | undefined, workerKv: KeyValue | undefined, worker: Worker | undefined, allocation: Allocation): Verdict {
  const { kv, instance } = seen;
  if (kv === undefined) return () => notFound('InstanceNotFound');
  if (workerKv === undefined) return () => notFound('WorkerNotFound');
  if (instance === undefined) return () => failure(422, 'InvalidInstance', 'the instance value does not validate');
  const now = (revision: number): InstanceNow => ({
    phase: instance.phase, workerId: instance.workerId, modRevision: seen.acceptedDoc === undefined ? kv.modRevision : revision,
  });
  if (leader === undefined || leader.createRevision !== call.fencingToken) return (r) => instanceConflict('StaleFencingToken', now(r));
  if (instance.workerId === call.workerId && holdsCapacity(instance)) return (r) => accepted(call, instance.phase, now(r).modRevision);
  if (!isPlaceable(instance)) return (r) => instanceConflict('NotPending', now(r));
  if (kv.modRevision !== call.instanceRevision) return (r) => instanceConflict('StaleRevision', now(r));
  if (worker === undefined || worker.status !== 'RUNNING') return (r) => instanceConflict('WorkerNotAvailable', now(r));
  if (!fits(allocation, amountsOf(instance.requirements.resources), worker.capacity, worker.license === 'personal')) {
    return (r) => instanceConflict('InsufficientCapacity', now(r));
  }
  return 'accept';
}

function accepted(call: ScheduleCall, phase: string, modRevision: number): ApiAnswer {
  return ok(200, { instanceId: call.instanceId, workerId: call.workerId, phase, modRevision });
}
