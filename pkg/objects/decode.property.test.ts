// Bad input at the decoder (issue 13), property-based and seeded: whatever bytes sit under an
// instance or worker key, decode never throws; a valid document decodes to exactly its values; one
// bad field (wrong type, negative, huge, fractional, non-finite, unknown enum value, bad id, bad
// version or range, bad time), a truncation or bytes that are not JSON make the value malformed with
// a bounded reason naming the field, while the id and phase still read for InvalidSpec (contract §1).
// The oracles are written here from the contract's text, not taken from the code under test.
// CI runs a fixed count; `SOAK=1 npx jest pkg/objects/decode.property.test.ts` runs many more.
import fc from 'fast-check';
import { Range } from 'semver';
import { decode } from './decode';
import type { Decoded, Malformed } from './decode';
import { INSTANCE_PHASES } from './lablet-instance';
import { LICENSES, WORKER_STATUSES } from './worker';

const PARAMS = { seed: 20261127, numRuns: process.env['SOAK'] === '1' ? 20_000 : 250 };
const P = '/lcm';
/** Contract §1, copied rather than imported so that the oracle does not share the code's mistakes. */
const CONTRACT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** A reason is logged and sent as "invalid spec: <reason>", a report message of at most 4,096 characters. */
const MAX_REASON = 4_096 - 'invalid spec: '.length;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A field value spliced into the JSON text as written (numbers JSON.stringify cannot produce). */
interface Raw { readonly raw: string }
const MISSING: unique symbol = Symbol('missing');
type BadValue = Json | Raw | typeof MISSING;

// ---- valid documents -------------------------------------------------------------------------

const idArb = fc.stringMatching(CONTRACT_ID);
const milliArb = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1e12 }));
const textArb = fc.string({ unit: 'grapheme', maxLength: 24 });
const instantArb = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2200, 0, 1) });
const rfc3339 = (ms: number, offset: boolean): string => {
  const iso = new Date(ms).toISOString();
  return offset ? `${iso.slice(0, -1)}+00:00` : iso;
};
const versionArb = fc
  .tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.option(fc.constantFrom('rc.1', 'alpha', 'beta.2', '0'), { nil: undefined }))
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre === undefined ? '' : `-${pre}`}`);
const rangeArb = fc.constantFrom('>=2.7.0 <3.0.0', '^2.9.0', '~2.9', '*', '', '2.x', '>=3.0.0-rc.1', '1.2.3 - 2.3.4', '>=1.0.0 || <0.5.0', 'v2');

interface InstanceValues {
  readonly id: string;
  readonly phase: (typeof INSTANCE_PHASES)[number];
  readonly milli: readonly [number, number, number, number | undefined, number | undefined];
  readonly priority: number;
  readonly startMs: number;
  readonly lengthMs: number;
  readonly doc: { [key: string]: Json };
}

const instanceArb: fc.Arbitrary<InstanceValues> = fc
  .record({
    id: idArb,
    phase: fc.constantFrom(...INSTANCE_PHASES),
    milli: fc.tuple(milliArb, milliArb, milliArb, fc.option(milliArb, { nil: undefined }), fc.option(milliArb, { nil: undefined })),
    affinity: fc.subarray([...LICENSES]),
    range: fc.option(rangeArb, { nil: undefined }),
    defs: fc.array(textArb, { maxLength: 3 }),
    region: fc.option(textArb, { nil: null }),
    priority: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    startMs: instantArb,
    lengthMs: fc.integer({ min: 1, max: 1e9 }),
    offset: fc.boolean(),
    workerId: fc.option(idArb, { nil: null }),
    extra: fc.dictionary(fc.constantFrom('note', 'labels', 'x-extension', 'version'), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>),
  })
  .map((v) => {
    const [cpu, memory, storage, nodes, ports] = v.milli;
    const requirements: { [key: string]: Json } = { cpuCores: cpu / 1000, memoryGb: memory / 1000, storageGb: storage / 1000 };
    if (nodes !== undefined) requirements['nodes'] = nodes / 1000;
    if (ports !== undefined) requirements['ports'] = ports / 1000;
    requirements['licenseAffinity'] = v.affinity;
    if (v.range !== undefined) requirements['cmlVersion'] = v.range;
    requirements['nodeDefinitions'] = v.defs;
    const doc: { [key: string]: Json } = {
      ...v.extra,
      id: v.id, definitionId: 'lab-1', phase: v.phase, requirements, preferredRegion: v.region,
      timeslot: { start: rfc3339(v.startMs, v.offset), end: rfc3339(v.startMs + v.lengthMs, !v.offset) },
      priority: v.priority, workerId: v.workerId, createdAt: rfc3339(v.startMs - 1, v.offset),
    };
    return { id: v.id, phase: v.phase, milli: v.milli, priority: v.priority, startMs: v.startMs, lengthMs: v.lengthMs, doc };
  });

interface WorkerValues {
  readonly id: string;
  readonly milli: readonly [number, number, number, number | undefined, number | undefined];
  readonly version: string | undefined;
  readonly doc: { [key: string]: Json };
}

const workerArb: fc.Arbitrary<WorkerValues> = fc
  .record({
    id: idArb,
    status: fc.constantFrom(...WORKER_STATUSES),
    license: fc.constantFrom(...LICENSES),
    milli: fc.tuple(milliArb, milliArb, milliArb, fc.option(milliArb, { nil: undefined }), fc.option(milliArb, { nil: undefined })),
    version: fc.option(versionArb, { nil: undefined }),
    defs: fc.array(textArb, { maxLength: 4 }),
    region: fc.option(textArb, { nil: undefined }),
    labels: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), textArb, { maxKeys: 3 }),
  })
  .map((v) => {
    const [cpu, memory, storage, nodes, ports] = v.milli;
    const capacity: { [key: string]: Json } = { cpuCores: cpu / 1000, memoryGb: memory / 1000, storageGb: storage / 1000 };
    if (nodes !== undefined) capacity['nodes'] = nodes / 1000;
    if (ports !== undefined) capacity['ports'] = ports / 1000;
    const doc: { [key: string]: Json } = {
      id: v.id, name: `cml-${v.id}`, status: v.status, license: v.license, nodeDefinitions: v.defs, capacity, labels: v.labels, template: 'multi-sessions',
    };
    if (v.version !== undefined) doc['cmlVersion'] = v.version;
    if (v.region !== undefined) doc['region'] = v.region;
    return { id: v.id, milli: v.milli, version: v.version, doc };
  });

// ---- bad values, by the kind of field they go in --------------------------------------------

const raw = (text: string): Raw => ({ raw: text });
const isRaw = (v: BadValue): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v) && 'raw' in v && typeof v.raw === 'string' && Object.keys(v).length === 1;
const wrongTypes: fc.Arbitrary<BadValue> = fc.constantFrom<BadValue>('2', 'true', true, false, [], [1], {}, { value: 2 });

/** Numbers a quantity must refuse: negative, above 1e9, more than 3 decimals, non-finite, or not a number. */
const badQuantity = (required: boolean): fc.Arbitrary<BadValue> =>
  fc.oneof(
    fc.tuple(fc.nat(1e9), fc.integer({ min: 1, max: 999 })).map(([a, b]) => raw(`-${a}.${String(b).padStart(3, '0')}`)),
    fc.integer({ min: 1, max: 1e15 }).map((n) => raw(`-${n}`)),
    fc.constantFrom(raw('1000000000.001'), raw('1e10'), raw('9007199254740993'), raw('1.7976931348623157e308'), raw('1e999'), raw('-1e999')),
    fc.integer({ min: 1_000_000_001, max: Number.MAX_SAFE_INTEGER }).map((n) => raw(String(n))),
    fc.tuple(fc.nat(1e6), fc.integer({ min: 4, max: 9 }), fc.integer({ min: 1, max: 9 })).chain(([whole, places, last]) =>
      fc.stringMatching(new RegExp(`^[0-9]{${places - 1}}$`)).map((digits) => raw(`${whole}.${digits}${last}`))),
    wrongTypes,
    ...(required ? [fc.constantFrom<BadValue>(null, MISSING)] : []),
  );

const badEnum = (valid: readonly string[], required: boolean): fc.Arbitrary<BadValue> =>
  fc.oneof(
    fc.constantFrom(...valid).map((v) => v.toLowerCase() === v ? v.toUpperCase() : v.toLowerCase()),
    textArb.filter((s) => !valid.includes(s)),
    fc.constantFrom<BadValue>(1, true, [], {}, ...(required ? ([null, MISSING] as BadValue[]) : [])),
  );

/** Strings that break the contract's id pattern: "/", "..", "%", unicode, too long, empty, a leading dot or dash. */
const badIdArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(idArb, idArb).map(([a, b]) => `${a}/${b}`),
  idArb.map((a) => `../${a}`),
  fc.constant('..'),
  idArb.map((a) => `${a.slice(0, 64)}%2F`),
  fc.tuple(idArb, fc.constantFrom('é', 'ß', '中', '🙂', '\u200b', ' ', '\n', '\u0000')).map(([a, u]) => `${a.slice(0, 100)}${u}`),
  fc.integer({ min: 129, max: 5_000 }).map((n) => `a${'b'.repeat(n - 1)}`),
  fc.constantFrom('', '.hidden', '-lead', '_lead'),
).filter((s) => !CONTRACT_ID.test(s));

const badIdValue = (required: boolean): fc.Arbitrary<BadValue> =>
  fc.oneof(badIdArb, fc.constantFrom<BadValue>(7, true, [], ...(required ? ([null, MISSING] as BadValue[]) : [])));

/** Ranges node-semver refuses: the contract's oracle is node-semver itself. */
const refusesRange = (s: string): boolean => {
  try {
    new Range(s);
    return false;
  } catch {
    return true;
  }
};
const badRangeArb: fc.Arbitrary<BadValue> = fc.oneof(
  fc.constantFrom('>=banana', '2.x.x.x', '>>2.0.0', '=>2.0.0', '^', '~', '2.9.1-', '>=2.0.0 garbage', '%', '..', '1.2.3 ||| 2', '(1.0.0)', 'latest'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter(refusesRange),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => `>=${'9'.repeat(n)}`).filter(refusesRange),
  fc.constantFrom<BadValue>(2.9, true, ['>=2.0.0'], {}),
);

const badVersionArb: fc.Arbitrary<BadValue> = fc.oneof(
  fc.constantFrom('2.9', 'v2.9.1', '2.9.1 ', ' 2.9.1', '02.9.1', '2.09.1', '2.9.1-', '1.2.3.4', '', 'latest', '2.9.1+', '99999999999999999.0.0'),
  versionArb.map((v) => `=${v}`),
  fc.constantFrom<BadValue>(2.9, 2, true, [], {}),
);

const badTimeArb = (required: boolean): fc.Arbitrary<BadValue> => fc.oneof(
  fc.constantFrom('2026-11-27T10:00:00', '2026-11-27', '2026-11-27T10:00Z', '2026-02-30T10:00:00Z', '2026-13-01T10:00:00Z', 'tomorrow', '', '2026-11-27 10:00:00Z'),
  instantArb.map((ms) => new Date(ms).toUTCString()),
  fc.constantFrom<BadValue>(1764237600000, true, [], {}, ...(required ? ([null, MISSING] as BadValue[]) : [])),
);

const badIntegerArb: fc.Arbitrary<BadValue> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).filter((x) => !Number.isInteger(x)),
  fc.constantFrom<BadValue>(raw('1e300'), raw('-1e300'), raw('9007199254740993'), raw('1e999'), '1', true, [], {}),
);

const badStringArb: fc.Arbitrary<BadValue> = fc.constantFrom<BadValue>(1, true, [], { name: 'x' });
const badStringListArb: fc.Arbitrary<BadValue> = fc.constantFrom<BadValue>('iosv', 1, {}, true, [1], ['iosv', null], [['iosv']]);

interface Mutation {
  /** Where the bad value goes in the document. */
  readonly path: readonly string[];
  readonly value: fc.Arbitrary<BadValue>;
  /** The reason must name this field (zod's dotted path). */
  readonly names: string;
  /** False when the mutation hides the phase (then InvalidSpec cannot be reported). */
  readonly keepsPhase: boolean;
}

const quantities = (root: string): Mutation[] => [
  ...['cpuCores', 'memoryGb', 'storageGb'].map((f) => ({ path: [root, f], value: badQuantity(true), names: `${root}.${f}`, keepsPhase: true })),
  ...['nodes', 'ports'].map((f) => ({ path: [root, f], value: badQuantity(false), names: `${root}.${f}`, keepsPhase: true })),
];

const INSTANCE_MUTATIONS: readonly Mutation[] = [
  ...quantities('requirements'),
  { path: ['phase'], value: badEnum(INSTANCE_PHASES, true), names: 'phase', keepsPhase: false },
  { path: ['requirements', 'licenseAffinity'], value: badEnum(LICENSES, false).map((v) => [v === MISSING ? 'gold' : isRaw(v) ? 'gold' : v]), names: 'requirements.licenseAffinity', keepsPhase: true },
  { path: ['requirements', 'licenseAffinity'], value: fc.constantFrom<BadValue>('enterprise', 1, {}), names: 'requirements.licenseAffinity', keepsPhase: true },
  { path: ['requirements', 'cmlVersion'], value: badRangeArb, names: 'requirements.cmlVersion', keepsPhase: true },
  { path: ['requirements', 'nodeDefinitions'], value: badStringListArb, names: 'requirements.nodeDefinitions', keepsPhase: true },
  { path: ['requirements'], value: fc.constantFrom<BadValue>(MISSING, null, [], 'big', 3), names: 'requirements', keepsPhase: true },
  { path: ['id'], value: badIdValue(true), names: 'id', keepsPhase: true },
  { path: ['workerId'], value: badIdValue(false), names: 'workerId', keepsPhase: true },
  { path: ['timeslot', 'start'], value: badTimeArb(true), names: 'timeslot.start', keepsPhase: true },
  { path: ['timeslot', 'end'], value: badTimeArb(true), names: 'timeslot.end', keepsPhase: true },
  { path: ['timeslot'], value: fc.constantFrom<BadValue>('2026-11-27T10:00:00Z', 1, [], true), names: 'timeslot', keepsPhase: true },
  { path: ['createdAt'], value: badTimeArb(false), names: 'createdAt', keepsPhase: true },
  { path: ['priority'], value: badIntegerArb, names: 'priority', keepsPhase: true },
  { path: ['definitionId'], value: badStringArb, names: 'definitionId', keepsPhase: true },
  { path: ['preferredRegion'], value: badStringArb, names: 'preferredRegion', keepsPhase: true },
];

const WORKER_MUTATIONS: readonly Mutation[] = [
  ...quantities('capacity'),
  { path: ['status'], value: badEnum(WORKER_STATUSES, true), names: 'status', keepsPhase: true },
  { path: ['license'], value: badEnum(LICENSES, true), names: 'license', keepsPhase: true },
  { path: ['cmlVersion'], value: badVersionArb, names: 'cmlVersion', keepsPhase: true },
  { path: ['nodeDefinitions'], value: badStringListArb, names: 'nodeDefinitions', keepsPhase: true },
  { path: ['labels'], value: fc.constantFrom<BadValue>({ zone: 3 }, { zone: null }, ['a'], 'zone=a'), names: 'labels', keepsPhase: true },
  { path: ['capacity'], value: fc.constantFrom<BadValue>(MISSING, null, [], 48), names: 'capacity', keepsPhase: true },
  { path: ['id'], value: badIdValue(true), names: 'id', keepsPhase: true },
  { path: ['name'], value: badStringArb, names: 'name', keepsPhase: true },
  { path: ['region'], value: badStringArb, names: 'region', keepsPhase: true },
  { path: ['template'], value: badStringArb, names: 'template', keepsPhase: true },
];

/** A valid document, one of the mutations, and a bad value for it (the mutation without its generator, so a counterexample prints short). */
function withOneBadField<V>(valid: fc.Arbitrary<V>, mutations: readonly Mutation[]): fc.Arbitrary<{ v: V; m: Omit<Mutation, 'value'>; bad: BadValue }> {
  return fc.tuple(valid, fc.constantFrom(...mutations)).chain(([v, m]) =>
    m.value.map((bad: BadValue) => ({ v, m: { path: m.path, names: m.names, keepsPhase: m.keepsPhase }, bad })));
}

const RAW_MARK = '\u0001raw\u0001';

/** The document's JSON text with value at path (MISSING deletes the field; Raw is spliced in as written). */
function withValue(doc: { [key: string]: Json }, path: readonly string[], value: BadValue): Buffer {
  const copy = structuredClone(doc);
  let node: { [key: string]: Json } = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as { [key: string]: Json };
  }
  const last = path[path.length - 1] ?? '';
  if (value === MISSING) delete node[last];
  else node[last] = isRaw(value) ? RAW_MARK : value;
  const text = JSON.stringify(copy);
  return Buffer.from(isRaw(value) ? text.replace(JSON.stringify(RAW_MARK), value.raw) : text, 'utf8');
}

function expectMalformed(d: Decoded, kind: 'instance' | 'worker'): Malformed {
  if (d.type !== 'malformed') throw new Error(`expected a malformed ${kind}, got ${d.type}`);
  expect(d.kind).toBe(kind);
  expect(d.reason.startsWith(`${kind}: `)).toBe(true);
  expect(d.reason.length).toBeLessThanOrEqual(MAX_REASON);
  return d;
}

const instanceKey = (id: string): string => `${P}/instances/${id}`;
const workerKey = (id: string): string => `${P}/workers/${id}`;

describe('decode under bad input (property-based, seeded)', () => {
  it('decodes every valid instance document to exactly its values, in thousandths and epoch ms', () => {
    fc.assert(fc.property(instanceArb, (v) => {
      const d = decode(P, instanceKey(v.id), Buffer.from(JSON.stringify(v.doc), 'utf8'));
      if (d.type !== 'instance') throw new Error(`valid instance refused: ${d.type === 'malformed' ? d.reason : d.type}`);
      const r = d.instance.requirements.resources;
      expect([r.cpuMilli, r.memoryMilli, r.storageMilli, r.nodesMilli, r.portsMilli]).toEqual(v.milli.map((m) => m ?? 0));
      expect([d.instance.id, d.instance.phase, d.instance.priority]).toEqual([v.id, v.phase, v.priority]);
      expect([d.instance.timeslot?.startMs, d.instance.timeslot?.endMs, d.instance.createdAtMs]).toEqual([v.startMs, v.startMs + v.lengthMs, v.startMs - 1]);
    }), PARAMS);
  });

  it('decodes every valid worker document, absent nodes and ports meaning unlimited', () => {
    fc.assert(fc.property(workerArb, (v) => {
      const d = decode(P, workerKey(v.id), Buffer.from(JSON.stringify(v.doc), 'utf8'));
      if (d.type !== 'worker') throw new Error(`valid worker refused: ${d.type === 'malformed' ? d.reason : d.type}`);
      const c = d.worker.capacity;
      expect([c.cpuMilli, c.memoryMilli, c.storageMilli, c.nodesMilli, c.portsMilli]).toEqual([...v.milli]);
      expect(d.worker.cmlVersion?.raw).toBe(v.version);
    }), PARAMS);
  });

  it('classifies an instance with one bad field as malformed, naming the field, with its id and phase still read', () => {
    fc.assert(fc.property(withOneBadField(instanceArb, INSTANCE_MUTATIONS), ({ v, m, bad }) => {
      const d = expectMalformed(decode(P, instanceKey(v.id), withValue(v.doc, m.path, bad)), 'instance');
      expect(d.reason).toContain(m.names);
      expect(d.id).toBe(v.id);
      if (m.keepsPhase) expect(d.phase).toBe(v.phase);
    }), PARAMS);
  });

  it('classifies a worker with one bad field as malformed, naming the field', () => {
    fc.assert(fc.property(withOneBadField(workerArb, WORKER_MUTATIONS), ({ v, m, bad }) => {
      const d = expectMalformed(decode(P, workerKey(v.id), withValue(v.doc, m.path, bad)), 'worker');
      expect(d.reason).toContain(m.names);
      expect([d.id, d.phase]).toEqual([v.id, undefined]);
    }), PARAMS);
  });

  it('refuses a body id that differs from the key, for both kinds', () => {
    const arb = fc.tuple(instanceArb, workerArb, idArb).filter(([i, w, other]) => other !== i.id && other !== w.id);
    fc.assert(fc.property(arb, ([i, w, other]) => {
      const li = expectMalformed(decode(P, instanceKey(other), Buffer.from(JSON.stringify(i.doc))), 'instance');
      expect(li.reason).toContain(`id: "${i.id}" must equal the key's last segment "${other}"`);
      expect([li.id, li.phase]).toEqual([other, i.phase]);
      const wk = expectMalformed(decode(P, workerKey(other), Buffer.from(JSON.stringify(w.doc))), 'worker');
      expect(wk.id).toBe(other);
    }), PARAMS);
  });

  it('classifies every truncation of a valid document, and bytes that are not UTF-8, as malformed values', () => {
    const arb = fc.tuple(fc.oneof(instanceArb.map((v) => ['instance', v.id, v.doc] as const), workerArb.map((v) => ['worker', v.id, v.doc] as const)), fc.double({ min: 0, max: 1, noNaN: true }));
    fc.assert(fc.property(arb, ([[kind, id, doc], at]) => {
      const bytes = Buffer.from(JSON.stringify(doc), 'utf8');
      const cut = bytes.subarray(0, Math.min(bytes.length - 1, Math.floor(at * bytes.length)));
      const key = kind === 'instance' ? instanceKey(id) : workerKey(id);
      expect(expectMalformed(decode(P, key, cut), kind).reason).toMatch(/^(instance|worker): value: must be (JSON|UTF-8)/);
      const invalidUtf8 = Buffer.concat([bytes.subarray(0, cut.length), Buffer.from([0xc3, 0x28, 0xff]), bytes.subarray(cut.length)]);
      expect(expectMalformed(decode(P, key, invalidUtf8), kind).reason).toContain('value: must be UTF-8');
    }), PARAMS);
  });

  it('classifies arbitrary bytes, text and JSON values under a valid key as malformed', () => {
    const value = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'binary', maxLength: 64 }).map((s) => Buffer.from(s, 'utf8')),
      fc.jsonValue({ maxDepth: 3 }).map((j) => Buffer.from(JSON.stringify(j) ?? 'null', 'utf8')),
      fc.integer({ min: 1, max: 20_000 }).map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`)),
      fc.constantFrom('NaN', 'Infinity', '-Infinity', 'undefined', '{"id": "li-1",}', "{'id': 'li-1'}", '\ufeff{}', '').map((s) => Buffer.from(s, 'utf8')),
    );
    fc.assert(fc.property(idArb, fc.constantFrom<'instance' | 'worker'>('instance', 'worker'), value, (id, kind, bytes) => {
      expectMalformed(decode(P, kind === 'instance' ? instanceKey(id) : workerKey(id), bytes), kind);
    }), PARAMS);
  });

  it('classifies a key whose id breaks the pattern as malformed with no id, whatever its value', () => {
    fc.assert(fc.property(badIdArb, fc.constantFrom<'instance' | 'worker'>('instance', 'worker'), instanceArb, (id, kind, v) => {
      const d = expectMalformed(decode(P, kind === 'instance' ? instanceKey(id) : workerKey(id), Buffer.from(JSON.stringify(v.doc))), kind);
      expect(d.reason.startsWith(`${kind}: key: `)).toBe(true);
      expect([d.id, d.phase]).toEqual([undefined, undefined]);
    }), PARAMS);
  });

  it('never throws on any key under or beside the prefix, and agrees with the contract on which ids are valid', () => {
    const keyArb = fc.oneof(
      fc.tuple(fc.constantFrom('/instances/', '/workers/'), fc.string({ unit: 'grapheme', maxLength: 140 })).map(([s, id]) => `${P}${s}${id}`),
      fc.string({ unit: 'grapheme', maxLength: 60 }).map((rest) => `${P}${rest}`),
      fc.string({ unit: 'binary', maxLength: 60 }),
    );
    fc.assert(fc.property(keyArb, fc.uint8Array({ maxLength: 16 }), (key, bytes) => {
      const d = decode(P, key, Buffer.from(bytes));
      const m = /^\/lcm\/(instances|workers)\/(.*)$/s.exec(key);
      if (m === null) {
        expect(['ignored', 'leader']).toContain(d.type);
        return;
      }
      const kind = m[1] === 'instances' ? 'instance' : 'worker';
      expectMalformed(d, kind);
      expect((d as Malformed).id).toBe(CONTRACT_ID.test(m[2] ?? '') ? m[2] : undefined);
    }), PARAMS);
  });
});
