// Filter ApiRejection (contract §2): after InsufficientCapacity or WorkerNotAvailable the worker is not
// offered to that instance again until either one's revision changes. The caller tracks that and
// passes the refused worker ids with each decision; this filter only reads them.
import type { WorkerFilterPlugin } from '../framework';
import type { PluginFactory } from '../registry';
import { workerFilter } from '../framework';
import type { FilterPluginName, FilterReason } from '../names';

export const API_REJECTION = 'ApiRejection' satisfies FilterPluginName;
export const API_REJECTION_REASONS = ['RejectedByApi'] as const satisfies readonly FilterReason[];

/** True when the API refused this worker for the instance being placed. */
export function rejectedByApi(workerId: string, rejectedWorkerIds: ReadonlySet<string>): boolean {
  return rejectedWorkerIds.size > 0 && rejectedWorkerIds.has(workerId);
}

/** Filter ApiRejection. */
export function apiRejectionFilter(): WorkerFilterPlugin {
  return workerFilter(
    API_REJECTION,
    'RejectedByApi',
    (request, workers, at) => !rejectedByApi(workers.worker(at).id, request.rejectedWorkerIds),
    (request) => request.rejectedWorkerIds.size > 0,
    'request',
  );
}

export const apiRejection: PluginFactory = { kind: 'filter', name: API_REJECTION, make: apiRejectionFilter };
