// Rewrites fields of an instance's stored JSON document, keeping every other field as written (the
// API is the only writer of instances, ADR-001, and must not drop what it does not know).

export interface InstanceChanges {
  readonly phase?: string;
  /** null clears the worker. */
  readonly workerId?: string | null;
}

/** The document with the changes applied; a value that is not a JSON object is refused. */
export function instanceDocument(value: Buffer | string, changes: InstanceChanges): string {
  const doc = parseObject(typeof value === 'string' ? value : value.toString('utf8'));
  if (changes.phase !== undefined) doc['phase'] = changes.phase;
  if (changes.workerId !== undefined) doc['workerId'] = changes.workerId;
  return JSON.stringify(doc);
}

export function parseObject(text: string): Record<string, unknown> {
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('the instance value is not a JSON object');
  return parsed as Record<string, unknown>;
}
