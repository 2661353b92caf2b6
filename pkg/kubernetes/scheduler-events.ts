// The Events this scheduler records (issue 10), worded once: a leadership change, and a refused
// ConfigMap with every problem listed, so `kubectl describe pod` tells an operator what to fix.
import type { ConfigIssue } from '../config';
import type { SchedulerEvent } from './events';

/** A term that started or ended; `reason` is the elector's StepDownReason when it ended. */
export interface LeadershipTransition {
  readonly isLeader: boolean;
  readonly fencingToken: number;
  readonly reason?: string;
}

export function leadershipEvent(schedulerId: string, change: LeadershipTransition): SchedulerEvent {
  if (change.isLeader) {
    return { type: 'Normal', reason: 'LeaderElected', message: `${schedulerId} became leader (fencing token ${change.fencingToken})` };
  }
  const reason = change.reason ?? 'unknown';
  // Shutting down is routine; any other end of a term is worth an operator's look.
  return {
    type: reason === 'shutdown' ? 'Normal' : 'Warning',
    reason: 'LeadershipLost',
    message: `${schedulerId} stopped leading: ${reason} (fencing token ${change.fencingToken})`,
  };
}

export function configRefusedEvent(refused: { readonly source: string; readonly issues: readonly ConfigIssue[] }): SchedulerEvent {
  const problems = refused.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return { type: 'Warning', reason: 'ConfigRefused', message: `${refused.source} refused; keeping the last good configuration: ${problems}` };
}
