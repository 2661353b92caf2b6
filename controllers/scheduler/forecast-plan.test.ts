import { parseConfig } from '../../pkg/config';
import { createPlacer } from '../../pkg/placement';
import { anInstance } from '../../pkg/objects/testing';
import type { Shortfall } from './forecast-plan';
import { planScaleUps, scaleUpRequestOf } from './forecast-plan';

const TEMPLATES = parseConfig(`scaleUp:
  templates:
    - {name: small, license: enterprise, cmlVersion: 2.9.1, nodeDefinitions: [iosv], capacity: {cpuCores: 8, memoryGb: 32, storageGb: 100}, bootSeconds: 600}
    - {name: big, license: enterprise, cmlVersion: 2.9.1, nodeDefinitions: [iosv, nxosv9000], capacity: {cpuCores: 48, memoryGb: 192, storageGb: 256}, bootSeconds: 1200}
`).scaleUp.templates;
const placer = createPlacer('default', {});
const NINE = Date.parse('2026-12-04T09:00:00Z');

function shortfall(id: string, cpuCores: number, readyAtMs: number, nodeDefinitions: string[] = []): Shortfall {
  const instance = anInstance(id).withCpu(cpuCores).withMemory(4).withStorage(10).withNodeDefinitions(...nodeDefinitions).build();
  return { instance, readyAtMs, message: '0/1 workers fit: 1 InsufficientCpu', reasons: { InsufficientCpu: 1 } };
}

describe('planScaleUps (contract §5)', () => {
  it('opens a worker of the first listed template that fits, and fills it before opening another', () => {
    const plan = planScaleUps([
      shortfall('li-3', 4, NINE + 60_000), shortfall('li-1', 4, NINE), shortfall('li-2', 4, NINE + 120_000),
    ], TEMPLATES, placer, 5);
    // 8 cores per small worker: li-3 and li-1 fill the first, li-2 opens a second.
    expect(plan.needs).toEqual([{
      template: 'small', count: 2, neededByMs: NINE, requestAtMs: NINE - (600 + 5 * 60) * 1000, instanceIds: ['li-1', 'li-2', 'li-3'],
    }]);
    expect(plan.unplanned).toEqual([]);
  });

  it('goes to a later template only for what the first does not fit, and names what none fits', () => {
    const plan = planScaleUps([
      shortfall('li-small', 2, NINE), shortfall('li-huge', 64, NINE), shortfall('li-nx', 2, NINE + 60_000, ['nxosv9000']),
    ], TEMPLATES, placer, 5);
    expect(plan.needs.map((n) => [n.template, n.count, n.instanceIds])).toEqual([['small', 1, ['li-small']], ['big', 1, ['li-nx']]]);
    expect(plan.unplanned.map((s) => s.instance.id)).toEqual(['li-huge']);
  });

  it('puts a shortfall on an opened worker of another template when the placer chooses it (workers fill like real ones)', () => {
    const plan = planScaleUps([shortfall('li-nx', 2, NINE, ['nxosv9000']), shortfall('li-a', 2, NINE)], TEMPLATES, placer, 0);
    expect(plan.needs).toEqual([expect.objectContaining({ template: 'big', count: 1, instanceIds: ['li-a', 'li-nx'] })]);
  });
});

describe('scaleUpRequestOf', () => {
  const need = { template: 'small', count: 2, neededByMs: NINE, requestAtMs: NINE - 900_000, instanceIds: ['li-1', 'li-2'] };

  it('asks for count workers with the contract reason', () => {
    expect(scaleUpRequestOf(need).body).toEqual({
      template: 'small', count: 2, instanceIds: ['li-1', 'li-2'], reason: 'forecast: 2 needed by 2026-12-04T09:00:00.000Z for 2 booked instances',
    });
  });

  it.each([
    ['the same need again', need, true],
    ['another template', { ...need, template: 'big' }, false],
    ['another neededBy', { ...need, neededByMs: NINE + 1 }, false],
    ['another instance', { ...need, instanceIds: ['li-1', 'li-3'] }, false],
    ['another count for the same instances', { ...need, count: 3 }, true],
  ])('gives %s the same Idempotency-Key: %s', (_name, other, same) => {
    expect(scaleUpRequestOf(other).idempotencyKey === scaleUpRequestOf(need).idempotencyKey).toBe(same);
  });

  it('names at most 100 instances', () => {
    const ids = Array.from({ length: 150 }, (_, i) => `li-${String(i).padStart(3, '0')}`);
    expect(scaleUpRequestOf({ ...need, instanceIds: ids }).body.instanceIds).toHaveLength(100);
  });
});
