// Contract §2, unschedulable: "200; 404; 409 NotPending. Never changes phase or worker: the instance
// stays the scheduler's to place. Replaces the previous report." Seen from outside: the instance's
// key is untouched by a report, and a schedule at the revision the report was made on still lands.
import type { Check } from '../check';
import { expectRefusal, fieldsOf, refusal, success } from '../expect';
import { expectScheduled, expectUnchanged, scheduleForSetup } from './steps';

const CLAUSE = '§2 unschedulable: 200; 404; 409 NotPending; never changes phase or worker';

export const UNSCHEDULABLE_CHECKS: readonly Check[] = [
  {
    name: 'unschedulable/200-and-instance-untouched',
    clause: CLAUSE,
    run: async (ctx) => {
      const s = ctx.session;
      const [w, i] = [s.id('w'), s.id('i')];
      await s.putWorker(w);
      const rev = await s.putInstance(i);
      success(200).judge(ctx, await s.report(i, 'InsufficientCpu', 3), `report on pending ${i}`);
      await expectUnchanged(s, i, rev, `report on pending ${i}`);
      success(200).judge(ctx, await s.report(i, 'InsufficientMemory', 2), `a second report on ${i} (replaces the first)`);
      await expectUnchanged(s, i, rev, `second report on ${i}`);
      const what = `schedule of ${i} at the revision it had before the reports`;
      success(200).judge(ctx, await s.schedule(i, w, rev), what);
      await expectScheduled(s, i, w, what);
    },
  },
  {
    name: 'unschedulable/404-for-an-unknown-instance',
    clause: CLAUSE,
    run: async (ctx) => {
      const s = ctx.session;
      const missing = s.id('missing');
      const reply = await s.report(missing);
      // The table names a bare 404 here; the reason is read where given (contract §2).
      expectRefusal(reply, `report on missing instance ${missing}`, 404);
      const reason = fieldsOf(reply)['reason'];
      if (reason !== 'InstanceNotFound') ctx.note(`404 to a report on a missing instance gave reason ${JSON.stringify(reason)}; InstanceNotFound reads best`);
    },
  },
  {
    name: 'unschedulable/409-not-pending',
    clause: CLAUSE,
    run: async (ctx) => {
      const s = ctx.session;
      const [w, held, stopped] = [s.id('w'), s.id('held'), s.id('stopped')];
      await s.putWorker(w);
      await scheduleForSetup(s, held, w, await s.putInstance(held));
      const heldRev = (await s.instance(held))?.modRevision ?? 0;
      const stoppedRev = await s.putInstance(stopped, { phase: 'STOPPED' });
      for (const [id, rev, state] of [[held, heldRev, `SCHEDULED on ${w}`], [stopped, stoppedRev, 'STOPPED']] as const) {
        const what = `report on ${id}, ${state}`;
        refusal(409, 'NotPending').judge(ctx, await s.report(id), what);
        await expectUnchanged(s, id, rev, what);
      }
    },
  },
];
