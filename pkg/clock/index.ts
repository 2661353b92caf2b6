export type { Clock, Timer } from './clock';
export { SystemClock, sleepOn } from './clock';
export { FakeClock, flushMicrotasks } from './fake-clock';
