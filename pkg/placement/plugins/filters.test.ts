import type { Capacity, License, Resources, WorkerStatus } from '../../objects';
import { toThousandths } from '../../objects';
import { anInstance, aWorker } from '../../objects/testing';
import { rejectedByApi } from './api-rejection';
import { cmlVersionFits } from './cml-version';
import { licenseSatisfies } from './license-affinity';
import { hasNodeDefinitions } from './node-definitions';
import { personalLicenseInUse } from './personal-license';
import { resourcesVerdict } from './resources-fit';
import { workerStatusReason } from './worker-status';
import { RESOURCE_STRIDE, writeResources } from '../worker-table';

/** Thousandths of a decimal quantity, refusing values the codec would refuse. */
function milli(x: number): number {
  const m = toThousandths(x);
  if (m === undefined) throw new Error(`${x} is not a valid quantity`);
  return m;
}

const res = (cpu: number, memory = 0, storage = 0, nodes = 0, ports = 0): Resources => ({
  cpuMilli: milli(cpu), memoryMilli: milli(memory), storageMilli: milli(storage), nodesMilli: milli(nodes), portsMilli: milli(ports),
});

const cap = (cpu: number, memory: number, storage: number, nodes?: number, ports?: number): Capacity => ({
  cpuMilli: milli(cpu), memoryMilli: milli(memory), storageMilli: milli(storage),
  nodesMilli: nodes === undefined ? undefined : milli(nodes), portsMilli: ports === undefined ? undefined : milli(ports),
});

describe('WorkerStatus', () => {
  it.each<[string, WorkerStatus, string | undefined]>([
    ['running takes new instances', 'RUNNING', undefined],
    ['draining counts as WorkerDraining', 'DRAINING', 'WorkerDraining'],
    ['stopped is not running', 'STOPPED', 'WorkerNotRunning'],
    ['still starting is not running', 'STARTING', 'WorkerNotRunning'],
    ['unknown is not running', 'UNKNOWN', 'WorkerNotRunning'],
  ])('%s', (_name, status, reason) => {
    expect(workerStatusReason(status)).toBe(reason);
  });
});

describe('LicenseAffinity', () => {
  it.each<[string, License, License[], boolean]>([
    ['enterprise satisfies enterprise', 'enterprise', ['enterprise'], true],
    ['enterprise satisfies personal', 'enterprise', ['personal'], true],
    ['enterprise does not satisfy evaluation', 'enterprise', ['evaluation'], false],
    ['personal satisfies personal', 'personal', ['personal'], true],
    ['personal does not satisfy enterprise', 'personal', ['enterprise'], false],
    ['evaluation satisfies evaluation', 'evaluation', ['evaluation'], true],
    ['evaluation does not satisfy personal', 'evaluation', ['personal'], false],
    ['none satisfies only empty affinity: empty', 'none', [], true],
    ['none satisfies only empty affinity: personal', 'none', ['personal'], false],
    ['none satisfies only empty affinity: none listed', 'none', ['none'], false],
    ['empty affinity accepts any license', 'evaluation', [], true],
    ['one of several wanted licenses is enough', 'personal', ['enterprise', 'personal'], true],
  ])('%s', (_name, license, affinity, fits) => {
    expect(licenseSatisfies(license, affinity)).toBe(fits);
  });
});

describe('PersonalLicense', () => {
  it.each<[string, License, number, boolean]>([
    ['an empty personal worker', 'personal', 0, false],
    ['personal worker already holding one', 'personal', 1, true],
    ['an enterprise worker holding many', 'enterprise', 5, false],
  ])('%s', (_name, license, holders, inUse) => {
    expect(personalLicenseInUse(license, holders)).toBe(inUse);
  });
});

describe('CmlVersion', () => {
  const version = (v: string | undefined) => aWorker().withCmlVersion(v).build().cmlVersion;
  const range = (r: string | undefined) => anInstance().withCmlVersion(r).build().requirements.cmlVersion;

  it.each<[string, string | undefined, string | undefined, boolean]>([
    ['2.10.0 satisfies >=2.9.0', '2.10.0', '>=2.9.0', true],
    ['2.9.1 is below 2.10.0', '2.9.1', '>=2.10.0', false],
    ['inside a bounded range', '2.9.1', '>=2.7.0 <3.0.0', true],
    ['the upper bound excluded', '3.0.0', '>=2.7.0 <3.0.0', false],
    ['prerelease fails a plain range', '3.0.0-rc.1', '>=2.9.0', false],
    ['prerelease fails a range it sorts inside', '2.10.0-rc.1', '>=2.9.0 <3.0.0', false],
    ['a range naming a prerelease admits it', '3.0.0-rc.2', '>=3.0.0-rc.1', true],
    ['missing cmlVersion fails a range', undefined, '>=2.0.0', false],
    ['missing cmlVersion fails even the * range', undefined, '*', false],
    ['no range accepts any version', '2.7.0', undefined, true],
    ['no range accepts a missing version', undefined, undefined, true],
    ['a caret range', '2.11.3', '^2.9.0', true],
  ])('%s', (_name, v, r, fits) => {
    expect(cmlVersionFits(version(v), range(r))).toBe(fits);
  });
});

describe('NodeDefinitions', () => {
  it.each<[string, string[], string[], boolean]>([
    ['every definition offered', ['iosv', 'csr1000v', 'nxosv9000'], ['iosv', 'csr1000v'], true],
    ['one definition missing', ['iosv'], ['iosv', 'csr1000v'], false],
    ['nothing required', [], [], true],
    ['case matters', ['IOSv'], ['iosv'], false],
    ['a requirement listed twice', ['iosv'], ['iosv', 'iosv'], true],
  ])('%s', (_name, offered, required, fits) => {
    expect(hasNodeDefinitions(new Set(offered), required)).toBe(fits);
  });
});

describe('ResourcesFit', () => {
  it.each<[string, Resources, Resources, Capacity, string | undefined]>([
    ['equal capacity fits', res(2, 4, 15, 2, 3), res(46, 188, 241, 198, 7997), cap(48, 192, 256, 200, 8000), undefined],
    ['one thousandth over does not fit', res(2.001), res(46), cap(48, 192, 256), 'InsufficientCpu'],
    ['0.1 + 0.2 fits 0.3', res(0.1, 0.1, 0.1), res(0.2, 0.2, 0.2), cap(0.3, 0.3, 0.3), undefined],
    ['memory short', res(1, 8), res(0, 190), cap(48, 192, 256), 'InsufficientMemory'],
    ['storage short', res(1, 1, 20), res(0, 0, 240), cap(48, 192, 256), 'InsufficientStorage'],
    ['nodes short', res(1, 1, 1, 3), res(0, 0, 0, 198), cap(48, 192, 256, 200), 'InsufficientNodes'],
    ['ports short', res(1, 1, 1, 0, 10), res(0, 0, 0, 0, 7995), cap(48, 192, 256, 200, 8000), 'InsufficientPorts'],
    ['unlimited nodes and ports take any count', res(1, 1, 1, 1e6, 1e6), res(0, 0, 0, 5e8, 5e8), cap(48, 192, 256), undefined],
    ['cpu reported before memory when both are short', res(50, 500), res(0), cap(48, 192, 256), 'InsufficientCpu'],
    ['zero capacity fits a zero request', res(0, 0, 0), res(0), cap(0, 0, 0, 0, 0), undefined],
    ['an over-allocated worker takes nothing', res(0), res(49), cap(48, 192, 256), 'InsufficientCpu'],
  ])('%s', (_name, requested, allocated, capacity, reason) => {
    // The worker at position 1 of three-row columns, so a wrong offset reads a neighbour.
    const allocatedColumns = new Float64Array(3 * RESOURCE_STRIDE).fill(7);
    const capacityColumns = new Float64Array(3 * RESOURCE_STRIDE).fill(1e12);
    writeResources(allocatedColumns, 1, allocated);
    writeResources(capacityColumns, 1, capacity);
    const verdict = resourcesVerdict(requested, allocatedColumns, capacityColumns, 1);
    expect(verdict.status === 'unschedulable' ? verdict.reason : undefined).toBe(reason);
  });
});

describe('ApiRejection', () => {
  it.each<[string, string, string[], boolean]>([
    ['a refused worker', 'w-1', ['w-1', 'w-2'], true],
    ['another worker', 'w-3', ['w-1'], false],
    ['nothing refused', 'w-1', [], false],
  ])('%s', (_name, workerId, refused, rejected) => {
    expect(rejectedByApi(workerId, new Set(refused))).toBe(rejected);
  });
});
