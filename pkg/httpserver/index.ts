export type { HttpReply, RouteHandler, HttpServerOptions } from './server';
export { HttpServer } from './server';
export type { CheckResult } from './health';
export { HealthChecks, EventLoopCheck } from './health';
