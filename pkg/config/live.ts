// The keys that components hold a copy of, pushed to them when the configuration changes (issue 10):
// logging.level to the logger, controlPlane.* and requeue.maxDelayMs to the Control Plane client.
// Every other key is read at each use (placement, timeslot, reports, requeue delays via the
// scheduler's own listener) or when a term starts (leaderElection.leaseTtlSeconds, reconcile.workers).
import type { ConfigHolder } from './holder';
import type { SchedulerConfig } from './schema';

export interface LiveConfigTargets {
  /** WinstonLogger fits. */
  readonly logger: { setLevel(level: SchedulerConfig['logging']['level']): void };
  /** HttpControlPlaneClient fits; called with all four values whenever one of them changed. */
  readonly controlPlane: {
    setLimits(limits: { readonly qps: number; readonly burst: number; readonly timeoutMs: number; readonly maxDelayMs: number }): void;
  };
}

/** Registers the listener that pushes each change to its target; call once, at start. */
export function applyLiveConfig(holder: ConfigHolder, targets: LiveConfigTargets): void {
  holder.onChange((previous, next) => {
    if (previous.logging.level !== next.logging.level) targets.logger.setLevel(next.logging.level);
    const limits = clientLimits(next);
    if (JSON.stringify(clientLimits(previous)) !== JSON.stringify(limits)) targets.controlPlane.setLimits(limits);
  });
}

function clientLimits(config: SchedulerConfig): { qps: number; burst: number; timeoutMs: number; maxDelayMs: number } {
  return { ...config.controlPlane, maxDelayMs: config.requeue.maxDelayMs };
}
