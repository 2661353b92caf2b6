// The container image (issue 10), without a Docker engine: the Dockerfile's steps performed in a temp
// folder (e2e/support/dockerfile.ts says what stands in for what), then its entry point started as
// the image's unprivileged USER, with the app folder read-only and the ConfigMap and API key mounted
// as manifests/ mounts them, against a real etcd: it serves /healthz and /readyz, applies a ConfigMap
// edit delivered as the kubelet delivers it, refuses an invalid one, and exits 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { access, chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { EtcdHandle } from './harness';
import { startEtcd, uniquePrefix, waitFor } from './harness';
import type { BuiltStage } from './support/dockerfile';
import { buildStages, listFiles, parseDockerfile } from './support/dockerfile';
import { freePort } from './support/scheduler-process';
import { KubeletVolume } from '../pkg/config/testing';

jest.setTimeout(240_000);

const REPO = join(__dirname, '..');

describe('the image built by the Dockerfile', () => {
  let etcd: EtcdHandle;
  let dir: string;
  let image: BuiltStage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'image-'));
    await chmod(dir, 0o755); // the image's user must reach the app folder
    [etcd, image] = await Promise.all([
      startEtcd(),
      buildStages({ repo: REPO, into: dir, stages: parseDockerfile(await readFile(join(REPO, 'Dockerfile'), 'utf8')) }),
    ]);
  });
  afterAll(async () => {
    await etcd.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds the service and its production dependencies, and no development, test or demo code', async () => {
    const files = await listFiles(join(image.workdir, 'dist'));
    expect(files).toContain('main.js');
    expect(files.filter((f) => /(^|\/)(dev|e2e|bench)\//.test(f) || /(\.test|\.suite|(^|\/)testing)\.js$/.test(f))).toEqual([]);
    // The lockfile marks what only development needs (`dev: true`): none of it may be installed.
    const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, p]) => path !== '' && p.dev === true).map(([path]) => path);
    expect(devOnly).toContain('node_modules/jest');
    const present = await Promise.all(devOnly.map(async (path) => ((await exists(join(image.workdir, path))) ? path : undefined)));
    expect(present.filter((p) => p !== undefined)).toEqual([]);
    const manifest = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const missing = await Promise.all(Object.keys(manifest.dependencies).map(async (name) => ((await exists(join(image.workdir, 'node_modules', name))) ? undefined : name)));
    expect(missing.filter((n) => n !== undefined)).toEqual([]);
    expect(image.entrypoint).toEqual(['node', 'dist/main.js']);
    expect(image.user?.uid).toBeGreaterThan(0);
  });

  it('runs as its unprivileged user from a read-only folder: healthy, ready against etcd, exits 0 on SIGTERM', async () => {
    const user = image.user;
    if (user === undefined) throw new Error('the Dockerfile sets no USER');
    // The mounts of manifests/deployment.yaml: the ConfigMap's config.yaml, the API key (mode 0440, group fsGroup).
    const configMap = parseAllDocuments(await readFile(join(REPO, 'manifests', 'configmap.yaml'), 'utf8'))[0]?.toJS() as { data: Record<string, string> };
    const mounts = join(dir, 'mounts');
    const volume = new KubeletVolume(join(mounts, 'config'));
    await mkdir(volume.dir, { recursive: true });
    await volume.write(configMap.data['config.yaml'] ?? '');
    await writeFile(join(mounts, 'api-key'), 'image-test-api-key-0123');
    await chown(join(mounts, 'api-key'), 0, user.gid);
    await chmod(join(mounts, 'api-key'), 0o440);
    await run('chmod', ['-R', 'a-w', image.root, mounts]);

    const port = await freePort();
    const [command = 'node', ...args] = image.entrypoint;
    const child = spawn('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', command, ...args], {
      cwd: image.workdir,
      env: {
        PATH: process.env['PATH'] ?? '',
        ...image.env,
        ETCD_ENDPOINTS: etcd.endpoints.join(','),
        ETCD_PREFIX: uniquePrefix('image'),
        SCHEDULER_ID: 'image-test',
        HTTP_PORT: String(port),
        CONFIG_FILE: volume.file,
        CONTROL_PLANE_API_KEY_FILE: join(mounts, 'api-key'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const status = async (path: string): Promise<number> => (await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2_000) })).status;
      await waitFor(async () => (await status('/healthz')) === 200, { timeoutMs: 30_000, message: `/healthz to answer 200; output:\n${output.join('')}` });
      await waitFor(async () => (await status('/readyz')) === 200, { timeoutMs: 30_000, message: '/readyz to answer 200' });

      // A ConfigMap edit, as the kubelet delivers it, applies live; an invalid one is refused.
      const paused = async (): Promise<unknown> => ((await (await fetch(`http://127.0.0.1:${port}/debug/leader`)).json()) as { paused?: unknown }).paused;
      expect(await paused()).toBe(false);
      await volume.write('placement: {paused: true}\n');
      await waitFor(async () => (await paused()) === true, { timeoutMs: 30_000, message: 'the paused edit to apply' });
      await volume.write('placement: {paused: maybe}\n');
      await waitFor(() => output.join('').includes('configuration refused; keeping the last good configuration'), { timeoutMs: 30_000, message: 'the refusal' });
      expect(await paused()).toBe(true);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output.join('')).toContain('"message":"stopped"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${String(code)}`))));
  });
}
