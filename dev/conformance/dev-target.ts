// The development Control Plane API as the API under test: started on the given etcd under a fresh
// scratch prefix (`/conformance-<hex>`) with a fresh key, so a run shares nothing with anything
// else in that etcd. It lets the kit count what it recorded (scale-ups per Idempotency-Key).
import { randomBytes } from 'node:crypto';
import type { Store } from '../../pkg/store';
import { start } from '../controlplane-api';
import type { DevControlPlaneOptions } from '../controlplane-api';
import type { ConformanceTarget } from './session';

export interface DevApiTarget {
  readonly target: ConformanceTarget;
  close(): Promise<void>;
}

/** Options passed through to the development API's start() (prefix, key and store are the kit's). */
export type DevApiTargetOptions = Omit<DevControlPlaneOptions, 'store' | 'prefix' | 'apiKey'>;

export async function startDevApiTarget(store: Store, options: DevApiTargetOptions = {}): Promise<DevApiTarget> {
  const prefix = `/conformance-${randomBytes(6).toString('hex')}`;
  const apiKey = randomBytes(16).toString('hex');
  const api = await start({ ...options, store, prefix, apiKey });
  return {
    target: {
      url: api.url,
      apiKey,
      store,
      prefix,
      observer: {
        scaleUpRequests: async (key) => (await api.reports.scaleUps()).filter((r) => r.idempotencyKey === key).length,
      },
    },
    close: () => api.close(),
  };
}
