import { checkOnRead } from './fencing';

describe('checkOnRead', () => {
  it('runs the check on each read while the signal is not aborted, and no more once it is', () => {
    const controller = new AbortController();
    let checks = 0;
    let over = false;
    const signal = checkOnRead(controller.signal, () => {
      checks += 1;
      if (over) controller.abort('renewDeadline');
    });
    expect(signal.aborted).toBe(false);
    expect(signal.aborted).toBe(false);
    expect(checks).toBe(2);
    over = true;
    expect(signal.aborted).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(checks).toBe(3);
    expect(signal.reason).toBe('renewDeadline');
  });

  it('fires abort listeners once when a read ends the term, and throwIfAborted throws the reason', () => {
    const controller = new AbortController();
    const signal = checkOnRead(controller.signal, () => controller.abort('renewDeadline'));
    let fired = 0;
    signal.addEventListener('abort', () => { fired += 1; });
    expect(() => signal.throwIfAborted()).toThrow('renewDeadline');
    expect(signal.aborted).toBe(true);
    expect(fired).toBe(1);
  });

  it('leaves a signal alone whose check finds the term still valid', () => {
    const controller = new AbortController();
    const signal = checkOnRead(controller.signal, () => undefined);
    expect(() => signal.throwIfAborted()).not.toThrow();
    controller.abort('shutdown');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('shutdown');
  });
});
