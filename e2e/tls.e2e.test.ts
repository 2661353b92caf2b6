// TLS everywhere (issue 17; contract §4): etcd serves https and asks every client for a certificate
// signed by its CA (--client-cert-auth), with auth on so that it takes the certificate's CN as the
// user, and the Control Plane API is reached over https through a TLS-terminating proxy whose
// certificate comes from a second CA. The CAs and certificates are made with openssl as the test
// runs. `node dist/main.js`, given ETCD_CA_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE and
// CONTROL_PLANE_CA_FILE, places with the least-privilege role and recovers after etcd restarts; a
// client certificate from another CA is refused by etcd, and the replica says so and is not ready.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DevControlPlaneApi } from '../dev/controlplane-api';
import { start as startDevApi } from '../dev/controlplane-api';
import { instanceKey } from '../pkg/objects';
import { EtcdStore } from '../pkg/store';
import type { CertificateAuthority, EtcdHandle, KeyPair, Pki } from './harness';
import { createPki, startEtcd, uniquePrefix, waitFor } from './harness';
import { logLines } from './support/cluster';
import { enableAuth, schedulerGrants } from './support/etcd-auth';
import { instance, worker } from './support/fleets';
import { ReplicaSet } from './support/replica-set';
import { statusOf } from './support/scheduler-process';
import type { TlsProxy } from './support/tls-proxy';
import { startTlsProxy } from './support/tls-proxy';

jest.setTimeout(90_000);

const SCHEDULER_USER = 'lablet-scheduler';
const TLS_FAILED = "TLS to etcd failed: check ETCD_CA_FILE (the CA of etcd's certificate), and that etcd trusts the CA of ETCD_CERT_FILE";

describe('TLS to etcd (client certificates) and to the Control Plane API', () => {
  const prefix = uniquePrefix('tls');
  let pki: Pki;
  let etcdCa: CertificateAuthority;
  let apiCa: CertificateAuthority;
  let schedulerCert: KeyPair;
  let rogueCert: KeyPair;
  let etcd: EtcdHandle;
  let rootStore: EtcdStore;
  let api: DevControlPlaneApi;
  let proxy: TlsProxy;
  let replicas: ReplicaSet | undefined;

  beforeAll(async () => {
    pki = await createPki();
    etcdCa = await pki.createCa('etcd-ca');
    apiCa = await pki.createCa('api-ca');
    const rogueCa = await pki.createCa('rogue-ca');
    const rootCert = await etcdCa.issueClient('root');
    schedulerCert = await etcdCa.issueClient(SCHEDULER_USER);
    // Same CN as the scheduler's: only the issuer differs.
    rogueCert = await rogueCa.issueClient(SCHEDULER_USER);
    etcd = await startEtcd({ tls: { caFile: etcdCa.certFile, server: await etcdCa.issueServer('etcd-server'), clientCertAuth: { harnessClient: rootCert } } });
    const credentials = { rootCertificate: await readFile(etcdCa.certFile), certChain: await readFile(rootCert.certFile), privateKey: await readFile(rootCert.keyFile) };
    // Users are named as the certificates' CNs; their passwords are never used.
    await enableAuth({ hosts: [...etcd.endpoints], credentials }, {
      rootPassword: randomBytes(12).toString('hex'),
      roles: { scheduler: schedulerGrants(prefix) },
      users: { [SCHEDULER_USER]: { password: randomBytes(12).toString('hex'), roles: ['scheduler'] } },
    });
    rootStore = await EtcdStore.connect({ endpoints: etcd.endpoints, caFile: etcdCa.certFile, certFile: rootCert.certFile, keyFile: rootCert.keyFile });
    api = await startDevApi({ store: rootStore, prefix });
    proxy = await startTlsProxy({ target: api.url, server: await apiCa.issueServer('controlplane-api') });
  });
  afterEach(async () => {
    await replicas?.close();
    replicas = undefined;
  });
  afterAll(async () => {
    await proxy.close();
    await api.close();
    await rootStore.close();
    await etcd.destroy();
    await pki.destroy();
  });

  const env = (cert: KeyPair): Record<string, string> => ({
    ETCD_ENDPOINTS: etcd.endpoints.join(','), ETCD_PREFIX: prefix,
    ETCD_CA_FILE: etcdCa.certFile, ETCD_CERT_FILE: cert.certFile, ETCD_KEY_FILE: cert.keyFile,
    CONTROL_PLANE_API_URL: proxy.url, CONTROL_PLANE_CA_FILE: apiCa.certFile,
  });
  const workerOf = async (id: string): Promise<unknown> => {
    const kv = await rootStore.get(instanceKey(prefix, id));
    return kv === undefined ? undefined : (JSON.parse(kv.value.toString('utf8')) as { workerId?: unknown }).workerId;
  };
  const placed = (id: string) => async (): Promise<boolean> => (await workerOf(id)) === 'w-1';

  it('places over mutual TLS to etcd (the CN as a least-privilege user) and https to the API, and recovers after etcd restarts', async () => {
    expect(etcd.endpoints.every((e) => e.startsWith('https://127.0.0.1:'))).toBe(true);
    expect(proxy.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const set = (replicas = await ReplicaSet.create({ store: rootStore, prefix, env: env(schedulerCert) }));
    const proc = await set.start('tls-a');
    await api.objects.putWorker(worker('w-1'));
    const leader = await set.waitForSoleLeader();
    expect(leader.identity).toBe('tls-a');
    for (const id of ['li-1', 'li-2']) await api.objects.putInstance(instance(id));
    await waitFor(async () => (await placed('li-1')()) && (await placed('li-2')()), { timeoutMs: 30_000, message: 'li-1 and li-2 placed over https' });
    expect(api.counts()['schedule']).toEqual({ 200: 2 });
    expect(proxy.handshakeErrors).toEqual([]);

    // No auth token to lose: after a restart the replica reconnects with its certificate.
    await etcd.restart();
    await api.objects.putInstance(instance('li-3'));
    await waitFor(placed('li-3'), { timeoutMs: 30_000, message: 'li-3 placed after etcd restarted' });
    await waitFor(async () => (await statusOf(proc, '/readyz')) === 200, { timeoutMs: 30_000, message: 'the replica to be ready after the restart' });
    expect(proc.output.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });

  it('is refused by etcd with a client certificate from another CA: not ready, and the log names the TLS failure', async () => {
    const set = (replicas = await ReplicaSet.create({ store: rootStore, prefix, env: env(rogueCert) }));
    const proc = await set.start('tls-rogue');
    await waitFor(() => logLines(proc, TLS_FAILED).length > 0, { timeoutMs: 30_000, message: 'an error line saying TLS to etcd failed' });
    const said = logLines(proc, TLS_FAILED);
    expect(said.map((l) => l['level'])).toEqual(['error']);
    // etcd's alert: it does not trust the certificate's issuer.
    expect(String(said[0]?.['err'])).toMatch(/bad certificate|unknown ca|certificate/i);
    expect(await statusOf(proc, '/readyz')).toBe(503);
    expect((await proc.get('/debug/leader')).body).toMatchObject({ leader: false });
  });
});
