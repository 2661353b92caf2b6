// The Control Plane API client (contract §2) and the bodies it shares with the development API.
export type { ApiKeySource, FileApiKeyOptions, KeyFileSystem } from './api-key';
export { FileApiKey, StaticApiKey } from './api-key';
export type {
  ErrorAnswer, InstanceConflictAnswer, NotFoundAnswer, NotFoundReason, PlacementConflictReason, ScaleUpAccepted,
  ScaleUpConflictAnswer, ScaleUpRequest, ScheduleAccepted, ScheduleRequest, UnschedulableRecorded, UnschedulableRequest,
} from './bodies';
export {
  ErrorAnswerSchema, InstanceConflictAnswerSchema, MAX_SCALE_UP_INSTANCE_IDS, NOT_FOUND_REASONS,
  NotFoundAnswerSchema, PLACEMENT_CONFLICT_REASONS, ScaleUpAcceptedSchema, ScaleUpConflictAnswerSchema,
  ScaleUpRequestSchema, ScheduleAcceptedSchema, ScheduleRequestSchema, UnschedulableRecordedSchema, UnschedulableRequestSchema,
  compareBytes, describeIssues,
} from './bodies';
export type { CallOptions, ControlPlaneClient, CurrentTerm, FencingToken, ScaleUpCallOptions } from './client';
export type { AttemptError, CallSite, ControlPlaneErrorCode, InstanceState, RouteName, RouteTemplate } from './errors';
export {
  CallAbortedError, ControlPlaneError, InvalidRequestError, NotFoundError, OutcomeUnknownError,
  PlacementConflictError, ROUTE_TEMPLATES, ScaleUpRefusedError, ServerBusyError, StaleFencingTokenError, TransportError,
  UnauthorizedError, UnexpectedResponseError, isCallAborted, isControlPlaneError, isInvalidRequest, isNotFound,
  isOutcomeUnknown, isPlacementConflict, isRetriable, isScaleUpRefused, isStaleFencingToken, isUnauthorized,
} from './errors';
export type { HttpControlPlaneClientOptions, LiveLimits } from './client-options';
export { HttpControlPlaneClient } from './http-client';
export type { ClientLogger, ClientMetrics, RequestRecord } from './metrics';
export { NoopClientMetrics } from './metrics';
export type { RateLimits } from './rate-limiter';
