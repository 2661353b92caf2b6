// The unschedulable and scale-up calls (contract §2). A report replaces the instance's previous one
// and never changes phase or worker; a scale-up request is recorded once per Idempotency-Key (a
// repeat answers 202 with the first request's id) and, when the API knows the templates, boots
// `count` workers of its template (worker-boot.ts; an unknown template is refused). Both are stored under the development-only root,
// written in a transaction that compares the leader key's create revision with the token.
import { randomUUID } from 'node:crypto';
import type { ScaleUpRequest, UnschedulableRequest } from '../../pkg/controlplane';
import type { InstancePhase } from '../../pkg/objects';
import { decode, instanceKey, isPlaceable, leaderKey } from '../../pkg/objects';
import type { Compare, Store } from '../../pkg/store';
import { devKeys } from './allocation';
import type { ApiAnswer, InstanceNow } from './answers';
import { failure, instanceConflict, notFound, ok, unavailable } from './answers';
import type { WorkerBooter } from './worker-boot';

export interface StoredReport extends UnschedulableRequest {
  readonly instanceId: string;
  readonly schedulerId: string | undefined;
  readonly fencingToken: number;
  readonly revision: number;
}

export interface StoredScaleUp extends ScaleUpRequest {
  readonly requestId: string;
  /** The workers booted for it (none when the API boots no workers). */
  readonly workerIds: readonly string[];
  readonly idempotencyKey: string;
  readonly schedulerId: string | undefined;
  readonly fencingToken: number;
}

export interface Caller {
  readonly fencingToken: number;
  readonly schedulerId: string | undefined;
}

export type ScaleUpAnswer = 'accept' | 'refuse';

const MAX_ROUNDS = 50;

export class ReportBook {
  constructor(
    private readonly store: Store,
    private readonly prefix: string,
    private readonly root: string,
    private readonly booter?: WorkerBooter,
  ) {}

  /** 404; 409 StaleFencingToken; 409 NotPending; else stores the report and answers 200. */
  async unschedulable(instanceId: string, body: UnschedulableRequest, caller: Caller): Promise<ApiAnswer> {
    const key = instanceKey(this.prefix, instanceId);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const read = await this.store.txn([], [{ type: 'get', key }, { type: 'get', key: leaderKey(this.prefix) }]);
      const [kv, leader] = read.results;
      if (kv === undefined) return notFound('InstanceNotFound');
      const decoded = decode(this.prefix, key, kv.value);
      const phase: InstancePhase | undefined = decoded.type === 'instance' ? decoded.instance.phase : decoded.type === 'malformed' ? decoded.phase : undefined;
      const now: InstanceNow = {
        phase: phase ?? 'PENDING',
        workerId: decoded.type === 'instance' ? decoded.instance.workerId : undefined,
        modRevision: kv.modRevision,
      };
      if (leader === undefined || leader.createRevision !== caller.fencingToken) return instanceConflict('StaleFencingToken', now);
      // A malformed instance whose phase reads PENDING may be reported (reason InvalidSpec, contract §1).
      const isPending = decoded.type === 'instance' ? isPlaceable(decoded.instance) : phase === 'PENDING';
      if (!isPending) return instanceConflict('NotPending', now);
      const report: Omit<StoredReport, 'revision'> = { ...body, instanceId, ...caller };
      const written = await this.store.txn(
        [fence(this.prefix, caller.fencingToken), { key, target: 'modRevision', op: '=', value: kv.modRevision }],
        [{ type: 'put', key: devKeys.report(this.root, instanceId), value: JSON.stringify(report) }],
      );
      if (written.succeeded) return ok(200, { instanceId });
    }
    return unavailable('the instance kept changing; try again');
  }

  /** 409 StaleFencingToken; 202 for a repeat of a recorded key; 409 ScaleUpRefused; else records it, 202. */
  async scaleUp(body: ScaleUpRequest, idempotencyKey: string, caller: Caller, answer: ScaleUpAnswer): Promise<ApiAnswer> {
    const key = devKeys.scaleUp(this.root, idempotencyKey);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const read = await this.store.txn([], [{ type: 'get', key: leaderKey(this.prefix) }, { type: 'get', key }]);
      const [leader, existing] = read.results;
      if (leader === undefined || leader.createRevision !== caller.fencingToken) return failure(409, 'StaleFencingToken');
      if (existing !== undefined) return ok(202, { requestId: (JSON.parse(existing.value.toString('utf8')) as StoredScaleUp).requestId });
      if (answer === 'refuse') return failure(409, 'ScaleUpRefused', 'the development API is set to refuse scale-ups');
      const template = this.booter?.template(body.template);
      if (this.booter !== undefined && template === undefined) return failure(409, 'ScaleUpRefused', `unknown template ${body.template}`);
      const requestId = randomUUID();
      const record: StoredScaleUp = { ...body, requestId, idempotencyKey, ...caller, workerIds: [] };
      const written = await this.store.txn(
        [fence(this.prefix, caller.fencingToken), { key, target: 'createRevision', op: '=', value: 0 }],
        [{ type: 'put', key, value: JSON.stringify(record) }],
      );
      if (!written.succeeded) continue;
      if (this.booter !== undefined && template !== undefined) {
        const workerIds = await this.booter.boot(template, body.count ?? 1, requestId);
        await this.store.txn([], [{ type: 'put', key, value: JSON.stringify({ ...record, workerIds }) }]);
      }
      return ok(202, { requestId });
    }
    return unavailable('the leader key kept changing; try again');
  }

  /** The latest report on the instance, if any. */
  async report(instanceId: string): Promise<StoredReport | undefined> {
    const kv = await this.store.get(devKeys.report(this.root, instanceId));
    return kv === undefined ? undefined : { ...(JSON.parse(kv.value.toString('utf8')) as Omit<StoredReport, 'revision'>), revision: kv.modRevision };
  }

  /** Every scale-up request recorded, in the order they were recorded. */
  async scaleUps(): Promise<StoredScaleUp[]> {
    const listed = await this.store.list(devKeys.scaleUps(this.root));
    return [...listed.kvs]
      .sort((a, b) => a.createRevision - b.createRevision)
      .map((kv) => JSON.parse(kv.value.toString('utf8')) as StoredScaleUp);
  }
}

/** The write is accepted only while the leader key's create revision equals the token (contract §2). */
function fence(prefix: string, fencingToken: number): Compare {
  return { key: leaderKey(prefix), target: 'createRevision', op: '=', value: fencingToken };
}
