export type { DelayingQueueOptions, WaitKind } from './delaying-queue';
export { DEFAULT_MAX_WAIT_MS, DelayingQueue } from './delaying-queue';
export type { QueueMetrics, QueueSnapshot } from './metrics';
export { NoopQueueMetrics } from './metrics';
export type { KeyOrder, WorkQueueOptions } from './queue';
export { WorkQueue } from './queue';
export type { BackoffDelays, ControllerRateLimiterOptions, RateLimiter, TokenBucketOptions } from './rate-limiters';
export {
  ControllerRateLimiter,
  DEFAULT_BASE_DELAY_MS,
  DEFAULT_MAX_DELAY_MS,
  ExponentialRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
} from './rate-limiters';
export type { RateLimitingQueueOptions } from './rate-limiting-queue';
export { RateLimitingQueue } from './rate-limiting-queue';
