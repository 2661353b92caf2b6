// Contract §2, scale-up: "202; 409 {"reason": "ScaleUpRefused"} when the API will not add a worker",
// with an Idempotency-Key header and (v1.1) `count`. The same key sent twice is one request: both
// answers alike (202, or the refusal), and where the kit can count what the API recorded (the
// development API) or compare the requestIds both answers carry, one request. The template is the
// run's own name, so a real API is expected to refuse it rather than boot workers.
import type { ApiReply } from '../api-client';
import type { Check, CheckContext } from '../check';
import { CheckFailure } from '../check';
import { describeReply, fieldsOf, reasonOf } from '../expect';

type Verdict = 'accepted' | 'refused';

function verdictOf(reply: ApiReply, what: string): Verdict {
  if (reply.status >= 200 && reply.status <= 299) return 'accepted';
  if (reply.status === 409 && reasonOf(reply) === 'ScaleUpRefused') return 'refused';
  throw new CheckFailure(`${what}: expected 202 (any 2xx) or 409 {"reason":"ScaleUpRefused"}, got ${describeReply(reply)}`);
}

async function countRequests(ctx: CheckContext, key: string, replies: readonly ApiReply[], expected: number): Promise<void> {
  const recorded = await ctx.session.observer?.scaleUpRequests(key);
  if (recorded !== undefined) {
    if (recorded !== expected) throw new CheckFailure(`the same Idempotency-Key sent twice: expected ${expected} request recorded, the API recorded ${recorded}`);
    return;
  }
  const ids = replies.map((r) => fieldsOf(r)['requestId']);
  if (expected === 1 && ids.every((id) => typeof id === 'string')) {
    if (ids[0] !== ids[1]) throw new CheckFailure(`the same Idempotency-Key sent twice: expected one request (one requestId), got requestIds ${JSON.stringify(ids)}`);
    return;
  }
  if (expected === 1) ctx.note('one request per Idempotency-Key not verified: the answers carry no requestId to compare');
}

export const SCALE_UP_CHECKS: readonly Check[] = [
  {
    name: 'scale-up/same-idempotency-key-is-one-request',
    clause: '§2 scale-up: 202 or 409 ScaleUpRefused; one request per Idempotency-Key; count (v1.1)',
    run: async (ctx) => {
      const s = ctx.session;
      const i = s.id('i');
      await s.putInstance(i);
      const key = `conformance-${s.runId}-scale-up`;
      const body = { template: `conformance-${s.runId}`, reason: 'conformance kit: idempotency check', instanceIds: [i], count: 2 };
      const first = await s.api.scaleUp(body, { fencingToken: s.token, idempotencyKey: key });
      const firstVerdict = verdictOf(first, 'scale-up with a new Idempotency-Key and count 2');
      const second = await s.api.scaleUp(body, { fencingToken: s.token, idempotencyKey: key });
      const secondVerdict = verdictOf(second, 'the same scale-up sent again with the same Idempotency-Key');
      if (firstVerdict === 'accepted' && secondVerdict !== 'accepted') {
        throw new CheckFailure(`the same scale-up sent again with the same Idempotency-Key: expected 202 as the first answer, got ${describeReply(second)}`);
      }
      if (firstVerdict === 'refused') ctx.note(`the API refused the scale-up (409 ScaleUpRefused) for template ${body.template}: accepted by the contract`);
      if (firstVerdict === 'refused' && secondVerdict === 'accepted') ctx.note('the repeat was accepted after the first was refused');
      const otherSuccesses = new Set([first.status, second.status].filter((status) => status >= 200 && status <= 299 && status !== 202));
      for (const status of otherSuccesses) ctx.note(`scale-up answered ${status}; the contract's table names 202`);
      await countRequests(ctx, key, [first, second], secondVerdict === 'accepted' ? 1 : 0);
    },
  },
];
