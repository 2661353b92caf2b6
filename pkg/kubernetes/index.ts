// Kubernetes integration (issue 10): Events for leadership changes and refused configuration.
export type { EventReason, EventRecorder, EventType, InClusterOptions, KubernetesEventRecorderOptions, SchedulerEvent } from './events';
export { eventRecorderFor, KubernetesEventRecorder, NOOP_EVENT_RECORDER } from './events';
export type { LeadershipTransition } from './scheduler-events';
export { configRefusedEvent, leadershipEvent } from './scheduler-events';
