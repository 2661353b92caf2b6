// Contract §2: "The API accepts a write only if the leader key exists and its create revision
// equals the token, checked in the same etcd transaction as the write." Seen from outside: a token
// that is not the current create revision is refused and nothing is written; once the leader key is
// deleted and created again, the old term's token is refused; the current token's write lands in
// etcd. (That the compare sits in the write's own transaction cannot be proved from outside without
// racing the API; these checks prove the API reads the leader key afresh on every call.)
import type { Check } from '../check';
import { refusal, success } from '../expect';
import type { Session } from '../session';
import { expectScheduled, expectUnchanged } from './steps';

const CLAUSE = '§2: a write only if the leader key\'s create revision equals the token';
const staleTokenAnswer = refusal(409, 'StaleFencingToken');

async function pendingOnRunningWorker(s: Session): Promise<{ w: string; i: string; rev: number }> {
  const [w, i] = [s.id('w'), s.id('i')];
  await s.putWorker(w);
  return { w, i, rev: await s.putInstance(i) };
}

export const FENCING_CHECKS: readonly Check[] = [
  {
    name: 'fencing/token-not-create-revision-refused',
    clause: CLAUSE,
    run: async (ctx) => {
      const s = ctx.session;
      const { w, i, rev } = await pendingOnRunningWorker(s);
      for (const token of [s.token - 1, s.token + 1]) {
        const what = `schedule of pending ${i} on ${w} with token ${token} (the leader key's create revision is ${s.token})`;
        staleTokenAnswer.judge(ctx, await s.schedule(i, w, rev, { fencingToken: token }), what);
        await expectUnchanged(s, i, rev, what);
      }
    },
  },
  {
    name: 'fencing/old-term-refused-after-leader-key-recreated',
    clause: CLAUSE,
    run: async (ctx) => {
      const s = ctx.session;
      const { w, i, rev } = await pendingOnRunningWorker(s);
      const old = s.token;
      await s.endTerm();
      const gone = `schedule of pending ${i} with token ${old} after the leader key was deleted`;
      staleTokenAnswer.judge(ctx, await s.schedule(i, w, rev, { fencingToken: old }), gone);
      await expectUnchanged(s, i, rev, gone);
      const current = await s.beginTerm();
      const recreated = `schedule of pending ${i} with the old token ${old} after the leader key was created again (token ${current})`;
      staleTokenAnswer.judge(ctx, await s.schedule(i, w, rev, { fencingToken: old }), recreated);
      await expectUnchanged(s, i, rev, recreated);
      const accepted = `the same schedule with the new term's token ${current}`;
      success(200).judge(ctx, await s.schedule(i, w, rev), accepted);
      await expectScheduled(s, i, w, accepted);
    },
  },
  {
    name: 'fencing/current-token-write-lands-in-etcd',
    clause: `${CLAUSE}; §2 schedule: else 200 with the instance now SCHEDULED`,
    run: async (ctx) => {
      const s = ctx.session;
      const { w, i, rev } = await pendingOnRunningWorker(s);
      const what = `schedule of pending ${i} on RUNNING ${w} with room, at its revision, with the current token`;
      success(200).judge(ctx, await s.schedule(i, w, rev), what);
      const now = await expectScheduled(s, i, w, what);
      if (now.modRevision <= rev) ctx.note(`instance ${i} is SCHEDULED but its mod revision did not rise (${now.modRevision})`);
    },
  },
  {
    name: 'fencing/reports-and-scale-ups-refuse-an-old-token',
    clause: '§2: every call may answer 409 StaleFencingToken; a write only with the current token',
    run: async (ctx) => {
      const s = ctx.session;
      const i = s.id('i');
      const rev = await s.putInstance(i);
      const report = `unschedulable report on pending ${i} with token ${s.staleToken}`;
      staleTokenAnswer.judge(ctx, await s.report(i, 'InsufficientCpu', 1, { fencingToken: s.staleToken }), report);
      await expectUnchanged(s, i, rev, report);
      const body = { template: `conformance-${s.runId}`, reason: 'conformance kit: fencing check', instanceIds: [i], count: 1 };
      const reply = await s.api.scaleUp(body, { fencingToken: s.staleToken, idempotencyKey: s.id('fence') });
      staleTokenAnswer.judge(ctx, reply, `scale-up with token ${s.staleToken}`);
    },
  },
];
