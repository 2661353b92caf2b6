import { DevApiFixture, eventually } from '../../dev/controlplane-api/testing';
import { FakeClock } from '../clock';
import { HttpControlPlaneClient } from '../controlplane';
import { RecordingClientLogger } from '../controlplane/testing';
import { aWorker, anInstance } from '../objects/testing';
import type { Tracing } from '../observability';
import { NOOP_TRACING } from '../observability';
import { InMemoryStore } from '../store';
import { ConfigHolder } from './holder';
import { applyLiveConfig } from './live';
import { parseConfig } from './load';
import { captureLogs } from './testing';

describe('applyLiveConfig', () => {
  it('turns debug lines on and off with logging.level, in child loggers too', async () => {
    const holder = new ConfigHolder(parseConfig('logging: {level: info}'));
    const logs = captureLogs('info');
    const client = { setLimits: jest.fn() };
    applyLiveConfig(holder, { logger: logs.logger, controlPlane: client });
    const child = logs.logger.child({ component: 'scheduler' });

    child.debug('before');
    holder.set(parseConfig('logging: {level: debug}'));
    child.debug('during');
    holder.set(parseConfig('logging: {level: warn}'));
    child.debug('after');
    child.info('after');
    child.warn('after');

    await eventually(() => logs.lines().length >= 2);
    expect(logs.lines().map((l) => `${l.level} ${l.message}`)).toEqual(['debug during', 'warn after']);
    expect(client.setLimits).not.toHaveBeenCalled();
  });

  describe('with the Control Plane client', () => {
    let f: DevApiFixture;
    let clock: FakeClock;
    let token: number;
    let rev: number;
    let client: HttpControlPlaneClient;
    let holder: ConfigHolder;
    let clientLog: RecordingClientLogger;
    let attempts: () => number;

    beforeEach(async () => {
      clock = new FakeClock();
      f = await DevApiFixture.start({ store: new InMemoryStore(), prefix: '/lcm' });
      token = await f.becomeLeader();
      await f.addWorker(aWorker('w-1').json());
      rev = await f.addInstance(anInstance('li-1').json());
      await f.addInstance(anInstance('li-2').json());
    });
    afterEach(async () => {
      client.close();
      await f.close();
    });

    /** The client built from the configuration as main.ts builds it, with the live wiring. */
    function start(yaml: string): void {
      holder = new ConfigHolder(parseConfig(yaml));
      const config = holder.current();
      clientLog = new RecordingClientLogger();
      // Each attempt opens its span before it sends anything: the count of attempts begun.
      let spans = 0;
      attempts = () => spans;
      const tracing: Tracing = {
        inSpan: (name, role, work) => NOOP_TRACING.inSpan(name, role, work),
        inSpanAsync: (name, role, work) => { spans += 1; return NOOP_TRACING.inSpanAsync(name, role, work); },
      };
      client = new HttpControlPlaneClient({
        baseUrl: f.api.url, schedulerId: 'scheduler-a', clock, random: () => 0, logger: clientLog, tracing,
        timeoutMs: config.controlPlane.timeoutMs, qps: config.controlPlane.qps, burst: config.controlPlane.burst, maxDelayMs: config.requeue.maxDelayMs,
      });
      applyLiveConfig(holder, { logger: { setLevel: () => undefined }, controlPlane: client });
    }
    const schedule = () => client.schedule('li-1', { workerId: 'w-1', instanceRevision: rev }, { fencingToken: token });
    const settled = (promise: Promise<unknown>): (() => boolean) => {
      let done = false;
      promise.then(() => { done = true; }, () => { done = true; });
      return () => done;
    };

    it('caps a Retry-After at the new requeue.maxDelayMs', async () => {
      start('');
      holder.set(parseConfig('requeue: {maxDelayMs: 700}'));
      f.api.faults.add({ route: 'schedule', kind: 'status503', retryAfterSeconds: 3_600, count: 1 });
      const call = schedule();
      await eventually(() => clientLog.lines.some((l) => l.includes('control plane call retried')));
      expect(clientLog.lines.join()).toContain('"delayMs":700');
      clock.step(700);
      await expect(call).resolves.toMatchObject({ phase: 'SCHEDULED' });
    });

    it('times an attempt out after the new controlPlane.timeoutMs', async () => {
      start('controlPlane: {timeoutMs: 60000}');
      holder.set(parseConfig('controlPlane: {timeoutMs: 1000}'));
      f.api.faults.add({ route: 'schedule', kind: 'hang', count: 1 });
      const call = schedule();
      const done = settled(call);
      await eventually(() => f.api.counts()['schedule']?.['fault hang before'] === 1);
      clock.step(999);
      // Parked on the clock again (the attempt's timeout still armed; had it fired, the retry's own
      // timeout, armed once that attempt began): only then is the count of attempts final.
      await eventually(() => clock.pendingTimers() === 1);
      expect(attempts()).toBe(1);
      expect(done()).toBe(false);
      clock.step(1);
      await eventually(done);
      await expect(call).resolves.toMatchObject({ phase: 'SCHEDULED' });
    });

    it('lets a call held by the old controlPlane.qps go at the new rate', async () => {
      start('controlPlane: {qps: 0.001, burst: 1}');
      const report = { message: 'm', reasons: {} };
      await client.reportUnschedulable('li-1', report, { fencingToken: token });
      const waiting = client.reportUnschedulable('li-2', report, { fencingToken: token });
      const done = settled(waiting);
      // Parked on the clock: the rate limiter's timer for the next token; had the call not waited, the
      // timer would be its attempt's timeout, armed once the attempt began (so counted by then).
      await eventually(() => clock.pendingTimers() === 1);
      expect(attempts()).toBe(1);
      clock.step(1);
      await eventually(() => clock.pendingTimers() === 1);
      expect(attempts()).toBe(1);
      expect(done()).toBe(false);
      holder.set(parseConfig('controlPlane: {qps: 1000, burst: 1}'));
      clock.step(1);
      await eventually(done);
      expect(f.api.counts()['unschedulable']).toBeDefined();
    });
  });
});
