// Kubernetes Events (core/v1) for what an operator should see in `kubectl describe pod` and
// `kubectl get events`: leadership changes and refused configuration (issue 10). Recorded only in a
// cluster (KUBERNETES_SERVICE_HOST set; the pod's service account), silent elsewhere. Recording never
// blocks or throws: each Event is sent in the background with a timeout on the Clock, at most
// maxInFlight at once (more are dropped), and a failure is logged at warn. The client library is
// loaded only in a cluster (it is large, and ESM-only: Node 20 loads it through import()).
import type { ConfigurationOptions, CoreV1Api, CoreV1Event, KubeConfig, Observable } from '@kubernetes/client-node';
import type { Clock } from '../clock';
import type { Logger } from '../observability';
import { NOOP_LOGGER } from '../observability';
import { settlesWithinMs } from '../wait';

export type EventType = 'Normal' | 'Warning';

/** The reasons this scheduler records, PascalCase as Kubernetes' own. */
export type EventReason = 'LeaderElected' | 'LeadershipLost' | 'ConfigRefused';

export interface SchedulerEvent {
  readonly type: EventType;
  readonly reason: EventReason;
  /** Human-readable; cut to 1,024 characters. */
  readonly message: string;
}

/** Where components report Events; NOOP_EVENT_RECORDER outside a cluster. */
export interface EventRecorder {
  /** Sends the Event in the background; returns at once and never throws. */
  record(event: SchedulerEvent): void;
  /** Resolves once the Events in flight have been sent or given up, or after boundMs (at shut-down). */
  flush(boundMs: number): Promise<void>;
}

export const NOOP_EVENT_RECORDER: EventRecorder = {
  record: () => undefined,
  flush: () => Promise.resolve(),
};

export interface KubernetesEventRecorderOptions {
  readonly kubeConfig: KubeConfig;
  /** The namespace the Events are created in (the pod's). */
  readonly namespace: string;
  /** The pod that the Events are about: SCHEDULER_ID, the pod's name from the downward API. */
  readonly podName: string;
  readonly clock: Clock;
  /** Default: no logging. */
  readonly logger?: Logger;
  /** source.component and reportingComponent; default `lablet-scheduler`. */
  readonly component?: string;
  /** Per Event, ms; default 5,000. */
  readonly timeoutMs?: number;
  /** Events sent at once; further ones are dropped (logged). Default 16. */
  readonly maxInFlight?: number;
}

const MAX_MESSAGE_LENGTH = 1_024;

export class KubernetesEventRecorder implements EventRecorder {
  private readonly logger: Logger;
  private readonly component: string;
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private readonly inFlight = new Set<Promise<void>>();
  private sequence = 0;

  private constructor(
    private readonly api: CoreV1Api,
    /** The library's own Observable, which its per-call middleware must return. */
    private readonly observable: typeof Observable,
    private readonly o: KubernetesEventRecorderOptions,
  ) {
    this.logger = o.logger ?? NOOP_LOGGER;
    this.component = o.component ?? 'lablet-scheduler';
    this.timeoutMs = o.timeoutMs ?? 5_000;
    this.maxInFlight = o.maxInFlight ?? 16;
  }

  /** Builds the recorder, loading the client library. */
  static async create(options: KubernetesEventRecorderOptions): Promise<KubernetesEventRecorder> {
    const k8s = await import('@kubernetes/client-node');
    return new KubernetesEventRecorder(options.kubeConfig.makeApiClient(k8s.CoreV1Api), k8s.Observable, options);
  }

  record(event: SchedulerEvent): void {
    if (this.inFlight.size >= this.maxInFlight) {
      this.logger.warn('kubernetes event dropped: too many in flight', { reason: event.reason, inFlight: this.inFlight.size });
      return;
    }
    const sending = this.send(event).catch((err: unknown) => {
      this.logger.warn('recording a kubernetes event failed', { reason: event.reason, err: describe(err) });
    });
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  async flush(boundMs: number): Promise<void> {
    await settlesWithinMs(Promise.all(this.inFlight), boundMs, this.o.clock);
  }

  private async send(event: SchedulerEvent): Promise<void> {
    const { namespace, podName, clock } = this.o;
    const now = clock.now();
    this.sequence += 1;
    const body: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      // As client-go names them: the object's name and a unique hex suffix.
      metadata: { name: `${podName}.${(BigInt(now) * 1_000_000n + BigInt(this.sequence)).toString(16)}`, namespace },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: podName, namespace },
      type: event.type,
      reason: event.reason,
      message: event.message.length > MAX_MESSAGE_LENGTH ? `${event.message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : event.message,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: podName,
      firstTimestamp: new Date(now),
      lastTimestamp: new Date(now),
      count: 1,
    };
    const timeout = new AbortController();
    const timer = clock.setTimer(this.timeoutMs, () => timeout.abort());
    const Wrap = this.observable;
    const options: ConfigurationOptions = {
      // Per call, after the configured middleware (authentication): the timeout's signal.
      middleware: [{ pre: (request) => { request.setSignal(timeout.signal); return new Wrap(Promise.resolve(request)); }, post: (response) => new Wrap(Promise.resolve(response)) }],
      middlewareMergeStrategy: 'append',
    };
    try {
      await this.api.createNamespacedEvent({ namespace, body }, options);
    } finally {
      timer.cancel();
    }
  }
}

export interface InClusterOptions extends Omit<KubernetesEventRecorderOptions, 'kubeConfig' | 'namespace'> {
  /** Prefixed to the service-account paths (/var/run/secrets/kubernetes.io/serviceaccount/...); tests only. */
  readonly serviceAccountRoot?: string;
}

/**
 * The recorder for this process: in a cluster (KUBERNETES_SERVICE_HOST set in env) one that uses the
 * pod's service account and namespace; otherwise, or when that cannot be set up (logged at warn),
 * NOOP_EVENT_RECORDER. Never rejects. (The client library reads the API server's address from
 * process.env itself: env decides only whether to try.)
 */
export async function eventRecorderFor(env: NodeJS.ProcessEnv, options: InClusterOptions): Promise<EventRecorder> {
  if ((env['KUBERNETES_SERVICE_HOST'] ?? '') === '') return NOOP_EVENT_RECORDER;
  const logger = options.logger ?? NOOP_LOGGER;
  try {
    const k8s = await import('@kubernetes/client-node');
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromCluster(options.serviceAccountRoot);
    const namespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace?.trim();
    if (namespace === undefined || namespace === '') {
      logger.warn('kubernetes events off: the service account names no namespace');
      return NOOP_EVENT_RECORDER;
    }
    return await KubernetesEventRecorder.create({ ...options, kubeConfig, namespace });
  } catch (err: unknown) {
    logger.warn('kubernetes events off: cannot set up the in-cluster client', { err: describe(err) });
    return NOOP_EVENT_RECORDER;
  }
}

/** The client's errors carry the whole response (headers included); log only what helps. */
function describe(err: unknown): { name: string; message: string; code?: number } {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message.split('\n')[0] ?? err.message, ...(typeof code === 'number' ? { code } : {}) };
}
