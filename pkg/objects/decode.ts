// Classifies one etcd key (and its value) under PREFIX (contract §1): an instance, a worker, the
// leader key, a key to ignore, or a malformed object with a reason naming the kind, the field and the
// rule. Never throws: bad data is a result, so the informer can log it once and keep serving.
import type { z } from 'zod';
import { ID_PATTERN, leaderKey, normalizePrefix } from './keys';
import type { InstancePhase, LabletInstance } from './lablet-instance';
import { INSTANCE_PHASES, labletInstanceSchema } from './lablet-instance';
import type { Worker } from './worker';
import { workerSchema } from './worker';

export type ObjectKind = 'instance' | 'worker';

/** What a key names, before its value is read (deletes carry no value). */
export type KeyClass =
  | { readonly type: 'instance'; readonly id: string }
  | { readonly type: 'worker'; readonly id: string }
  | { readonly type: 'leader' }
  | { readonly type: 'ignored' }
  | Malformed;

export interface Malformed {
  readonly type: 'malformed';
  readonly kind: ObjectKind;
  /** "<kind>: <field>: <rule>", issues joined by "; "; cut at MAX_REASON_CHARS (it is logged and reported). */
  readonly reason: string;
  /** The key's last segment when it is a valid id. */
  readonly id: string | undefined;
  /**
   * Instances only: the value's phase when it still reads. With id set, the scheduler can report the
   * instance unschedulable with reason InvalidSpec (contract §1).
   */
  readonly phase: InstancePhase | undefined;
}

export type Decoded =
  | { readonly type: 'instance'; readonly instance: LabletInstance }
  | { readonly type: 'worker'; readonly worker: Worker }
  /** holder: the leader's SCHEDULER_ID (bare UTF-8). */
  | { readonly type: 'leader'; readonly holder: string }
  | { readonly type: 'ignored' }
  | Malformed;

const SEGMENTS: readonly [string, ObjectKind][] = [['/instances/', 'instance'], ['/workers/', 'worker']];

/** Classifies a key alone: instance or worker (with its id), leader, ignored or malformed. */
export function classifyKey(prefix: string, key: string): KeyClass {
  const root = normalizePrefix(prefix);
  if (key === leaderKey(root)) return { type: 'leader' };
  for (const [segment, kind] of SEGMENTS) {
    const under = root + segment;
    if (!key.startsWith(under)) continue;
    const id = key.slice(under.length);
    if (id.includes('/')) return malformed(kind, `key: "${id}" has a further "/"`, undefined);
    if (!ID_PATTERN.test(id)) return malformed(kind, `key: id "${id}" must match ${ID_PATTERN.source}`, undefined);
    return { type: kind, id };
  }
  return { type: 'ignored' };
}

/** Classifies a key and decodes its value (UTF-8 JSON validated by the schema of its kind). */
export function decode(prefix: string, key: string, value: Buffer): Decoded {
  const cls = classifyKey(prefix, key);
  switch (cls.type) {
    case 'leader':
      return { type: 'leader', holder: value.toString('utf8') };
    case 'ignored':
    case 'malformed':
      return cls;
    case 'instance': {
      const parsed = parseJson(value);
      if (!parsed.ok) return malformed('instance', parsed.reason, cls.id);
      const phase = readablePhase(parsed.json);
      const result = labletInstanceSchema.safeParse(parsed.json);
      if (!result.success) return malformed('instance', issuesText(result.error.issues), cls.id, phase);
      if (result.data.id !== cls.id) return malformed('instance', idMismatch(result.data.id, cls.id), cls.id, phase);
      return { type: 'instance', instance: result.data };
    }
    case 'worker': {
      const parsed = parseJson(value);
      if (!parsed.ok) return malformed('worker', parsed.reason, cls.id);
      const result = workerSchema.safeParse(parsed.json);
      if (!result.success) return malformed('worker', issuesText(result.error.issues), cls.id);
      if (result.data.id !== cls.id) return malformed('worker', idMismatch(result.data.id, cls.id), cls.id);
      return { type: 'worker', worker: result.data };
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(value: Buffer): { ok: true; json: unknown } | { ok: false; reason: string } {
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { ok: false, reason: 'value: must be UTF-8' };
  }
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch (err: unknown) {
    return { ok: false, reason: `value: must be JSON (${err instanceof Error ? err.message : String(err)})` };
  }
}

function readablePhase(json: unknown): InstancePhase | undefined {
  if (typeof json !== 'object' || json === null || !('phase' in json)) return undefined;
  const phase: unknown = json.phase;
  return INSTANCE_PHASES.find((p) => p === phase);
}

function idMismatch(bodyId: string, keyId: string): string {
  return `id: "${bodyId}" must equal the key's last segment "${keyId}"`;
}

function issuesText(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'value'}: ${i.message}`).join('; ');
}

/**
 * Longest reason kept. Messages can quote the bad value (node-semver's "Invalid comparator: <range>",
 * a key's id), which may be megabytes; the reason goes into a log line and into the InvalidSpec report,
 * whose message the API caps at 4,096 characters (issue 13: a 1 MB range was never reported).
 */
const MAX_REASON_CHARS = 1_000;

function malformed(kind: ObjectKind, detail: string, id: string | undefined, phase?: InstancePhase): Malformed {
  return { type: 'malformed', kind, reason: bounded(`${kind}: ${detail}`), id, phase: kind === 'instance' ? phase : undefined };
}

function bounded(text: string): string {
  if (text.length <= MAX_REASON_CHARS) return text;
  const low = text.charCodeAt(MAX_REASON_CHARS);
  const cut = low >= 0xdc00 && low <= 0xdfff ? MAX_REASON_CHARS - 1 : MAX_REASON_CHARS; // never split a surrogate pair
  return `${text.slice(0, cut)}… (${text.length - cut} more characters)`;
}
