import { ReportThrottle, invalidSpecReport, timeslotMissedReport } from './unschedulable';

describe('ReportThrottle', () => {
  it.each([
    ['the first report', [], 'm1', 0, true],
    ['the same message again, much later', [['m1', 0]], 'm1', 600_000, false],
    ['a new message within the interval', [['m1', 0]], 'm2', 59_999, false],
    ['a new message once the interval passed', [['m1', 0]], 'm2', 60_000, true],
  ] as const)('sends %s: %s', (_situation, history, message, nowMs, expected) => {
    const throttle = new ReportThrottle();
    for (const [m, at] of history) throttle.recordSent('li-1', m, at);
    expect(throttle.shouldSend('li-1', message, nowMs, 60)).toBe(expected);
  });

  it('sends again after reset (a new term) and after forget', () => {
    const throttle = new ReportThrottle();
    throttle.recordSent('li-1', 'm', 0);
    throttle.recordSent('li-2', 'm', 0);
    throttle.reset();
    expect(throttle.shouldSend('li-1', 'm', 1, 60)).toBe(true);
    throttle.recordSent('li-1', 'm', 1);
    throttle.forget('li-1');
    expect(throttle.shouldSend('li-1', 'm', 2, 60)).toBe(true);
  });
});

describe('reports of the contract', () => {
  it('words a missed timeslot and an invalid spec as the contract does', () => {
    expect(timeslotMissedReport('2026-11-27T12:00:00Z', 1)).toEqual({ message: 'timeslot ended at 2026-11-27T12:00:00Z', reasons: { TimeslotMissed: 1 }, attempts: 1 });
    expect(invalidSpecReport('instance: requirements.cpuCores: must be >= 0', 2)).toEqual({
      message: 'invalid spec: instance: requirements.cpuCores: must be >= 0',
      reasons: { InvalidSpec: 1 },
      attempts: 2,
    });
  });
});
