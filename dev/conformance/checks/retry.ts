// Contract §2 schedule: "200 if the instance already holds capacity on this same worker (a retry:
// revision ignored)", and §2 "A call whose outcome is unknown may have been committed: the
// scheduler ... retries the same instance, worker, token and revision". A repeat must answer 2xx and
// must not count the instance twice. Seen through capacity: on a 4-core worker, a 2-core instance
// scheduled and repeated leaves room for exactly one more 2-core instance, and then none.
import type { Check } from '../check';
import { refusal, success } from '../expect';
import { expectScheduled } from './steps';

export const RETRY_CHECKS: readonly Check[] = [
  {
    name: 'retry/repeated-schedule-answers-2xx-and-allocates-once',
    clause: '§2 schedule: 200 for a retry on the same worker, revision ignored; §2 outcome unknown',
    run: async (ctx) => {
      const s = ctx.session;
      const [w, a, b, c] = [s.id('w'), s.id('a'), s.id('b'), s.id('c')];
      const half = { cpuCores: 2, memoryGb: 4, storageGb: 10 };
      await s.putWorker(w, { cpuCores: 4, memoryGb: 8, storageGb: 20 });
      const revA = await s.putInstance(a, half);
      const revB = await s.putInstance(b, half);
      const revC = await s.putInstance(c, { cpuCores: 0.001, memoryGb: 0.001, storageGb: 0.001 });

      success(200).judge(ctx, await s.schedule(a, w, revA), `schedule of ${a} (half of ${w})`);
      await expectScheduled(s, a, w, `schedule of ${a}`);
      success(200).judge(ctx, await s.schedule(a, w, revA), `the same schedule of ${a} sent again (same worker, token and revision)`);
      success(200).judge(ctx, await s.schedule(a, w, revA), `the same schedule of ${a} sent a third time`);
      await expectScheduled(s, a, w, `the repeats of ${a}`);

      success(200).judge(ctx, await s.schedule(b, w, revB), `schedule of ${b}, the other half of ${w}, after ${a} was sent three times (a repeat counted twice leaves no room)`);
      refusal(409, 'InsufficientCapacity').judge(ctx, await s.schedule(c, w, revC), `schedule of ${c} (0.001 of each) on ${w}, now full`);
    },
  },
];
