// What the client tells observability: one record per attempt, labelled by route template (never an
// id) and status code, for http_client_request_duration_seconds{http_route,http_response_status_code}
// (contract §4). The default does nothing, so call sites never test for presence.
import type { Logger } from '../observability';
import type { RouteTemplate } from './errors';

export interface RequestRecord {
  readonly method: 'POST';
  readonly route: RouteTemplate;
  /** The answer's status; undefined when none came (timeout, connection error, abort). */
  readonly statusCode: number | undefined;
  /** Set when no answer came: 'Timeout', 'Aborted' or the connection error's code. */
  readonly errorType: string | undefined;
  readonly durationSeconds: number;
}

export interface ClientMetrics {
  recordRequest(record: RequestRecord): void;
}

export class NoopClientMetrics implements ClientMetrics {
  recordRequest(): void {}
}

/** The log calls the client makes (data in fields; never a header value). */
export type ClientLogger = Pick<Logger, 'debug' | 'warn' | 'error'>;
