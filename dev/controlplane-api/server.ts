// The development Control Plane API: a real HTTP server (node:http) over a Store that speaks the
// contract's three calls with their exact checks and answers, plus /dev/ endpoints and fault knobs
// for tests and the demo. Never part of the service (main.ts does not import it). Every API call is
// counted by route and answer; close() stops listening, cuts every connection (hung ones too),
// releases held requests and waits for the calls in flight.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../pkg/clock';
import { SystemClock } from '../../pkg/clock';
import type { ScaleUpTemplate } from '../../pkg/config';
import { DEFAULT_PREFIX, normalizePrefix } from '../../pkg/objects';
import type { Store } from '../../pkg/store';
import { devRoot } from './allocation';
import type { AnswerMode, ApiAnswer } from './answers';
import { failure, inMode } from './answers';
import { handleApiCall, invalid, isAuthorized, matchApiRoute } from './api-routes';
import type { DevState } from './dev-routes';
import { handleDevCall } from './dev-routes';
import { FaultKnobs } from './faults';
import type { ApiRoute } from './faults';
import { BodyTooLargeError, playFault, readBody, send } from './http-io';
import { DevObjects } from './objects';
import { ReportBook } from './reports';
import type { ScaleUpAnswer } from './reports';
import { ScheduleCommitter } from './schedule';
import { WorkerBooter } from './worker-boot';

export interface DevControlPlaneOptions {
  readonly store: Store;
  /** PREFIX of contract §1. Default "/lcm". */
  readonly prefix?: string;
  /** TCP port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Default "127.0.0.1". */
  readonly host?: string;
  /** When set, every call must carry it as X-API-Key (else 401). Default: none. */
  readonly apiKey?: string;
  /** Recompute allocations from the instances in etcd at start. Default true. */
  readonly rebuildAllocations?: boolean;
  /** How scale-up requests are answered. Default 'accept'. */
  readonly scaleUpAnswer?: ScaleUpAnswer;
  /** How much the API calls' answers say (answers.ts). Default 'full'. */
  readonly answers?: AnswerMode;
  /**
   * The scheduler's scaleUp.templates: when given, an accepted scale-up boots `count` workers of its
   * template (worker-boot.ts) and an unknown template is refused. Default: none (requests are only recorded).
   */
  readonly templates?: () => readonly ScaleUpTemplate[];
  /** Drives the workers' boot. Default: the system clock. */
  readonly clock?: Clock;
}

export interface DevControlPlaneApi extends DevState {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function start(options: DevControlPlaneOptions): Promise<DevControlPlaneApi> {
  const prefix = normalizePrefix(options.prefix ?? DEFAULT_PREFIX);
  const root = devRoot(prefix);
  const { store, apiKey } = options;
  const faults = new FaultKnobs();
  const objects = new DevObjects(store, prefix, root);
  const booter = options.templates === undefined ? undefined : new WorkerBooter(store, prefix, options.clock ?? new SystemClock(), options.templates);
  const reports = new ReportBook(store, prefix, root, booter);
  const committer = new ScheduleCommitter(store, prefix, root, faults);
  let scaleUpAnswer: ScaleUpAnswer = options.scaleUpAnswer ?? 'accept';
  let answerMode: AnswerMode = options.answers ?? 'full';
  const counters = new Map<string, Map<string, number>>();
  const inFlight = new Set<Promise<void>>();
  if (options.rebuildAllocations ?? true) await objects.rebuildAllocations();

  const count = (route: string, label: string): void => {
    const byAnswer = counters.get(route) ?? new Map<string, number>();
    byAnswer.set(label, (byAnswer.get(label) ?? 0) + 1);
    counters.set(route, byAnswer);
  };
  const state: DevState = {
    objects,
    reports,
    faults,
    counts: () => Object.fromEntries([...counters].map(([route, byAnswer]) => [route, Object.fromEntries(byAnswer)])),
    resetCounts: () => counters.clear(),
    setScaleUpAnswer: (answer) => { scaleUpAnswer = answer; },
    setAnswerMode: (mode) => { answerMode = mode; },
  };
  const handlers = { apiKey, committer, reports, scaleUpAnswer: () => scaleUpAnswer };

  const serveApi = async (route: ApiRoute, instanceId: string | undefined, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const fault = faults.pick(route);
    if (fault?.when === 'before') {
      count(route, playFault(fault, res));
      return;
    }
    const answer = await handleApiCall({ route, instanceId, headers: req.headers, body }, handlers);
    if (fault !== undefined) {
      count(route, playFault(fault, res));
      return;
    }
    count(route, answer.label);
    send(res, inMode(answerMode, answer));
  };

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    let api: ReturnType<typeof matchApiRoute>;
    try {
      api = matchApiRoute(path);
    } catch {
      send(res, invalid(['path: bad %-encoding']));
      return;
    }
    if (api !== undefined && method === 'POST') {
      await serveApi(api.route, api.instanceId, req, res);
      return;
    }
    if (path.startsWith('/dev/')) {
      const body = await readBody(req);
      const answer: ApiAnswer | undefined = isAuthorized(apiKey, req.headers['x-api-key'])
        ? await handleDevCall(state, method, path, body)
        : failure(401, 'Unauthorized');
      send(res, answer ?? failure(404, 'RouteNotFound'));
      return;
    }
    send(res, failure(api === undefined ? 404 : 405, api === undefined ? 'RouteNotFound' : 'MethodNotAllowed'));
  };

  const server = http.createServer((req, res) => {
    const done = serve(req, res).catch((err: unknown) => {
      send(res, err instanceof BodyTooLargeError ? failure(413, 'BodyTooLarge') : failure(500, 'InternalError', err instanceof Error ? err.message : String(err)));
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    ...state,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        faults.clear();
        await Promise.allSettled([...inFlight]);
        await booter?.close();
        await closed;
      })();
      return closing;
    },
  };
}
