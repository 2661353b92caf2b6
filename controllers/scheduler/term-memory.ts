// What the scheduler remembers about instances during one term (contract §2: a decision belongs to
// the term it was made in): placements assumed but not yet seen in the cache, the API's refusals,
// each instance's state (waiting, unschedulable, failed) and the reports already sent. One place
// lists them, so forgetting an instance or starting a term with an empty memory cannot miss one.
import type { Snapshot } from '../../pkg/placement';
import { AssumedPlacements } from './assumptions';
import { InstanceStates } from './instance-states';
import { ApiRejections } from './rejections';
import { ReportThrottle } from './unschedulable';

export class TermMemory {
  readonly assumptions: AssumedPlacements;
  readonly rejections = new ApiRejections();
  readonly states = new InstanceStates();
  readonly reports = new ReportThrottle();

  /** Assumptions are counted in snapshot's assumed layer until forgotten. */
  constructor(snapshot: Snapshot) {
    this.assumptions = new AssumedPlacements(snapshot);
  }

  /** The instance left the scheduler's hands (placed, deleted): forget everything about it. */
  forget(instanceId: string): void {
    this.assumptions.forget(instanceId);
    this.states.forget(instanceId);
    this.reports.forget(instanceId);
    this.rejections.forget(instanceId);
  }

  /** A term starts or ends: forget everything. */
  clear(): void {
    this.assumptions.clear();
    this.rejections.clear();
    this.states.clear();
    this.reports.reset();
  }
}
