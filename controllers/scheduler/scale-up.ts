// Scale-up requests (contract §2), off by default. For an instance that fits nowhere now and is in
// its timeslot window, the first template of scaleUp.templates whose empty worker it would fit is
// asked for, naming every waiting instance that would fit that worker (at most 100, sorted). A
// template is outstanding while a worker of it is PENDING, PROVISIONING or STARTING in the cache (its
// capacity is incoming), or for cooldownSeconds after the API's reply, whichever ends later; no new
// request for it meanwhile. An unknown outcome counts as a reply (the request may have been taken).
// Forecast requests (forecast-loop.ts) count here too: noteRequest() starts the same cooldown, and an
// accepted request of this planner is reported through onAccepted so the forecast counts its worker.
import type { Clock } from '../../pkg/clock';
import type { ScaleUpTemplate, SchedulerConfig } from '../../pkg/config';
import type { ControlPlaneClient } from '../../pkg/controlplane';
import { isCallAborted, isRetriable, isScaleUpRefused, isStaleFencingToken } from '../../pkg/controlplane';
import type { Term } from '../../pkg/leaderelection';
import type { LabletInstance, Worker, WorkerStatus } from '../../pkg/objects';
import { workerSchema } from '../../pkg/objects';
import type { Logger } from '../../pkg/observability';
import { NOOP_LOGGER } from '../../pkg/observability';
import type { Placer } from '../../pkg/placement';
import { Snapshot } from '../../pkg/placement';
import type { ScaleUpMetrics } from './metrics';
import { NOOP_SCALE_UP_METRICS } from './metrics';
import { callFailure } from './tracing';

const MAX_INSTANCE_IDS = 100;

export interface ScaleUpPlannerOptions {
  readonly client: Pick<ControlPlaneClient, 'requestScaleUp'>;
  readonly placer: () => Placer;
  readonly config: () => SchedulerConfig;
  /** True while a worker of the template is PENDING, PROVISIONING or STARTING in the cache. */
  readonly isIncoming: (template: string) => boolean;
  /** The instances now waiting as unschedulable and in their timeslot window. */
  readonly waiting: () => Iterable<LabletInstance>;
  /** Ends the term at once (StaleFencingToken). */
  readonly stepDown: () => void;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Default: no-op. */
  readonly metrics?: ScaleUpMetrics | undefined;
  /** Called when a request of this planner was accepted (one worker of the template coming). */
  readonly onAccepted?: ((template: string) => void) | undefined;
}

interface TemplateWorker {
  readonly template: ScaleUpTemplate;
  /** A snapshot holding one empty worker of the template. */
  readonly snapshot: Snapshot;
}

export class ScaleUpPlanner {
  private readonly repliedAtMs = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private templatesKey = '';
  private templates: readonly TemplateWorker[] = [];
  private readonly logger: Logger;
  private readonly metrics: ScaleUpMetrics;

  constructor(private readonly o: ScaleUpPlannerOptions) {
    this.logger = o.logger ?? NOOP_LOGGER;
    this.metrics = o.metrics ?? NOOP_SCALE_UP_METRICS;
  }

  /** Called after `instance` (ready, in its window) found no worker; sends a request when one is due. */
  async consider(instance: LabletInstance, term: Term): Promise<void> {
    const { scaleUp } = this.o.config();
    if (!scaleUp.enabled) return;
    const target = this.templateFor(instance);
    if (target === undefined || this.isOutstanding(target.template.name, scaleUp.cooldownSeconds)) return;
    const name = target.template.name;
    const ids = [...this.o.waiting()].filter((i) => this.fits(i, target)).map((i) => i.id);
    if (!ids.includes(instance.id)) ids.push(instance.id);
    const instanceIds = [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, MAX_INSTANCE_IDS);
    const reason = `${instanceIds.length} waiting instance(s) fit no worker now and would fit an empty ${name} worker`;
    this.inFlight.add(name);
    try {
      await this.o.client.requestScaleUp({ template: name, reason, instanceIds }, { fencingToken: term.token, signal: term.signal, term });
      this.logger.info('scale-up requested', { template: name, instances: instanceIds.length, fencingToken: term.token });
      this.metrics.requested('now', 'accepted');
      this.o.onAccepted?.(name);
    } catch (err: unknown) {
      if (isStaleFencingToken(err)) this.o.stepDown();
      else if (isScaleUpRefused(err) || isRetriable(err) || isCallAborted(err)) this.logger.warn('scale-up request not accepted', { template: name, err });
      else this.logger.error('scale-up request failed definitely', { template: name, ...callFailure(err), err }); // a human must look (§2)
      if (!isCallAborted(err)) this.metrics.requested('now', isScaleUpRefused(err) ? 'refused' : 'error');
    } finally {
      this.inFlight.delete(name);
      this.repliedAtMs.set(name, this.o.clock.monotonicNow());
    }
  }

  /** Another path (the forecast) asked for a worker of the template: no request of ours for it during the cooldown. */
  noteRequest(template: string): void {
    this.repliedAtMs.set(template, this.o.clock.monotonicNow());
  }

  /** True while a request of this planner for the template is on its way. */
  isSending(template: string): boolean {
    return this.inFlight.has(template);
  }

  private isOutstanding(template: string, cooldownSeconds: number): boolean {
    if (this.inFlight.has(template) || this.o.isIncoming(template)) return true;
    const replied = this.repliedAtMs.get(template);
    return replied !== undefined && this.o.clock.monotonicNow() - replied < cooldownSeconds * 1000;
  }

  private templateFor(instance: LabletInstance): TemplateWorker | undefined {
    return this.currentTemplates().find((t) => this.fits(instance, t));
  }

  private fits(instance: LabletInstance, target: TemplateWorker): boolean {
    return this.o.placer().place(instance, target.snapshot).result === 'scheduled';
  }

  private currentTemplates(): readonly TemplateWorker[] {
    const { templates } = this.o.config().scaleUp;
    const key = JSON.stringify(templates);
    if (key !== this.templatesKey) {
      this.templates = templates.map((template) => {
        const snapshot = new Snapshot();
        snapshot.upsertWorker(emptyWorkerOf(template));
        return { template, snapshot };
      });
      this.templatesKey = key;
    }
    return this.templates;
  }
}

/** A worker the template would add: RUNNING, empty, with the template's shape. */
export function emptyWorkerOf(template: ScaleUpTemplate, id = `template-${template.name}`): Worker {
  return workerSchema.parse(templateWorkerDocument(template, id, 'RUNNING'));
}

/** The JSON document (contract §1) of a worker of the template's shape. */
export function templateWorkerDocument(template: ScaleUpTemplate, id: string, status: WorkerStatus): Record<string, unknown> {
  return {
    id,
    status,
    license: template.license,
    cmlVersion: template.cmlVersion,
    nodeDefinitions: template.nodeDefinitions,
    capacity: template.capacity,
    template: template.name,
    region: template.region,
  };
}
