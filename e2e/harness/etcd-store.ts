// One real etcd and one store on it for a whole test file, started before its first test and
// stopped after its last. Jest-only (beforeAll/afterAll), so not exported from index.ts, which the
// benchmarks import.
import { EtcdStore } from '../../pkg/store';
import type { EtcdHandle } from './etcd';
import { startEtcd } from './etcd';

/** Registers beforeAll/afterAll for the file; `started` receives the etcd and the store once both run. */
export function useEtcdStore(started: (running: { readonly etcd: EtcdHandle; readonly store: EtcdStore }) => void): void {
  let etcd: EtcdHandle | undefined;
  let store: EtcdStore | undefined;
  beforeAll(async () => {
    etcd = await startEtcd();
    store = await EtcdStore.connect({ endpoints: etcd.endpoints });
    started({ etcd, store });
  });
  afterAll(async () => {
    await store?.close();
    await etcd?.destroy();
  });
}
