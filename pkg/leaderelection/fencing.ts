// A term's AbortSignal that checks the term's renew deadline whenever it is read (issue 9; contract
// §1: the leader stops writing once two thirds of the TTL have passed since the last renewal known to
// succeed, checked synchronously before every send). After a pause (SIGSTOP, a long GC) timers fire
// late and in their own order, so a retry's timer may run before the elector's deadline timer; a
// writer that tests `signal.aborted` before each send, as the Control Plane client does before every
// attempt, retries included, thereby checks the deadline at that very moment.

/**
 * Makes reading signal.aborted (and signal.throwIfAborted()) first call check(), synchronously, while
 * the signal is not aborted yet; check() aborts the signal's controller when the term is over.
 * Listeners, reason and the platform's own checks are untouched.
 */
export function checkOnRead(signal: AbortSignal, check: () => void): AbortSignal {
  const platform = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted');
  if (platform?.get === undefined) throw new Error('AbortSignal.prototype.aborted is not a getter on this platform');
  const isAborted = (): boolean => platform.get?.call(signal) === true;
  const read = (): boolean => {
    if (!isAborted()) check();
    return isAborted();
  };
  Object.defineProperty(signal, 'aborted', { configurable: true, enumerable: true, get: read });
  Object.defineProperty(signal, 'throwIfAborted', {
    configurable: true,
    value: (): void => {
      if (read()) throw signal.reason;
    },
  });
  return signal;
}
