import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../clock';
import type { ConfigValidationError } from './errors';
import { ConfigHolder } from './holder';
import { defaultConfig, parseConfig } from './load';
import type { CapturedLogs } from './testing';
import { captureLogs, KubeletVolume } from './testing';
import type { ReloadResult } from './watcher';
import { ConfigWatcher } from './watcher';

const DEBOUNCE_MS = 250;
/** Long enough that no test steps the clock to a poll unless it means to. */
const POLL_MS = 3_600_000;

/** Waits in real time for something the file system does (an inotify event) or for async work. */
async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ConfigWatcher', () => {
  let root: string;
  let clock: FakeClock;
  let holder: ConfigHolder;
  let logs: CapturedLogs;
  let results: ReloadResult[];
  let refused: ConfigValidationError[];
  let watcher: ConfigWatcher | undefined;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'config-watcher-'));
    clock = new FakeClock();
    holder = new ConfigHolder(defaultConfig());
    logs = captureLogs();
    results = [];
    refused = [];
  });
  afterEach(async () => {
    watcher?.stop();
    watcher = undefined;
    await rm(root, { recursive: true, force: true });
  });

  function watch(path: string, pollIntervalMs = POLL_MS): ConfigWatcher {
    watcher = new ConfigWatcher({
      path, holder, clock, logger: logs.logger, debounceMs: DEBOUNCE_MS, pollIntervalMs,
      metrics: { reloaded: (result) => results.push(result) },
      onRefused: (error) => refused.push(error),
    });
    return watcher;
  }

  describe('reading the file', () => {
    let file: string;
    beforeEach(async () => {
      file = join(root, 'config.yaml');
      await writeFile(file, 'placement:\n  paused: false\n');
    });

    it('takes the file it starts with as the baseline, silently, when it matches the configuration in use', async () => {
      await watch(file).start();
      expect(results).toEqual([]);
      expect(logs.lines().filter((l) => l.level !== 'debug')).toEqual([]);
    });

    it('applies a file that changed between the start\'s load and the watcher\'s start', async () => {
      await writeFile(file, 'placement: {paused: true}\n');
      await watch(file).start();
      expect(results).toEqual(['success']);
      expect(holder.current().placement.paused).toBe(true);
    });

    it('applies a valid change, naming the changed keys and those that wait for the next term', async () => {
      const w = watch(file);
      await w.start();
      let heard = 0;
      holder.onChange(() => { heard += 1; });
      await writeFile(file, 'placement:\n  weights: {locality: 1}\nleaderElection:\n  leaseTtlSeconds: 30\n');
      expect(await w.reload()).toEqual({ kind: 'applied', changedKeys: ['leaderElection.leaseTtlSeconds', 'placement.weights.locality'] });
      expect(holder.current().placement.weights.locality).toBe(1);
      expect(heard).toBe(1);
      expect(results).toEqual(['success']);
      await until(() => logs.withMessage('configuration reloaded').length === 1, 'the reload line');
      expect(logs.withMessage('configuration reloaded')[0]).toMatchObject({ level: 'info', configFile: file, fromNextTerm: ['leaderElection.leaseTtlSeconds'] });
    });

    it('refuses an invalid change with every problem logged at error level and counted, keeping the last good configuration', async () => {
      const w = watch(file);
      await w.start();
      await writeFile(file, 'placement:\n  weights: {locality: 1}\n');
      await w.reload();
      const good = holder.current();
      await writeFile(file, 'placement:\n  placer: fastest\n  weights: {binPacking: -1}\nreconcile: {workerz: 2}\n');
      const outcome = await w.reload();
      expect(outcome.kind).toBe('refused');
      expect(holder.current()).toBe(good);
      expect(results).toEqual(['success', 'failure']);
      expect(refused.map((e) => e.issues.map((i) => i.path).sort())).toEqual([['placement.placer', 'placement.weights', 'placement.weights.binPacking', 'reconcile']]);
      await until(() => logs.withMessage('configuration refused; keeping the last good configuration').length === 1, 'the refusal line');
      const line = logs.withMessage('configuration refused; keeping the last good configuration')[0];
      expect(line).toMatchObject({ level: 'error', configFile: file });
      expect(JSON.stringify(line?.['issues'])).toContain('reconcile.workerz');
    });

    it('applies the file again once it is fixed after a refusal', async () => {
      const w = watch(file);
      await w.start();
      await writeFile(file, 'logging: {level: loud}\n');
      await w.reload();
      await writeFile(file, 'logging: {level: debug}\n');
      expect(await w.reload()).toEqual({ kind: 'applied', changedKeys: ['logging.level'] });
      expect(holder.current().logging.level).toBe('debug');
      expect(results).toEqual(['failure', 'success']);
    });

    it('neither parses nor counts a content it has already looked at', async () => {
      const w = watch(file);
      await w.start();
      await writeFile(file, 'logging: {level: loud}\n');
      await w.reload();
      await writeFile(file, 'logging: {level: loud}\n');
      expect(await w.reload()).toEqual({ kind: 'unchanged' });
      expect(results).toEqual(['failure']);
      expect(refused).toHaveLength(1);
    });

    it('keeps the last good configuration when the file disappears, says so once, and applies it when it returns', async () => {
      const w = watch(file);
      await w.start();
      await writeFile(file, 'placement: {paused: true}\n');
      await w.reload();
      await rm(file);
      expect(await w.reload()).toEqual({ kind: 'absent' });
      expect(await w.reload()).toEqual({ kind: 'unchanged' });
      expect(holder.current().placement.paused).toBe(true);
      await until(() => logs.withMessage('config file absent; keeping the last good configuration').length > 0, 'the absent line');
      expect(logs.withMessage('config file absent; keeping the last good configuration')).toHaveLength(1);
      await writeFile(file, 'placement: {paused: false}\n');
      expect(await w.reload()).toEqual({ kind: 'applied', changedKeys: ['placement.paused'] });
      expect(results).toEqual(['success', 'success']);
    });

    it('refuses a file it cannot read', async () => {
      const w = watch(root); // a directory: EISDIR
      await w.start();
      expect(results).toEqual(['failure']);
      expect(refused[0]?.issues[0]?.message).toContain('cannot read');
    });

    it('logs a listener that fails and keeps the accepted configuration', async () => {
      const w = watch(file);
      await w.start();
      holder.onChange(() => { throw new Error('listener broke'); });
      await writeFile(file, 'placement: {dryRun: true}\n');
      expect((await w.reload()).kind).toBe('applied');
      expect(holder.current().placement.dryRun).toBe(true);
      await until(() => logs.withMessage('configuration accepted, but a component failed to apply it').length === 1, 'the listener failure line');
    });
  });

  describe('watching the directory', () => {
    it('applies a kubelet ..data symlink swap after the debounce, on its clock', async () => {
      const volume = new KubeletVolume(root);
      await volume.write('placement: {paused: false}\n');
      const w = watch(volume.file);
      await w.start();
      await volume.write('placement: {paused: true}\n');
      await until(() => w.isReloadPending(), 'an event in the directory');
      clock.step(DEBOUNCE_MS - 1);
      expect(holder.current().placement.paused).toBe(false);
      clock.step(1);
      await until(() => results.length === 1, 'the debounced reload');
      expect(results).toEqual(['success']);
      expect(holder.current().placement.paused).toBe(true);
    });

    it('keeps seeing swaps after the first (a watch on the file itself would lose it with the old directory)', async () => {
      const volume = new KubeletVolume(root);
      await volume.write('placement: {paused: false}\n');
      const w = watch(volume.file);
      await w.start();
      for (const [i, paused] of [true, false, true].entries()) {
        await volume.write(`placement: {paused: ${paused}}\n`);
        await until(() => w.isReloadPending(), `an event for swap ${i + 1}`);
        clock.step(DEBOUNCE_MS);
        await until(() => results.length === i + 1, `the reload of swap ${i + 1}`);
        expect(holder.current().placement.paused).toBe(paused);
      }
    });

    it('reads once for a burst of swaps, and takes the last', async () => {
      const volume = new KubeletVolume(root);
      await volume.write('reconcile: {workers: 1}\n');
      holder.set(parseConfig('reconcile: {workers: 1}\n'));
      const w = watch(volume.file);
      await w.start();
      for (const workers of [2, 3, 4, 5]) await volume.write(`reconcile: {workers: ${workers}}\n`);
      await until(() => w.isReloadPending(), 'an event in the directory');
      await new Promise((resolve) => setTimeout(resolve, 50)); // let the burst's last events arrive
      clock.step(DEBOUNCE_MS);
      await until(() => results.length === 1, 'the debounced reload');
      expect(holder.current().reconcile.workers).toBe(5);
      expect(results).toEqual(['success']);
    });

    it('refuses an invalid swap and keeps the last good configuration', async () => {
      const volume = new KubeletVolume(root);
      await volume.write('timeslot: {leadTimeMinutes: 10}\n');
      holder.set(parseConfig('timeslot: {leadTimeMinutes: 10}\n'));
      const w = watch(volume.file);
      await w.start();
      await volume.write('timeslot: {leadTimeMinutes: -5}\n');
      await until(() => w.isReloadPending(), 'an event in the directory');
      clock.step(DEBOUNCE_MS);
      await until(() => results.length === 1, 'the debounced reload');
      expect(results).toEqual(['failure']);
      expect(holder.current().timeslot.leadTimeMinutes).toBe(10);
    });

    it('finds a file whose directory appears after the start, by polling', async () => {
      const dir = join(root, 'later');
      const w = watch(join(dir, 'config.yaml'), 1_000);
      await w.start();
      await mkdir(dir);
      await writeFile(join(dir, 'config.yaml'), 'reports: {minIntervalSeconds: 5}\n');
      await clock.tick(1_000);
      await until(() => results.length === 1, 'the polled reload');
      expect(holder.current().reports.minIntervalSeconds).toBe(5);
      // The poll also started watching the directory that appeared: an edit now needs no poll.
      await writeFile(join(dir, 'config.yaml'), 'reports: {minIntervalSeconds: 7}\n');
      await until(() => w.isReloadPending(), 'an event in the new directory');
      clock.step(DEBOUNCE_MS);
      await until(() => results.length === 2, 'the debounced reload');
      expect(holder.current().reports.minIntervalSeconds).toBe(7);
    });

    it('applies nothing after stop', async () => {
      const volume = new KubeletVolume(root);
      await volume.write('placement: {dryRun: false}\n');
      const w = watch(volume.file, 1_000);
      await w.start();
      w.stop();
      await volume.write('placement: {dryRun: true}\n');
      await clock.tick(5_000);
      expect(await w.reload()).toEqual({ kind: 'unchanged' });
      expect(holder.current().placement.dryRun).toBe(false);
      expect(clock.pendingTimers()).toBe(0);
    });
  });
});
