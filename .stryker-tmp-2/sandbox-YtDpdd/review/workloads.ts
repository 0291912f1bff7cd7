/**
 * The workloads of a stack as its construct tree declares them (every construct with a pod
 * footprint), with their requests, limits and storage in base units: what the capacity report
 * prints and the quota check sums, so that a tier added to a stack is counted by both.
 */
// @ts-nocheck

import type { IConstruct } from 'constructs';
import { parseQuantity } from '../constructs/core/quantity';
import type { ResourceRequirements } from '../constructs/core/resources';
import { isWorkload, type PodFootprint } from '../constructs/core/workload';

/** CPU in cores, memory in bytes. */
export interface Compute {
  readonly cpu: number;
  readonly memory: number;
}

export interface WorkloadCapacity {
  /** Name of the workload's objects, e.g. "backend" or "postgres-pooler-rw". */
  readonly workload: string;
  readonly namespace: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Per pod, all containers. */
  readonly requests: Compute;
  readonly limits: Compute;
  /** Persistent storage per pod, bytes. */
  readonly storage: number;
  /** Persistent volume claims per pod. */
  readonly claims: number;
}

export function compute(resources: ResourceRequirements, part: 'requests' | 'limits'): Compute {
  return { cpu: parseQuantity(resources[part].cpu), memory: parseQuantity(resources[part].memory) };
}

function sum(a: Compute, b: Compute): Compute {
  return { cpu: a.cpu + b.cpu, memory: a.memory + b.memory };
}

export function capacityOf(f: PodFootprint): WorkloadCapacity {
  const add = (part: 'requests' | 'limits') => f.containers.map((r) => compute(r, part)).reduce(sum);
  const claims = f.volumeClaims ?? [];
  return {
    workload: f.name,
    namespace: f.namespace,
    minReplicas: f.minReplicas,
    maxReplicas: f.maxReplicas,
    requests: add('requests'),
    limits: add('limits'),
    storage: claims.map(parseQuantity).reduce((a, b) => a + b, 0),
    claims: claims.length,
  };
}

/** Every workload under `root`, in construct order. */
export function workloadsOf(root: IConstruct): WorkloadCapacity[] {
  return root.node.findAll().filter(isWorkload).map((w) => capacityOf(w.footprint));
}

export interface Totals {
  readonly pods: number;
  readonly requests: Compute;
  readonly limits: Compute;
  readonly storage: number;
  readonly claims: number;
}

/** Sum over workloads with each at its minimum or maximum replica count. */
export function totals(workloads: readonly WorkloadCapacity[], at: 'min' | 'max'): Totals {
  let pods = 0;
  let requests: Compute = { cpu: 0, memory: 0 };
  let limits: Compute = { cpu: 0, memory: 0 };
  let storage = 0;
  let claims = 0;
  for (const w of workloads) {
    const n = at === 'min' ? w.minReplicas : w.maxReplicas;
    pods += n;
    requests = sum(requests, { cpu: w.requests.cpu * n, memory: w.requests.memory * n });
    limits = sum(limits, { cpu: w.limits.cpu * n, memory: w.limits.memory * n });
    storage += w.storage * n;
    claims += w.claims * n;
  }
  return { pods, requests, limits, storage, claims };
}
