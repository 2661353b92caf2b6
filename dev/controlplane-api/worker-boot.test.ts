import { FakeClock } from '../../pkg/clock';
import type { ScaleUpTemplate } from '../../pkg/config';
import { parseConfig } from '../../pkg/config';
import { InMemoryStore } from '../../pkg/store';
import { DevApiFixture } from './testing';

const TEMPLATES: readonly ScaleUpTemplate[] = parseConfig(`scaleUp:
  templates:
    - {name: multi, license: enterprise, cmlVersion: 2.9.1, nodeDefinitions: [iosv], region: eu, capacity: {cpuCores: 48, memoryGb: 192, storageGb: 256}, bootSeconds: 1200}
`).scaleUp.templates;

describe('development API booting the workers of a scale-up (issue 19)', () => {
  let f: DevApiFixture;
  let clock: FakeClock;
  let token: number;

  beforeEach(async () => {
    clock = new FakeClock();
    f = await DevApiFixture.start({ store: new InMemoryStore(), prefix: '/lcm', templates: () => TEMPLATES, clock });
    token = await f.becomeLeader();
  });
  afterEach(() => f.close());

  const scaleUp = (template: string, count: number | undefined, idempotencyKey = 'k-1') =>
    f.scaleUp({ template, reason: 'forecast', instanceIds: ['li-1'], ...(count === undefined ? {} : { count }) }, { fencingToken: token, idempotencyKey });

  /** Status of every worker of the fleet, by id. */
  async function statuses(): Promise<Record<string, string>> {
    const listed = await f.store.list('/lcm/workers/');
    return Object.fromEntries(listed.kvs.map((kv) => {
      const doc = JSON.parse(kv.value.toString('utf8')) as { id: string; status: string };
      return [doc.id, doc.status];
    }));
  }

  it('writes count workers of the template PENDING, STARTING halfway through bootSeconds, RUNNING at its end', async () => {
    expect((await scaleUp('multi', 2)).status).toBe(202);
    const [request] = await f.api.reports.scaleUps();
    expect(request?.workerIds).toHaveLength(2);
    const ids = request?.workerIds ?? [];
    expect(await statuses()).toEqual(Object.fromEntries(ids.map((id) => [id, 'PENDING'])));
    const [first] = (await f.store.list('/lcm/workers/')).kvs;
    expect(JSON.parse(first?.value.toString('utf8') ?? '{}')).toMatchObject({
      license: 'enterprise', cmlVersion: '2.9.1', nodeDefinitions: ['iosv'], region: 'eu', template: 'multi',
      capacity: { cpuCores: 48, memoryGb: 192, storageGb: 256 },
    });

    clock.step(599_999);
    await settle();
    expect(Object.values(await statuses())).toEqual(['PENDING', 'PENDING']);
    clock.step(1);
    await eventuallyStatuses(['STARTING', 'STARTING']);
    clock.step(600_000);
    await eventuallyStatuses(['RUNNING', 'RUNNING']);
  });

  it('adds one worker when count is absent, and none for a repeated Idempotency-Key', async () => {
    await scaleUp('multi', undefined);
    expect((await scaleUp('multi', 5)).status).toBe(202);
    expect(Object.keys(await statuses())).toHaveLength(1);
  });

  it('refuses a template it does not know, adding nothing', async () => {
    const answer = await scaleUp('unknown', 1);
    expect([answer.status, answer.body]).toEqual([409, expect.objectContaining({ reason: 'ScaleUpRefused' })]);
    expect(await statuses()).toEqual({});
  });

  it('leaves a booting worker that someone else changed as it is', async () => {
    await scaleUp('multi', 1);
    const [id] = Object.keys(await statuses());
    const kv = await f.store.get(`/lcm/workers/${id}`);
    const doc = JSON.parse(kv?.value.toString('utf8') ?? '{}') as Record<string, unknown>;
    await f.addWorker({ ...doc, id: id ?? '', status: 'FAILED' });
    clock.step(1_200_000);
    await settle();
    expect(await statuses()).toEqual({ [id ?? '']: 'FAILED' });
  });

  /** Lets the in-memory store finish what fired timers started (it completes within a few turns). */
  async function settle(): Promise<void> {
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  }

  async function eventuallyStatuses(expected: readonly string[]): Promise<void> {
    for (let round = 0; round < 100; round++) {
      if (JSON.stringify(Object.values(await statuses())) === JSON.stringify(expected)) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(Object.values(await statuses())).toEqual(expected);
  }
});
