// Contract §2: "Every call may answer 401 (bad key)", and 401 is the first check of a schedule call.
// Each route with a wrong key and with none; skipped when no key was given (the API is open).
import type { Check } from '../check';
import { CheckSkipped } from '../check';
import { unauthorized } from '../expect';
import { expectUnchanged } from './steps';

export const AUTH_CHECKS: readonly Check[] = [
  {
    name: 'auth/401-on-every-call-without-the-key',
    clause: '§2: every call may answer 401 (bad key)',
    run: async (ctx) => {
      const s = ctx.session;
      if (!s.hasApiKey) throw new CheckSkipped('no CONTROL_PLANE_API_KEY given: the API under test is taken to be open');
      const [w, i] = [s.id('w'), s.id('i')];
      await s.putWorker(w);
      const rev = await s.putInstance(i);
      const scaleUp = { template: `conformance-${s.runId}`, reason: 'conformance kit: key check', instanceIds: [i] };
      for (const [label, apiKey] of [['a wrong X-API-Key', 'conformance-kit-wrong-key'], ['no X-API-Key', null]] as const) {
        unauthorized.judge(ctx, await s.schedule(i, w, rev, { apiKey }), `schedule with ${label}`);
        unauthorized.judge(ctx, await s.report(i, 'InsufficientCpu', 1, { apiKey }), `unschedulable report with ${label}`);
        unauthorized.judge(ctx, await s.api.scaleUp(scaleUp, { fencingToken: s.token, apiKey, idempotencyKey: s.id('auth') }), `scale-up with ${label}`);
      }
      await expectUnchanged(s, i, rev, `calls on ${i} that answered 401`);
    },
  },
];
