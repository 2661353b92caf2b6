// etcd in a container (testcontainers), for machines without an etcd binary. The data dir is a
// host temp dir bind-mounted into the container and the client port is a fixed free host port,
// so restart() runs a new container on the same data and endpoint. testcontainers' reaper removes
// containers if the test process dies. Without a container runtime, testcontainers fails within
// milliseconds; that failure becomes one clear error naming both ways to get an etcd.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TestcontainersModule from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import type { EtcdHandle } from './etcd';
import { EtcdNode } from './etcd-node';
import { freePort } from './ports';

export interface EtcdContainerOptions {
  readonly image: string;
  readonly startTimeoutMs: number;
  readonly unsafeNoFsync: boolean;
}

export const NO_ETCD_MESSAGE =
  'cannot start etcd for tests: no etcd binary on PATH (install one, e.g. `apt-get install etcd-server`) ' +
  'and no container runtime for testcontainers (start Docker or Podman, or set DOCKER_HOST)';

const NO_RUNTIME = 'Could not find a working container runtime strategy';
const DATA_DIR = '/etcd-data';

type Testcontainers = typeof TestcontainersModule;

export async function startEtcdContainer(options: EtcdContainerOptions): Promise<EtcdHandle> {
  // Loaded only here: importing testcontainers takes ~0.6 s.
  const tc: Testcontainers = await import('testcontainers');
  try {
    await tc.getContainerRuntimeClient();
  } catch (err: unknown) {
    if (err instanceof Error && err.message.includes(NO_RUNTIME)) throw new Error(NO_ETCD_MESSAGE, { cause: err });
    throw err;
  }
  const node = new EtcdContainer(tc, options, await mkdtemp(join(tmpdir(), 'etcd-test-')), await freePort());
  try {
    await node.start();
  } catch (err: unknown) {
    await node.destroy();
    throw err;
  }
  return node;
}

class EtcdContainer extends EtcdNode {
  readonly runtime = 'container' as const;
  private container: StartedTestContainer | undefined;

  constructor(
    private readonly tc: Testcontainers,
    private readonly options: EtcdContainerOptions,
    dataDir: string,
    private readonly clientPort: number,
  ) {
    super(`http://127.0.0.1:${clientPort}`, dataDir);
  }

  async start(): Promise<void> {
    this.assertNotDestroyed();
    if (this.container !== undefined) return;
    this.container = await new this.tc.GenericContainer(this.options.image)
      .withCommand([
        'etcd', '--name', 'test', '--data-dir', DATA_DIR,
        '--listen-client-urls', 'http://0.0.0.0:2379', '--advertise-client-urls', this.clientUrl,
        ...(this.options.unsafeNoFsync ? ['--unsafe-no-fsync'] : []),
      ])
      .withExposedPorts({ container: 2379, host: this.clientPort })
      .withBindMounts([{ source: this.dataDir, target: DATA_DIR }])
      .withWaitStrategy(this.tc.Wait.forHttp('/health', 2379).forStatusCode(200))
      .withStartupTimeout(this.options.startTimeoutMs)
      .start();
  }

  async stop(): Promise<void> {
    await this.container?.stop({ timeout: 15_000 });
    this.container = undefined;
  }

  async kill(): Promise<void> {
    await this.container?.stop({ timeout: 0 });
    this.container = undefined;
  }
}
