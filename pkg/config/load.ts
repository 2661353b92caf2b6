// Load -> parse -> validate -> freeze. The same function serves the start (where a failure exits 1)
// and live reloads (where a failure keeps the last good configuration).
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import type { ConfigIssue } from './errors';
import { ConfigValidationError } from './errors';
import type { SchedulerConfig } from './schema';
import { configSchema } from './schema';

/** Parses config.yaml text; throws ConfigValidationError listing every problem. */
export function parseConfig(text: string, source = 'config.yaml'): SchedulerConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigValidationError(
      source,
      doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0] ?? e.message })),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigValidationError(source, toIssues(parsed.error));
  return deepFreeze(parsed.data);
}

/** The defaults alone, as when no ConfigMap is mounted. */
export function defaultConfig(): SchedulerConfig {
  return parseConfig('');
}

export type LoadedConfig = { readonly config: SchedulerConfig; readonly source: 'file' | 'defaults' };

/** Reads the file; an absent file means defaults, an unreadable or invalid one throws. */
export async function loadConfigFile(path: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { config: defaultConfig(), source: 'defaults' };
    throw new ConfigValidationError(path, [{ path: '(file)', message: `cannot read: ${(err as Error).message}` }]);
  }
  return { config: parseConfig(text, path), source: 'file' };
}

function toIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      return { path, message: `unknown key(s): ${issue.keys.map((k) => (path === '(root)' ? k : `${path}.${k}`)).join(', ')}` };
    }
    return { path, message: issue.message };
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
