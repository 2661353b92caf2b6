import { FakeClock } from '../clock';
import type { LeaseId } from '../store';
import { InMemoryStore } from '../store';
import type { StepDownReason, Term } from './elector';
import { LeaderElector } from './elector';
import type { LockStore } from './lease-lock';
import { EtcdLeaseLock } from './lease-lock';

const KEY = '/lcm/scheduler/leader';
const TTL_SECONDS = 3;

/** The store as one replica reaches it: renewals can be cut (a network partition to etcd). */
class Link implements LockStore {
  renewalsFail = false;
  renewalsSent = 0;
  /** While set, lease grants wait for it (a slow etcd). */
  grantGate: Promise<void> | undefined;
  constructor(private readonly store: InMemoryStore) {}
  async grantLease(ttl: number): Promise<LeaseId> {
    await this.grantGate;
    return this.store.grantLease(ttl);
  }
  revokeLease(id: LeaseId): Promise<void> { return this.store.revokeLease(id); }
  txn(...args: Parameters<InMemoryStore['txn']>): ReturnType<InMemoryStore['txn']> { return this.store.txn(...args); }
  keepAliveOnce(id: LeaseId): Promise<number> {
    this.renewalsSent += 1;
    return this.renewalsFail ? Promise.reject(new Error('connection refused')) : this.store.keepAliveOnce(id);
  }
}

interface Replica {
  elector: LeaderElector;
  link: Link;
  started: Term[];
  stopped: Array<[number, StepDownReason]>;
}

function replica(store: InMemoryStore, clock: FakeClock, identity: string): Replica {
  const link = new Link(store);
  const started: Term[] = [];
  const stopped: Array<[number, StepDownReason]> = [];
  const elector = new LeaderElector({
    lock: new EtcdLeaseLock(link, KEY, identity),
    clock,
    leaseTtlSeconds: () => TTL_SECONDS,
    onStartedLeading: (term) => started.push(term),
    onStoppedLeading: (term, reason) => stopped.push([term.token, reason]),
  });
  return { elector, link, started, stopped };
}

function setup(): { clock: FakeClock; store: InMemoryStore } {
  const clock = new FakeClock(0);
  return { clock, store: new InMemoryStore({ clock }) };
}

/** One replica, leading on its first term. */
async function leading(): Promise<{ clock: FakeClock; a: Replica; term: Term | undefined }> {
  const { clock, store } = setup();
  const a = replica(store, clock, 'a');
  a.elector.start();
  await clock.tick(0);
  return { clock, a, term: a.elector.currentTerm() };
}

describe('LeaderElector', () => {
  it('elects exactly one of two replicas, writing its identity on its lease', async () => {
    const { clock, store } = setup();
    const a = replica(store, clock, 'a');
    const b = replica(store, clock, 'b');
    a.elector.start();
    b.elector.start();
    await clock.tick(0);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    const leader = a.elector.isLeader() ? a : b;
    const kv = await store.get(KEY);
    expect(kv?.value.toString('utf8')).toBe(leader === a ? 'a' : 'b');
    expect(kv?.leaseId).toBe(leader.started[0]?.leaseId);
    expect(leader.started[0]?.token).toBe(kv?.createRevision);
  });

  it('keeps its term across many TTLs while renewals succeed', async () => {
    const { clock, store } = setup();
    const a = replica(store, clock, 'a');
    a.elector.start();
    await clock.tick(0);
    const token = a.elector.currentTerm()?.token;
    for (let i = 0; i < 10; i++) await clock.tick(1_000);
    expect(a.elector.currentTerm()?.token).toBe(token);
    expect(a.stopped).toEqual([]);
  });

  it('stops leading by itself once two thirds of the TTL pass without a successful renewal', async () => {
    const { clock, store } = setup();
    const a = replica(store, clock, 'a');
    a.elector.start();
    await clock.tick(0);
    a.link.renewalsFail = true;
    await clock.tick(1_999);
    expect(a.elector.isLeader()).toBe(true);
    await clock.tick(1);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped.map(([, r]) => r)).toEqual(['renewDeadline']);
  });

  it('refuses a write after a pause longer than the deadline, before any timer has fired', async () => {
    const { clock, a, term } = await leading();
    clock.pause(2_500);
    expect(a.elector.currentTerm()).toBeUndefined();
    expect(term?.signal.aborted).toBe(true);
    expect(term?.signal.reason).toBe('renewDeadline');
  });

  it('answers isCurrent() false after a pause past the deadline, before any timer has fired, ending the term (issue 9)', async () => {
    const { clock, a, term } = await leading();
    clock.pause(1_999);
    expect([term?.isCurrent(), term?.signal.aborted]).toEqual([true, false]);
    clock.pause(1);
    // A writer's own check (the client's before each attempt, retries included) is a deadline check.
    expect(term?.isCurrent()).toBe(false);
    expect([term?.signal.aborted, term?.signal.reason]).toEqual([true, 'renewDeadline']);
    expect(a.stopped).toEqual([[term?.token, 'renewDeadline']]);
  });

  it('answers isCurrent() false for a term that ended otherwise, and true for the next term only on it', async () => {
    const { clock, a, term: first } = await leading();
    a.elector.stepDown('staleFencingToken');
    await clock.tick(5_000);
    const second = a.elector.currentTerm();
    expect(second?.token).toBeGreaterThan(first?.token ?? Number.POSITIVE_INFINITY);
    expect([first?.isCurrent(), second?.isCurrent()]).toEqual([false, true]);
    // Reading the signal is only a read: it never ends a term by itself.
    clock.pause(2_000);
    expect(second?.signal.aborted).toBe(false);
    expect(second?.isCurrent()).toBe(false);
  });

  it('sends no renewal whose timer fires late, past the deadline, and never resumes that term (issue 9)', async () => {
    const { clock, store } = setup();
    const a = replica(store, clock, 'a');
    a.elector.start();
    await clock.tick(0);
    const token = a.elector.currentTerm()?.token;
    await clock.tick(1_000);
    const sent = a.link.renewalsSent;
    expect(sent).toBe(1);
    clock.pause(2_500); // SIGSTOP: the renewal timer (due first) and the deadline timer fire late
    await clock.tick(0);
    expect(a.link.renewalsSent).toBe(sent);
    expect(a.stopped).toEqual([[token, 'renewDeadline']]);
    await clock.tick(10_000); // it may lead again, only in a new term with a higher token
    expect(a.started[0]?.token).toBe(token);
    expect(a.started.slice(1).every((t) => t.token > (token ?? Infinity))).toBe(true);
  });

  it('waits on resign for a campaign in flight, revoking the lease it won (issue 9)', async () => {
    const { clock, store } = setup();
    const a = replica(store, clock, 'a');
    let openGate = (): void => undefined;
    a.link.grantGate = new Promise((resolve) => { openGate = resolve; });
    a.elector.start();
    let resigned = false;
    const resigning = a.elector.resign().then(() => { resigned = true; });
    await clock.tick(0);
    expect(resigned).toBe(false);
    openGate();
    await resigning;
    expect(await store.get(KEY)).toBeUndefined();
    expect(a.started).toEqual([]);
  });

  it('hands over to a standby with a higher token when the leader resigns, revoking its lease', async () => {
    const { clock, store } = setup();
    const a = replica(store, clock, 'a');
    a.elector.start();
    await clock.tick(0);
    const b = replica(store, clock, 'b');
    b.elector.start();
    await clock.tick(0);
    expect(b.elector.isLeader()).toBe(false);
    const first = a.elector.currentTerm();
    await a.elector.resign();
    expect(await store.get(KEY)).toBeUndefined();
    b.elector.observeLeaderKey(undefined, await store.currentRevision());
    await clock.tick(0);
    const second = b.elector.currentTerm();
    expect(second).toBeDefined();
    expect(second?.token ?? 0).toBeGreaterThan(first?.token ?? Infinity);
    expect(a.stopped).toEqual([[first?.token, 'shutdown']]);
  });

  it('lets a standby take over once a dead leader lease expires, never resuming the old term', async () => {
    const { clock, store } = setup();
    const a = replica(store, clock, 'a');
    const b = replica(store, clock, 'b');
    a.elector.start();
    await clock.tick(0);
    b.elector.start();
    a.link.renewalsFail = true; // a is cut off from etcd
    await clock.tick(3_000); // the lease expires in etcd; b's retry timer campaigns
    await clock.tick(1_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(b.elector.isLeader()).toBe(true);
    a.link.renewalsFail = false;
    await clock.tick(2_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.started).toHaveLength(1);
  });

  it('does not confuse two replicas with the same identity: ownership is the lease', async () => {
    const { clock, store } = setup();
    const first = replica(store, clock, 'same');
    const second = replica(store, clock, 'same');
    first.elector.start();
    await clock.tick(0);
    second.elector.start();
    await clock.tick(5_000);
    expect(first.elector.isLeader()).toBe(true);
    expect(second.elector.isLeader()).toBe(false);
    expect(second.started).toEqual([]);
  });

  it('steps down when the lease is gone', async () => {
    const { clock, store } = setup();
    const a = replica(store, clock, 'a');
    a.elector.start();
    await clock.tick(0);
    const term = a.elector.currentTerm();
    await store.revokeLease(term?.leaseId ?? '');
    await clock.tick(1_000);
    expect(a.stopped).toEqual([[term?.token, 'leaseLost']]);
  });

  it.each([
    ['the key is gone at a revision after the token', true, (t: number) => [undefined, t + 1] as const],
    ['another term holds the key', true, (t: number) => [t + 5, t + 5] as const],
    ['the cache has not reached the token yet', false, (t: number) => [t - 3, t - 1] as const],
    ['the cache shows its own key', false, (t: number) => [t, t] as const],
  ])('on the cache saying %s, steps down: %s', async (_situation, expectStepDown, observed) => {
    const { clock, store } = setup();
    const a = replica(store, clock, 'a');
    a.elector.start();
    await clock.tick(0);
    const token = a.elector.currentTerm()?.token ?? 0;
    const [createRevision, cacheRevision] = observed(token);
    a.elector.observeLeaderKey(createRevision, cacheRevision);
    expect(a.elector.isLeader()).toBe(!expectStepDown);
    if (expectStepDown) expect(a.stopped).toEqual([[token, 'keyLost']]);
  });
});
