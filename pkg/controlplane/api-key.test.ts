import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../clock';
import { FileApiKey, StaticApiKey } from './api-key';
import type { KeyFileSystem } from './api-key';

/** A file system in memory that counts stat calls; rewrite() changes content and mtime. */
class FakeKeyFiles implements KeyFileSystem {
  stats = 0;
  private mtimeMs = 1;
  constructor(private content: string | undefined) {}
  rewrite(content: string | undefined): void {
    this.content = content;
    this.mtimeMs += 1;
  }
  stat(): Promise<{ mtimeMs: number; size: number; ino: number }> {
    this.stats += 1;
    if (this.content === undefined) return Promise.reject(Object.assign(new Error('gone'), { code: 'ENOENT' }));
    return Promise.resolve({ mtimeMs: this.mtimeMs, size: this.content.length, ino: 7 });
  }
  readFile(): Promise<string> {
    return this.content === undefined ? Promise.reject(new Error('gone')) : Promise.resolve(this.content);
  }
}

describe('FileApiKey', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'api-key-'));
    path = join(dir, 'key');
    writeFileSync(path, 'first-key\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the key at start, trimming the newline', () => {
    expect(new FileApiKey(path, new FakeClock(0)).current()).toBe('first-key');
  });

  it('refuses a missing file at start without naming anything but the path and code', () => {
    expect(() => new FileApiKey(join(dir, 'absent'), new FakeClock(0))).toThrow(/key file .*absent: ENOENT/);
  });

  it('refuses an empty file at start', () => {
    writeFileSync(path, '\n');
    expect(() => new FileApiKey(path, new FakeClock(0))).toThrow(/is empty/);
  });

  it('refuses a key that cannot be a header value, without showing it', () => {
    writeFileSync(path, 'first\u0001secret\n');
    expect(() => new FileApiKey(path, new FakeClock(0))).toThrow(/holds characters other than visible ASCII$/);
  });

  it('serves the old key at once and the rotated one after the background check', async () => {
    const clock = new FakeClock(0);
    const files = new FakeKeyFiles('first-key');
    const source = new FileApiKey(path, clock, { fs: files });
    files.rewrite('second-key');
    clock.step(1_000);
    expect(source.current()).toBe('first-key');
    await source.refresh();
    expect(source.current()).toBe('second-key');
  });

  it('checks the file at most once per interval however often it is asked', async () => {
    const clock = new FakeClock(0);
    const files = new FakeKeyFiles('first-key');
    const source = new FileApiKey(path, clock, { fs: files });
    for (let i = 0; i < 5; i++) source.current();
    clock.step(999);
    source.current();
    expect(files.stats).toBe(0);
    clock.step(1);
    source.current();
    source.current();
    await source.refresh();
    expect(files.stats).toBe(1);
  });

  it('keeps the last good key when the file vanishes or empties, and reports it', async () => {
    const clock = new FakeClock(0);
    const files = new FakeKeyFiles('first-key');
    const errors: string[] = [];
    const source = new FileApiKey(path, clock, { fs: files, onError: (err) => errors.push(err.message) });
    files.rewrite(undefined);
    await source.refresh();
    files.rewrite('  \n');
    await source.refresh();
    expect(source.current()).toBe('first-key');
    expect(errors).toEqual([`cannot re-read the control plane API key file ${path}: ENOENT`, `the control plane API key file ${path} is empty`]);
  });

  it('never puts the key content into an error', async () => {
    const clock = new FakeClock(0);
    const files = new FakeKeyFiles('first-key');
    const errors: string[] = [];
    const source = new FileApiKey(path, clock, { fs: files, onError: (err) => errors.push(err.message) });
    files.rewrite('secret-one\nsecret-two');
    await source.refresh();
    expect(errors).toHaveLength(1);
    expect(errors.join(' ')).not.toMatch(/secret/);
  });
});

describe('StaticApiKey', () => {
  it.each([['a key', 'k'], ['no key', undefined]])('serves %s', (_name, key) => {
    expect(new StaticApiKey(key).current()).toBe(key);
  });

  it.each([['a control character', 'key\u0001secret'], ['a space', 'key secret'], ['a letter outside ASCII', 'kéysecret'], ['nothing', '']])(
    'refuses a key holding %s, without showing it', (_name, key) => {
      expect(() => new StaticApiKey(key)).toThrow(/^CONTROL_PLANE_API_KEY must be visible ASCII characters without spaces$/);
    },
  );
});
