// Steps the checks share: a schedule that must succeed before the check proper (setup), and what
// etcd must show afterwards (an instance left as it was, or SCHEDULED on the worker asked for).
import { CheckFailure } from '../check';
import { describeReply } from '../expect';
import type { Session, StoredInstance } from '../session';

/** Schedules the instance (current token) and fails the check unless the API answers 2xx. */
export async function scheduleForSetup(s: Session, instanceId: string, workerId: string, revision: number): Promise<void> {
  const reply = await s.schedule(instanceId, workerId, revision);
  if (reply.status < 200 || reply.status > 299) {
    throw new CheckFailure(`setup: scheduling pending instance ${instanceId} on RUNNING worker ${workerId} with room and the current token: expected 200, got ${describeReply(reply)}`);
  }
}

export async function readInstance(s: Session, id: string): Promise<StoredInstance> {
  const now = await s.instance(id);
  if (now === undefined) throw new CheckFailure(`instance ${id} is gone from etcd (the kit wrote it; the API must not delete it)`);
  return now;
}

/** The instance is still at `modRevision`: the refused call wrote nothing. */
export async function expectUnchanged(s: Session, id: string, modRevision: number, what: string): Promise<void> {
  const now = await readInstance(s, id);
  if (now.modRevision !== modRevision) {
    throw new CheckFailure(
      `${what}: expected instance ${id} unchanged in etcd at mod revision ${modRevision}, found mod revision ${now.modRevision} ` +
      `(phase ${String(now.phase)}, workerId ${String(now.workerId)})`,
    );
  }
}

/** The instance is SCHEDULED on workerId in etcd. */
export async function expectScheduled(s: Session, id: string, workerId: string, what: string): Promise<StoredInstance> {
  const now = await readInstance(s, id);
  if (now.phase !== 'SCHEDULED' || now.workerId !== workerId) {
    throw new CheckFailure(`${what}: expected instance ${id} SCHEDULED on ${workerId} in etcd, found phase ${String(now.phase)}, workerId ${String(now.workerId)}`);
  }
  return now;
}

/** Writes a pending instance twice: resolves with the first (stale) and the current revision. */
export async function twiceWrittenInstance(s: Session, id: string, shape: Parameters<Session['putInstance']>[1] = {}): Promise<{ stale: number; current: number }> {
  const stale = await s.putInstance(id, shape);
  const current = await s.putInstance(id, shape);
  return { stale, current };
}
