export type { HttpReply, RouteHandler, HttpServerOptions } from './server';
export { HttpServer } from './server';
export type { CheckResult, DelayHistogram } from './health';
export { HealthChecks, EventLoopCheck } from './health';
