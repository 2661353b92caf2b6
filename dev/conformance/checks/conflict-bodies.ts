// Contract §2: every instance-call 409 carries `reason`; contract v1.1 requires nothing more ("A
// 409 whose body has only reason is read as fully as one with phase, workerId and modRevision"). So
// a missing phase, workerId or modRevision is a note; one that is sent must be valid and must be the
// instance's current state, as etcd holds it.
import type { ApiReply } from '../api-client';
import type { Check, CheckContext } from '../check';
import { CheckFailure } from '../check';
import { describeReply, fieldsOf, refusal } from '../expect';
import type { Session, StoredInstance } from '../session';
import { INSTANCE_PHASES, ID_PATTERN } from '../../../pkg/objects';
import { readInstance, scheduleForSetup, twiceWrittenInstance } from './steps';

interface Conflict {
  readonly reason: string;
  readonly instanceId: string;
  readonly what: string;
  readonly send: () => Promise<ApiReply>;
}

const OPTIONAL_FIELDS = ['phase', 'workerId', 'modRevision'] as const;
const PHASES: ReadonlySet<string> = new Set(INSTANCE_PHASES);

async function conflicts(s: Session): Promise<Conflict[]> {
  const [w, w2, draining, small] = [s.id('w'), s.id('w'), s.id('draining'), s.id('small')];
  await s.putWorker(w);
  await s.putWorker(w2);
  await s.putWorker(draining, { status: 'DRAINING' });
  await s.putWorker(small, { cpuCores: 1, memoryGb: 1, storageGb: 1 });
  const [pending, held, stopped, twice, big] = [s.id('i'), s.id('held'), s.id('stopped'), s.id('twice'), s.id('big')];
  const pendingRev = await s.putInstance(pending);
  const heldRev = await s.putInstance(held);
  await scheduleForSetup(s, held, w, heldRev);
  const stoppedRev = await s.putInstance(stopped, { phase: 'STOPPED' });
  const revs = await twiceWrittenInstance(s, twice);
  const bigRev = await s.putInstance(big, { cpuCores: 2, memoryGb: 2, storageGb: 2 });
  return [
    { reason: 'StaleFencingToken', instanceId: pending, what: `schedule of ${pending} with an old token`, send: () => s.schedule(pending, w, pendingRev, { fencingToken: s.staleToken }) },
    { reason: 'NotPending', instanceId: held, what: `schedule of ${held}, SCHEDULED on ${w}, on ${w2}`, send: () => s.schedule(held, w2, heldRev) },
    { reason: 'NotPending', instanceId: stopped, what: `schedule of STOPPED ${stopped}`, send: () => s.schedule(stopped, w, stoppedRev) },
    { reason: 'StaleRevision', instanceId: twice, what: `schedule of ${twice} at an old revision`, send: () => s.schedule(twice, w, revs.stale) },
    { reason: 'WorkerNotAvailable', instanceId: pending, what: `schedule of ${pending} on DRAINING ${draining}`, send: () => s.schedule(pending, draining, pendingRev) },
    { reason: 'InsufficientCapacity', instanceId: big, what: `schedule of ${big} (2 cores) on 1-core ${small}`, send: () => s.schedule(big, small, bigRev) },
    { reason: 'StaleFencingToken', instanceId: pending, what: `unschedulable report on ${pending} with an old token`, send: () => s.report(pending, 'InsufficientCpu', 1, { fencingToken: s.staleToken }) },
    { reason: 'NotPending', instanceId: held, what: `unschedulable report on ${held}, SCHEDULED`, send: () => s.report(held) },
  ];
}

/** Fails on a field that is sent but invalid or not the instance's state; returns the fields not sent. */
function judgeFields(reply: ApiReply, stored: StoredInstance, what: string): string[] {
  const body = fieldsOf(reply);
  const missing: string[] = [];
  const wrong = (field: string, expected: string): never => {
    throw new CheckFailure(`${what}: the 409's ${field} must be the instance's current ${field} (${expected}), got ${describeReply(reply)}`);
  };
  for (const field of OPTIONAL_FIELDS) {
    if (!Object.hasOwn(body, field)) {
      missing.push(field);
      continue;
    }
    const value = body[field];
    switch (field) {
      case 'phase':
        if (typeof value !== 'string' || !PHASES.has(value) || value !== stored.phase) wrong(field, `one of the contract's phases: ${String(stored.phase)}`);
        break;
      case 'workerId': {
        const isValid = value === null || (typeof value === 'string' && ID_PATTERN.test(value));
        if (!isValid || (value ?? null) !== (stored.workerId ?? null)) wrong(field, `null or an id: ${JSON.stringify(stored.workerId ?? null)}`);
        break;
      }
      case 'modRevision':
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value !== stored.modRevision) wrong(field, `an integer: ${stored.modRevision}`);
        break;
    }
  }
  return missing;
}

export const CONFLICT_BODY_CHECKS: readonly Check[] = [
  {
    name: 'conflict-bodies/reason-always-state-valid-where-sent',
    clause: '§2: every 409 carries reason; phase, workerId, modRevision (optional in v1.1) are the instance\'s current ones',
    run: async (ctx: CheckContext) => {
      const s = ctx.session;
      const missingBy = new Map<string, string[]>();
      for (const c of await conflicts(s)) {
        const reply = await c.send();
        refusal(409, c.reason).judge(ctx, reply, c.what);
        const missing = judgeFields(reply, await readInstance(s, c.instanceId), c.what);
        if (missing.length > 0) missingBy.set(`409 ${c.reason}`, missing);
      }
      for (const [answer, missing] of missingBy) {
        ctx.note(`${answer} came without ${missing.join(', ')} (allowed: contract v1.1 requires only reason)`);
      }
    },
  },
];
