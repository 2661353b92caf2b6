import { FakeClock } from './fake-clock';

describe('FakeClock', () => {
  it('fires due timers in deadline order, each at its own instant', () => {
    const clock = new FakeClock(0);
    const seen: Array<[string, number]> = [];
    clock.setTimer(30, () => seen.push(['b', clock.monotonicNow()]));
    clock.setTimer(10, () => seen.push(['a', clock.monotonicNow()]));
    clock.setTimer(30, () => seen.push(['c', clock.monotonicNow()]));
    clock.step(29);
    expect(seen).toEqual([['a', 10]]);
    clock.step(1);
    expect(seen).toEqual([['a', 10], ['b', 30], ['c', 30]]);
  });

  it('does not fire a cancelled timer', () => {
    const clock = new FakeClock(0);
    let fired = false;
    clock.setTimer(5, () => { fired = true; }).cancel();
    clock.step(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fires a timer set by a firing timer when its deadline is within the step', () => {
    const clock = new FakeClock(0);
    const at: number[] = [];
    clock.setTimer(5, () => clock.setTimer(5, () => at.push(clock.monotonicNow())));
    clock.step(10);
    expect(at).toEqual([10]);
  });

  it('resolves sleep early when its signal aborts', async () => {
    const clock = new FakeClock(0);
    const abort = new AbortController();
    const slept = clock.sleep(1_000, abort.signal);
    abort.abort();
    await expect(slept).resolves.toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fires timers late after a pause, on the next step', () => {
    const clock = new FakeClock(0);
    const at: number[] = [];
    clock.setTimer(10, () => at.push(clock.monotonicNow()));
    clock.pause(50);
    expect(at).toEqual([]);
    clock.step(0);
    expect(at).toEqual([50]);
  });

  it('moves the wall clock with the monotonic one, and alone on a jump', () => {
    const clock = new FakeClock(1_000);
    clock.step(500);
    expect([clock.now(), clock.monotonicNow()]).toEqual([1_500, 500]);
    clock.jumpWall(-10_000);
    expect([clock.now(), clock.monotonicNow()]).toEqual([-8_500, 500]);
  });
});
