// Test-data builders (a test-only entry point, not exported from index.ts). Each builder holds the
// contract's JSON shape: json() gives that document (for tests that write to etcd or the HTTP API),
// build() decodes it through the same schema the scheduler uses, so tests never hand-craft decoded
// objects that the codec would not produce.
import type { z } from 'zod';
import type { InstancePhase, LabletInstance, LabletInstanceJson } from './lablet-instance';
import { labletInstanceSchema } from './lablet-instance';
import type { License, Worker, WorkerJson, WorkerStatus } from './worker';
import { workerSchema } from './worker';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type WorkerDoc = Mutable<WorkerJson> & { capacity: Mutable<WorkerJson['capacity']> };
type InstanceDoc = Mutable<LabletInstanceJson> & { requirements: Mutable<LabletInstanceJson['requirements']> };

abstract class DocumentBuilder<Doc, Decoded> {
  protected constructor(
    protected readonly doc: Doc,
    private readonly schema: z.ZodType<Decoded, unknown>,
  ) {}

  /** The JSON document (a fresh copy), as the Control Plane API would write it. */
  json(): Doc {
    return structuredClone(this.doc);
  }

  /** The document as UTF-8 bytes, as etcd would hold it. */
  bytes(): Buffer {
    return Buffer.from(JSON.stringify(this.doc), 'utf8');
  }

  /** The decoded object; throws when the document does not validate. */
  build(): Decoded {
    const result = this.schema.safeParse(this.doc);
    if (!result.success) throw new Error(`test builder made an invalid document: ${result.error.message}`);
    return result.data;
  }
}

export class WorkerBuilder extends DocumentBuilder<WorkerDoc, Worker> {
  constructor(id: string) {
    super(
      {
        id,
        name: `cml-${id}`,
        region: 'us-east-1',
        status: 'RUNNING',
        license: 'enterprise',
        cmlVersion: '2.9.1',
        nodeDefinitions: ['iosv', 'csr1000v'],
        capacity: { cpuCores: 48, memoryGb: 192, storageGb: 256 },
        template: 'multi-sessions',
        labels: {},
      },
      workerSchema,
    );
  }

  withId(id: string): this { this.doc.id = id; return this; }
  withName(name: string | undefined): this { this.doc.name = name; return this; }
  withRegion(region: string | undefined): this { this.doc.region = region; return this; }
  withStatus(status: WorkerStatus): this { this.doc.status = status; return this; }
  withLicense(license: License): this { this.doc.license = license; return this; }
  /** undefined removes the field (fails every range). */
  withCmlVersion(version: string | undefined): this { this.doc.cmlVersion = version; return this; }
  withNodeDefinitions(...defs: string[]): this { this.doc.nodeDefinitions = defs; return this; }
  withCpu(cores: number): this { this.doc.capacity.cpuCores = cores; return this; }
  withMemory(gb: number): this { this.doc.capacity.memoryGb = gb; return this; }
  withStorage(gb: number): this { this.doc.capacity.storageGb = gb; return this; }
  /** undefined = unlimited. */
  withNodes(nodes: number | undefined): this { this.doc.capacity.nodes = nodes; return this; }
  /** undefined = unlimited. */
  withPorts(ports: number | undefined): this { this.doc.capacity.ports = ports; return this; }
  withTemplate(template: string | undefined): this { this.doc.template = template; return this; }
  withLabels(labels: Record<string, string>): this { this.doc.labels = { ...labels }; return this; }
}

export class InstanceBuilder extends DocumentBuilder<InstanceDoc, LabletInstance> {
  constructor(id: string) {
    super(
      {
        id,
        definitionId: 'ccnp-enarsi-lab-1.2',
        phase: 'PENDING',
        requirements: { cpuCores: 2, memoryGb: 4, storageGb: 15 },
        priority: 0,
        workerId: null,
        createdAt: '2026-11-27T09:00:00Z',
      },
      labletInstanceSchema,
    );
  }

  withId(id: string): this { this.doc.id = id; return this; }
  withPhase(phase: InstancePhase): this { this.doc.phase = phase; return this; }
  withCpu(cores: number): this { this.doc.requirements.cpuCores = cores; return this; }
  withMemory(gb: number): this { this.doc.requirements.memoryGb = gb; return this; }
  withStorage(gb: number): this { this.doc.requirements.storageGb = gb; return this; }
  withNodes(nodes: number | undefined): this { this.doc.requirements.nodes = nodes; return this; }
  withPorts(ports: number | undefined): this { this.doc.requirements.ports = ports; return this; }
  withLicenseAffinity(...licenses: License[]): this { this.doc.requirements.licenseAffinity = licenses; return this; }
  /** A node-semver range; undefined = any version. */
  withCmlVersion(range: string | undefined): this { this.doc.requirements.cmlVersion = range; return this; }
  withNodeDefinitions(...defs: string[]): this { this.doc.requirements.nodeDefinitions = defs; return this; }
  withPreferredRegion(region: string | undefined): this { this.doc.preferredRegion = region; return this; }
  /** RFC 3339 times; undefined removes the timeslot. */
  withTimeslot(start: string | undefined, end?: string): this {
    this.doc.timeslot = start === undefined || end === undefined ? undefined : { start, end };
    return this;
  }
  withPriority(priority: number): this { this.doc.priority = priority; return this; }
  withWorkerId(workerId: string | undefined): this { this.doc.workerId = workerId ?? null; return this; }
  /** RFC 3339; undefined = absent (sorts last). */
  withCreatedAt(createdAt: string | undefined): this { this.doc.createdAt = createdAt; return this; }
  /** Phase SCHEDULED on workerId: holds capacity there. */
  scheduledOn(workerId: string): this { return this.withPhase('SCHEDULED').withWorkerId(workerId); }
}

/** A RUNNING enterprise worker, CML 2.9.1, 48 cores, 192 GB, 256 GB storage, nodes and ports unlimited. */
export function aWorker(id = 'w-1'): WorkerBuilder {
  return new WorkerBuilder(id);
}

/** A PENDING instance with no worker: 2 cores, 4 GB, 15 GB storage, any license, any version. */
export function anInstance(id = 'li-1'): InstanceBuilder {
  return new InstanceBuilder(id);
}
