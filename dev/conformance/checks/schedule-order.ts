// Contract §2, schedule: "Checked in this order: 401; 404; 409 StaleFencingToken; 200 if the
// instance already holds capacity on this same worker; 409 NotPending; 409 StaleRevision; 409
// WorkerNotAvailable; 409 InsufficientCapacity". For each neighbouring pair, one call meets both
// conditions (the earlier must answer) and one meets only the later (it must answer too, which shows
// the API checks it at all, so the first call proves the order).
import type { ApiReply } from '../api-client';
import type { Check, CheckContext } from '../check';
import { CheckSkipped } from '../check';
import type { Expectation } from '../expect';
import { refusal, success, unauthorized } from '../expect';
import type { Session } from '../session';
import { scheduleForSetup, twiceWrittenInstance } from './steps';

interface Call {
  /** What the call meets, for the failure message. */
  readonly what: string;
  readonly send: () => Promise<ApiReply>;
  /** The answer expected when not the case's own (404 WorkerNotFound where InstanceNotFound is). */
  readonly expect?: Expectation;
}

interface OrderCase {
  readonly name: string;
  readonly earlier: Expectation;
  readonly later: Expectation;
  /** Writes the fixtures; `both` meet the earlier and the later condition, `laterAlone` only the later. */
  setup(s: Session): Promise<{ readonly both: readonly Call[]; readonly laterAlone: Call }>;
}

const CLAUSE = '§2 schedule: checked in this order';
const WRONG_KEY = 'conformance-kit-wrong-key';

function orderCheck(c: OrderCase): Check {
  return {
    name: `schedule-order/${c.name}`,
    clause: CLAUSE,
    run: async (ctx: CheckContext) => {
      const { both, laterAlone } = await c.setup(ctx.session);
      for (const call of both) {
        const earlier = call.expect ?? c.earlier;
        earlier.judge(ctx, await call.send(), `${call.what} (${earlier.label} must come before ${c.later.label})`);
      }
      c.later.judge(ctx, await laterAlone.send(), `${laterAlone.what} (only the later condition, to show the API checks it)`);
    },
  };
}

const cases: readonly OrderCase[] = [
  {
    name: '401-before-404',
    earlier: unauthorized,
    later: refusal(404, 'InstanceNotFound'),
    setup: async (s) => {
      if (!s.hasApiKey) throw new CheckSkipped('no CONTROL_PLANE_API_KEY given: the API under test is taken to be open');
      const w = s.id('w');
      await s.putWorker(w);
      const missing = s.id('missing');
      return {
        both: [{ what: `schedule of missing instance ${missing} with a wrong X-API-Key`, send: () => s.schedule(missing, w, 1, { apiKey: WRONG_KEY }) }],
        laterAlone: { what: `schedule of missing instance ${missing} with the right key`, send: () => s.schedule(missing, w, 1) },
      };
    },
  },
  {
    name: '404-before-stale-token',
    earlier: refusal(404, 'InstanceNotFound'),
    later: refusal(409, 'StaleFencingToken'),
    setup: async (s) => {
      const w = s.id('w');
      const i = s.id('i');
      await s.putWorker(w);
      const rev = await s.putInstance(i);
      const missing = s.id('missing');
      const missingWorker = s.id('missing-w');
      return {
        both: [
          { what: `schedule of missing instance ${missing} with an old token`, send: () => s.schedule(missing, w, rev, { fencingToken: s.staleToken }) },
          {
            what: `schedule of pending ${i} on missing worker ${missingWorker} with an old token`,
            send: () => s.schedule(i, missingWorker, rev, { fencingToken: s.staleToken }),
            expect: refusal(404, 'WorkerNotFound'),
          },
        ],
        laterAlone: { what: `schedule of pending ${i} on ${w} with an old token`, send: () => s.schedule(i, w, rev, { fencingToken: s.staleToken }) },
      };
    },
  },
  {
    name: 'stale-token-before-retry',
    earlier: refusal(409, 'StaleFencingToken'),
    later: success(200),
    setup: async (s) => {
      const w = s.id('w');
      const i = s.id('i');
      await s.putWorker(w);
      const rev = await s.putInstance(i);
      await scheduleForSetup(s, i, w, rev);
      return {
        both: [{ what: `repeat of the accepted schedule of ${i} on ${w} with an old token`, send: () => s.schedule(i, w, rev, { fencingToken: s.staleToken }) }],
        laterAlone: { what: `repeat of the accepted schedule of ${i} on ${w} with the current token`, send: () => s.schedule(i, w, rev) },
      };
    },
  },
  {
    name: 'retry-before-not-pending',
    earlier: success(200),
    later: refusal(409, 'NotPending'),
    setup: async (s) => {
      const [w1, w2, i] = [s.id('w'), s.id('w'), s.id('i')];
      await s.putWorker(w1);
      await s.putWorker(w2);
      const rev = await s.putInstance(i);
      await scheduleForSetup(s, i, w1, rev);
      return {
        both: [{ what: `repeat of the accepted schedule of ${i} on ${w1} (now SCHEDULED there, not pending)`, send: () => s.schedule(i, w1, rev) }],
        laterAlone: { what: `schedule of ${i}, SCHEDULED on ${w1}, on another worker ${w2}`, send: () => s.schedule(i, w2, rev) },
      };
    },
  },
  {
    name: 'not-pending-before-stale-revision',
    earlier: refusal(409, 'NotPending'),
    later: refusal(409, 'StaleRevision'),
    setup: async (s) => {
      const [w, stopped, pending] = [s.id('w'), s.id('stopped'), s.id('i')];
      await s.putWorker(w);
      const a = await twiceWrittenInstance(s, stopped, { phase: 'STOPPED' });
      const b = await twiceWrittenInstance(s, pending);
      return {
        both: [{ what: `schedule of STOPPED instance ${stopped} at an old revision`, send: () => s.schedule(stopped, w, a.stale) }],
        laterAlone: { what: `schedule of pending ${pending} at an old revision`, send: () => s.schedule(pending, w, b.stale) },
      };
    },
  },
  {
    name: 'stale-revision-before-worker-not-available',
    earlier: refusal(409, 'StaleRevision'),
    later: refusal(409, 'WorkerNotAvailable'),
    setup: async (s) => {
      const [w, i] = [s.id('draining'), s.id('i')];
      await s.putWorker(w, { status: 'DRAINING' });
      const rev = await twiceWrittenInstance(s, i);
      return {
        both: [{ what: `schedule of pending ${i} at an old revision on DRAINING worker ${w}`, send: () => s.schedule(i, w, rev.stale) }],
        laterAlone: { what: `schedule of pending ${i} at its revision on DRAINING worker ${w}`, send: () => s.schedule(i, w, rev.current) },
      };
    },
  },
  {
    name: 'worker-not-available-before-insufficient-capacity',
    earlier: refusal(409, 'WorkerNotAvailable'),
    later: refusal(409, 'InsufficientCapacity'),
    setup: async (s) => {
      const [stopped, small, i] = [s.id('stopped-w'), s.id('small-w'), s.id('big')];
      const tiny = { cpuCores: 1, memoryGb: 1, storageGb: 1 };
      await s.putWorker(stopped, { status: 'STOPPED', ...tiny });
      await s.putWorker(small, tiny);
      const rev = await s.putInstance(i, { cpuCores: 2, memoryGb: 2, storageGb: 2 });
      return {
        both: [{ what: `schedule of ${i} (2 cores) on STOPPED 1-core worker ${stopped}`, send: () => s.schedule(i, stopped, rev) }],
        laterAlone: { what: `schedule of ${i} (2 cores) on RUNNING 1-core worker ${small}`, send: () => s.schedule(i, small, rev) },
      };
    },
  },
];

export const SCHEDULE_ORDER_CHECKS: readonly Check[] = cases.map(orderCheck);
