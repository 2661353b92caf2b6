import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../clock';
import type { EtcdStoreOptions } from './etcd-options';
import { resolveEtcdOptions } from './etcd-options';

describe('resolveEtcdOptions', () => {
  let dir: string;
  const clock = new FakeClock(1_000_000);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etcd-options-'));
    await writeFile(join(dir, 'ca.pem'), 'CA');
    await writeFile(join(dir, 'cert.pem'), 'CERT');
    await writeFile(join(dir, 'key.pem'), 'KEY');
    await writeFile(join(dir, 'password'), 's3cret-value\n');
    await writeFile(join(dir, 'empty'), '\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each<[string, Partial<EtcdStoreOptions>, RegExp]>([
    ['no endpoint', { endpoints: [] }, /endpoints: give at least one/],
    ['an endpoint without a scheme', { endpoints: ['127.0.0.1:2379'] }, /must be an http:\/\/ or https:\/\/ URL/],
    ['another scheme', { endpoints: ['unix:///run/etcd.sock'] }, /must be an http:\/\/ or https:\/\/ URL/],
    ['mixed schemes', { endpoints: ['http://a:2379', 'https://b:2379'] }, /all http:\/\/ or all https:\/\//],
    ['credentials in a URL', { endpoints: ['http://root:pw@a:2379'] }, /not in a URL/],
    ['a CA file with http', { caFile: '/ca.pem' }, /need https:\/\/ endpoints/],
    ['a certificate without its key', { endpoints: ['https://a:2379'], certFile: '/cert.pem' }, /certFile and keyFile go together/],
    ['a user without a password file', { username: 'root' }, /username and passwordFile go together/],
    ['a zero call timeout', { callTimeoutMs: 0 }, /callTimeoutMs must be an integer ≥ 1/],
  ])('refuses %s, naming the option and the rule', async (_case, options, message) => {
    await expect(resolveEtcdOptions({ endpoints: ['http://127.0.0.1:2379'], ...options }, clock)).rejects.toThrow(message);
  });

  it('reads the TLS files and the password file, dropping its trailing newline', async () => {
    const { client } = await resolveEtcdOptions({
      endpoints: ['https://etcd:2379'],
      caFile: join(dir, 'ca.pem'), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'),
      username: 'scheduler', passwordFile: join(dir, 'password'),
    }, clock);
    expect(client.credentials).toEqual({ rootCertificate: Buffer.from('CA'), certChain: Buffer.from('CERT'), privateKey: Buffer.from('KEY') });
    expect(client.auth).toEqual({ username: 'scheduler', password: 's3cret-value' });
  });

  it('names the option and path of a file it cannot read', async () => {
    const missing = join(dir, 'missing.pem');
    await expect(resolveEtcdOptions({ endpoints: ['https://etcd:2379'], caFile: missing }, clock)).rejects.toThrow(
      `EtcdStore option caFile: cannot read ${missing} (ENOENT)`,
    );
  });

  it('refuses an empty password file without showing its content', async () => {
    const options = { endpoints: ['http://etcd:2379'], username: 'u', passwordFile: join(dir, 'empty') };
    await expect(resolveEtcdOptions(options, clock)).rejects.toThrow(/passwordFile: .* is empty/);
  });

  it('gives unary calls a deadline from the clock and leaves streams to set their own', async () => {
    const { client } = await resolveEtcdOptions({ endpoints: ['http://etcd:2379'], callTimeoutMs: 2_000 }, clock);
    const factory = client.defaultCallOptions;
    if (typeof factory !== 'function') throw new Error('expected a call options factory');
    expect(factory({ service: 'KV', method: 'range', params: {}, isStream: false })).toEqual({ deadline: 1_002_000 });
    expect(factory({ service: 'Watch', method: 'watch', isStream: true })).toEqual({});
    expect(client.credentials).toBeUndefined();
    expect(client.auth).toBeUndefined();
  });
});
