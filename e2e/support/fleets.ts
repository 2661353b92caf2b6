// Generated fleets and workloads for e2e tests: deterministic, with known outcomes per group.
import type { LabletInstanceJson, WorkerJson } from '../../pkg/objects';

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];

export function worker(id: string, fields: Partial<WorkerJson> = {}): WorkerJson {
  return {
    id, name: `cml-${id}`, region: REGIONS[Number(id.replace(/\D/g, '') || '0') % REGIONS.length], status: 'RUNNING', license: 'enterprise',
    cmlVersion: '2.9.1', nodeDefinitions: ['iosv', 'iosvl2', 'csr1000v'], template: 'multi-sessions', labels: {},
    capacity: { cpuCores: 32, memoryGb: 128, storageGb: 500, nodes: 100, ports: 1000 },
    ...fields,
  };
}

export function instance(id: string, fields: Partial<LabletInstanceJson> = {}, requirements: Partial<LabletInstanceJson['requirements']> = {}): LabletInstanceJson {
  return {
    id, definitionId: 'lab-1', phase: 'PENDING', workerId: null, priority: 0, createdAt: '2026-11-27T09:00:00Z',
    requirements: { cpuCores: 2, memoryGb: 4, storageGb: 10, nodes: 2, ports: 4, ...requirements },
    ...fields,
  };
}

const pad = (n: number): string => String(n).padStart(4, '0');

/**
 * 200 workers (150 enterprise, 20 personal, 20 DRAINING, 10 evaluation) and 2,000 instances: 1,700
 * small ones and 25 with personal affinity that all fit, and 275 that fit nowhere, for known reasons.
 */
export function mixedFleet(): { workers: WorkerJson[]; instances: LabletInstanceJson[]; placeable: Set<string>; unplaceable: Map<string, string> } {
  const workers: WorkerJson[] = [];
  for (let i = 1; i <= 150; i++) workers.push(worker(`w-ent-${pad(i)}`));
  for (let i = 1; i <= 20; i++) workers.push(worker(`w-per-${pad(i)}`, { license: 'personal', capacity: { cpuCores: 8, memoryGb: 32, storageGb: 64 } }));
  for (let i = 1; i <= 20; i++) workers.push(worker(`w-drn-${pad(i)}`, { status: 'DRAINING' }));
  for (let i = 1; i <= 10; i++) workers.push(worker(`w-evl-${pad(i)}`, { license: 'evaluation', cmlVersion: '2.7.0', nodeDefinitions: ['iosv'] }));

  const instances: LabletInstanceJson[] = [];
  const placeable = new Set<string>();
  const unplaceable = new Map<string, string>();
  for (let i = 1; i <= 1_700; i++) {
    const id = `li-small-${pad(i)}`;
    instances.push(instance(id, { priority: i % 3, preferredRegion: REGIONS[i % 3] }, { cpuCores: 1 + (i % 3), memoryGb: 2 + (i % 7), storageGb: 5 + (i % 16), licenseAffinity: i % 2 === 0 ? ['enterprise'] : ['enterprise', 'evaluation'] }));
    placeable.add(id);
  }
  // Personal affinity: satisfied by the 20 personal workers (one instance each) and by enterprise ones.
  for (let i = 1; i <= 25; i++) {
    const id = `li-per-${pad(i)}`;
    instances.push(instance(id, {}, { cpuCores: 2, memoryGb: 4, storageGb: 10, licenseAffinity: ['personal'] }));
    placeable.add(id);
  }
  const groups: Array<[string, number, Partial<LabletInstanceJson['requirements']>, string]> = [
    ['li-cml3', 100, { cmlVersion: '>=3.0.0' }, 'CmlVersionMismatch'],
    ['li-nxos', 100, { nodeDefinitions: ['nxosv9000'] }, 'MissingNodeDefinition'],
    ['li-huge', 55, { cpuCores: 100, licenseAffinity: ['enterprise'] }, 'InsufficientCpu'],
  ];
  for (const [prefix, count, req, reason] of groups) {
    for (let i = 1; i <= count; i++) {
      const id = `${prefix}-${pad(i)}`;
      instances.push(instance(id, {}, req));
      unplaceable.set(id, reason);
    }
  }
  return { workers, instances, placeable, unplaceable };
}
