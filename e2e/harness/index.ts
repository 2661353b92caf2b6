export type { EtcdHandle, StartEtcdOptions } from './etcd';
export { startEtcd } from './etcd';
export { NO_ETCD_MESSAGE } from './etcd-container';
export { uniquePrefix } from './prefix';
export type { WaitForOptions } from './wait-for';
export { waitFor } from './wait-for';
export type { TcpProxy } from './tcp-proxy';
export { startTcpProxy } from './tcp-proxy';
