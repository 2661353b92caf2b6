import { FakeClock } from '../clock';
import { EtcdReachability } from './reachability';

describe('EtcdReachability', () => {
  function setup(): { clock: FakeClock; probe: EtcdReachability; answers: Array<'ok' | 'fail' | 'hang'>; pings: number[]; changes: boolean[] } {
    const clock = new FakeClock(0);
    const answers: Array<'ok' | 'fail' | 'hang'> = [];
    const pings: number[] = [];
    const changes: boolean[] = [];
    const probe = new EtcdReachability({
      clock,
      intervalMs: 1_000,
      timeoutMs: 100,
      initialBackoffMs: 10,
      maxBackoffMs: 40,
      onChange: (r) => changes.push(r),
      ping: () => {
        pings.push(clock.monotonicNow());
        const answer = answers.shift() ?? 'ok';
        if (answer === 'ok') return Promise.resolve(1);
        if (answer === 'fail') return Promise.reject(new Error('connection refused'));
        return new Promise(() => undefined);
      },
    });
    return { clock, probe, answers, pings, changes };
  }

  it('is unreachable before the first answer, then reachable', async () => {
    const { probe, changes } = setup();
    expect(probe.isReachable()).toBe(false);
    await probe.probe();
    expect(probe.isReachable()).toBe(true);
    expect(changes).toEqual([true]);
    probe.stop();
  });

  it('backs off exponentially while failing, capped, then returns to the interval', async () => {
    const { clock, probe, answers, pings } = setup();
    answers.push('fail', 'fail', 'fail', 'fail', 'ok');
    probe.start();
    await clock.tick(10 + 20 + 40 + 40 + 1_000);
    expect(pings).toEqual([0, 10, 30, 70, 110, 1_110]);
    expect(probe.isReachable()).toBe(true);
    probe.stop();
  });

  it('counts a ping that hangs past the timeout as a failure, with the reason', async () => {
    const { clock, probe, answers, changes } = setup();
    answers.push('ok', 'hang');
    await probe.probe();
    const second = probe.probe();
    await clock.tick(100);
    expect(await second).toBe(false);
    expect(probe.detail()).toBe('no answer within 100 ms');
    expect(changes).toEqual([true, false]);
    probe.stop();
  });

  it('schedules nothing after stop', async () => {
    const { clock, probe, pings } = setup();
    await probe.probe();
    probe.stop();
    await clock.tick(10_000);
    expect(pings).toHaveLength(1);
  });

  it.each([
    ['refused credentials at error level, naming what to fix', 'EtcdAuthenticationFailedError', 'error', 'ETCD_PASSWORD_FILE'],
    ['a connection failure at warn level', 'Error', 'warn', 'etcd unreachable'],
    ['a refused client certificate at error level, naming what to check (issue 17)', 'Error', 'error', 'ETCD_CERT_FILE', '14 UNAVAILABLE: No connection established. Last error: SSL routines:ssl3_read_bytes:sslv3 alert bad certificate'],
  ])('logs %s', async (_situation, errorClass, level, expected, message = 'refused') => {
    const lines: Array<[string, string]> = [];
    const record = (lvl: string) => (message: string): void => { lines.push([lvl, message]); };
    const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error'), child: () => logger };
    const failing = class extends Error {};
    Object.defineProperty(failing, 'name', { value: errorClass });
    const probe = new EtcdReachability({ clock: new FakeClock(0), logger, ping: () => Promise.reject(new failing(message)) });
    await probe.probe();
    await probe.probe();
    probe.stop();
    expect(lines).toHaveLength(1); // logged once, on the first answer, not on every retry
    expect(lines[0]?.[0]).toBe(level);
    expect(lines[0]?.[1]).toContain(expected);
  });

  it('says a TLS failure once when it first shows, even after an uninformative first failure (issue 17)', async () => {
    const lines: Array<[string, string]> = [];
    const record = (lvl: string) => (message: string): void => { lines.push([lvl, message]); };
    const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error'), child: () => logger };
    const answers = ['Execution prevented because the circuit breaker is open', 'No connection established. Last error: SSL routines::certificate verify failed', 'No connection established. Last error: SSL routines::certificate verify failed'];
    const probe = new EtcdReachability({ clock: new FakeClock(0), logger, ping: () => Promise.reject(new Error(answers.shift() ?? 'none left')) });
    await probe.probe();
    await probe.probe();
    await probe.probe();
    probe.stop();
    expect(lines.map(([level, message]) => [level, message.split(':')[0]])).toEqual([['warn', 'etcd unreachable'], ['error', 'TLS to etcd failed']]);
  });

  it('refuses a first backoff above the cap', () => {
    expect(() => new EtcdReachability({ clock: new FakeClock(), ping: () => Promise.resolve(), initialBackoffMs: 5, maxBackoffMs: 1 })).toThrow('initialBackoffMs');
  });
});
