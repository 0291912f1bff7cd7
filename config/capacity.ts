/**
 * What every workload of the app namespace asks of the cluster, derived from the config alone.
 * The constructs size their pods from the same config, so the quota invariant and the
 * capacity figures cannot drift from what is deployed.
 */
import { parseQuantity } from './quantity';
import type { EnvironmentConfig, Resources } from './schema';

/** CPU in cores, memory in bytes. */
export interface Compute {
  readonly cpu: number;
  readonly memory: number;
}

export interface WorkloadCapacity {
  /** Config path of the tier, e.g. "backend" or "database.poolers.rw". */
  readonly tier: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Per pod, all containers. */
  readonly requests: Compute;
  readonly limits: Compute;
  /** Persistent storage per pod, bytes. */
  readonly storage: number;
}

export function compute(resources: Resources, part: 'requests' | 'limits'): Compute {
  return { cpu: parseQuantity(resources[part].cpu), memory: parseQuantity(resources[part].memory) };
}

function sum(a: Compute, b: Compute): Compute {
  return { cpu: a.cpu + b.cpu, memory: a.memory + b.memory };
}

function fixed(tier: string, replicas: number, resources: Resources[], storage = 0): WorkloadCapacity {
  return ranged(tier, replicas, replicas, resources, storage);
}

function ranged(tier: string, min: number, max: number, resources: Resources[], storage = 0): WorkloadCapacity {
  const add = (part: 'requests' | 'limits') => resources.map((r) => compute(r, part)).reduce(sum);
  return { tier, minReplicas: min, maxReplicas: max, requests: add('requests'), limits: add('limits'), storage };
}

/** Every workload the app stack runs in the app namespace. */
export function appWorkloads(env: EnvironmentConfig): WorkloadCapacity[] {
  const db = env.database;
  return [
    ranged('backend', env.backend.replicas.min, env.backend.replicas.max, [env.backend.resources]),
    ranged('frontend', env.frontend.replicas.min, env.frontend.replicas.max, [env.frontend.resources]),
    ...Object.entries(env.services).map(([name, s]) => ranged(`services.${name}`, s.replicas.min, s.replicas.max, [s.resources])),
    fixed('database', 1 + db.readReplicas, [db.resources], parseQuantity(db.storage.size)),
    fixed('database.poolers.rw', db.poolers.rw.instances, [db.poolers.rw.resources]),
    fixed('database.poolers.ro', db.poolers.ro.instances, [db.poolers.ro.resources]),
    fixed('cache', env.cache.instances, [env.cache.resources, env.cache.exporterResources]),
  ];
}

export interface Totals {
  readonly pods: number;
  readonly requests: Compute;
  readonly limits: Compute;
  readonly storage: number;
}

/** Sum over workloads with each at its minimum or maximum replica count. */
export function totals(workloads: readonly WorkloadCapacity[], at: 'min' | 'max'): Totals {
  let pods = 0;
  let requests: Compute = { cpu: 0, memory: 0 };
  let limits: Compute = { cpu: 0, memory: 0 };
  let storage = 0;
  for (const w of workloads) {
    const n = at === 'min' ? w.minReplicas : w.maxReplicas;
    pods += n;
    requests = sum(requests, { cpu: w.requests.cpu * n, memory: w.requests.memory * n });
    limits = sum(limits, { cpu: w.limits.cpu * n, memory: w.limits.memory * n });
    storage += w.storage * n;
  }
  return { pods, requests, limits, storage };
}

/** Valkey's maxmemory in bytes: the explicit value, or a share of the container's memory limit. */
export function cacheMaxmemoryBytes(env: EnvironmentConfig): number {
  const { maxmemory, maxmemoryPercent, resources } = env.cache;
  if (maxmemory !== undefined) return parseQuantity(maxmemory);
  const limit = parseQuantity(resources.limits.memory);
  // Whole MiB keeps the generated config readable.
  return Math.floor((limit * maxmemoryPercent) / 100 / 2 ** 20) * 2 ** 20;
}

/** Connections the backend can open at its maximum scale. */
export function backendConnectionsAtMax(env: EnvironmentConfig): number {
  const pool = env.database.clientPool;
  return env.backend.replicas.max * pool.processesPerPod * (pool.size + pool.maxOverflow);
}
