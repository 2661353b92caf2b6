import { hostname } from 'node:os';
import { isConfigValidationError } from './errors';
import { ENV_NAMES, parseEnvironment } from './env';

function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    parseEnvironment(env);
  } catch (err: unknown) {
    if (isConfigValidationError(err)) return err.message;
    throw err;
  }
  throw new Error('expected the environment to be refused');
}

describe('parseEnvironment', () => {
  it('applies the contract defaults to an empty environment', () => {
    expect(parseEnvironment({})).toEqual({
      etcd: { endpoints: ['http://127.0.0.1:2379'], prefix: '/lcm' },
      controlPlane: { url: 'http://127.0.0.1:8020' },
      schedulerId: hostname(),
      httpPort: 8081,
      configFile: '/etc/lablet-scheduler/config.yaml',
    });
  });

  it('reads every contract variable', () => {
    const env = parseEnvironment({
      ETCD_ENDPOINTS: 'https://etcd-0:2379, https://etcd-1:2379,',
      ETCD_PREFIX: '/lcm-staging',
      ETCD_CA_FILE: '/tls/ca.pem',
      ETCD_CERT_FILE: '/tls/client.pem',
      ETCD_KEY_FILE: '/tls/client-key.pem',
      ETCD_USERNAME: 'scheduler',
      ETCD_PASSWORD_FILE: '/secrets/etcd-password',
      CONTROL_PLANE_API_URL: 'https://api.lcm.svc:8443',
      CONTROL_PLANE_API_KEY_FILE: '/secrets/api-key',
      CONTROL_PLANE_CA_FILE: '/tls/api-ca.pem',
      SCHEDULER_ID: 'lablet-scheduler-7d9f-abc12',
      HTTP_PORT: '9090',
      CONFIG_FILE: '/config/config.yaml',
    });
    expect(env).toEqual({
      etcd: {
        endpoints: ['https://etcd-0:2379', 'https://etcd-1:2379'],
        prefix: '/lcm-staging',
        caFile: '/tls/ca.pem',
        certFile: '/tls/client.pem',
        keyFile: '/tls/client-key.pem',
        username: 'scheduler',
        passwordFile: '/secrets/etcd-password',
      },
      controlPlane: { url: 'https://api.lcm.svc:8443', apiKeyFile: '/secrets/api-key', caFile: '/tls/api-ca.pem' },
      schedulerId: 'lablet-scheduler-7d9f-abc12',
      httpPort: 9090,
      configFile: '/config/config.yaml',
    });
  });

  it.each([
    ['an endpoint without a scheme', { ETCD_ENDPOINTS: '127.0.0.1:2379' }, 'ETCD_ENDPOINTS'],
    ['a list of only commas', { ETCD_ENDPOINTS: ',,' }, 'ETCD_ENDPOINTS: names no endpoint'],
    ['a prefix with a trailing slash', { ETCD_PREFIX: '/lcm/' }, 'ETCD_PREFIX'],
    ['a prefix without a leading slash', { ETCD_PREFIX: 'lcm' }, 'ETCD_PREFIX'],
    ['an API URL that is not http', { CONTROL_PLANE_API_URL: 'ftp://api' }, 'CONTROL_PLANE_API_URL'],
    ['a port out of range', { HTTP_PORT: '70000' }, 'HTTP_PORT'],
    ['a port that is not a number', { HTTP_PORT: '80a' }, 'HTTP_PORT'],
    ['an identity with a slash', { SCHEDULER_ID: 'a/b' }, 'SCHEDULER_ID'],
    ['a cert without its key', { ETCD_CERT_FILE: '/c.pem' }, 'ETCD_KEY_FILE'],
    ['a user without a password file', { ETCD_USERNAME: 'u' }, 'ETCD_PASSWORD_FILE'],
  ])('refuses %s, naming the variable', (_situation, env, expected) => {
    expect(problemsOf(env)).toContain(expected);
  });

  it('reads exactly the variables ENV_NAMES lists (the manifests are checked against it)', () => {
    const read = new Set<string>();
    const spy = new Proxy<NodeJS.ProcessEnv>({}, { get: (_target, name) => { if (typeof name === 'string') read.add(name); return undefined; } });
    parseEnvironment(spy);
    expect([...read].sort()).toEqual([...ENV_NAMES].sort());
  });

  it('refuses both key sources without printing the key', () => {
    const message = problemsOf({ CONTROL_PLANE_API_KEY: 's3cr3t-value', CONTROL_PLANE_API_KEY_FILE: '/k' });
    expect(message).toContain('CONTROL_PLANE_API_KEY');
    expect(message).not.toContain('s3cr3t-value');
  });
});
