// @ts-nocheck
import type { IConstruct } from 'constructs';
import type { ResourceRequirements } from './resources';

/** What one workload's pods ask of the cluster, read by the capacity report and the quota check. */
export interface PodFootprint {
  /** Name of the workload's objects. */
  readonly name: string;
  readonly namespace: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Every container of one pod. */
  readonly containers: readonly ResourceRequirements[];
  /** Size of each persistent volume claim one pod has. @default none */
  readonly volumeClaims?: readonly string[];
}

/** A construct that runs pods. */
export interface Workload extends IConstruct {
  readonly footprint: PodFootprint;
}

export function isWorkload(c: IConstruct): c is Workload {
  return (c as Partial<Workload>).footprint !== undefined;
}
