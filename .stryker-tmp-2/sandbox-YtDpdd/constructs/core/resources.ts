// @ts-nocheck
import type { IConstruct } from 'constructs';
import { checkAtMost, checkQuantity } from './validation';

/** CPU and memory as Kubernetes quantities. */
export interface Compute {
  readonly cpu: string;
  readonly memory: string;
}

/** Requests and limits of one container. */
export interface ResourceRequirements {
  readonly requests: Compute;
  readonly limits: Compute;
}

/** Local scratch space of one container (emptyDir volumes, logs, its writable layer). */
export interface EphemeralStorage {
  readonly request: string;
  readonly limit: string;
}

/** Every quantity is positive and no request exceeds its limit. */
export function checkResources(scope: IConstruct, prop: string, r: ResourceRequirements): void {
  for (const key of ['cpu', 'memory'] as const) {
    checkQuantity(scope, `${prop}.requests.${key}`, r.requests[key]);
    checkQuantity(scope, `${prop}.limits.${key}`, r.limits[key]);
    checkAtMost(scope, `${prop}.requests.${key}`, r.requests[key], `${prop}.limits.${key}`, r.limits[key]);
  }
}

export function checkEphemeralStorage(scope: IConstruct, prop: string, e: EphemeralStorage): void {
  checkQuantity(scope, `${prop}.request`, e.request);
  checkQuantity(scope, `${prop}.limit`, e.limit);
  checkAtMost(scope, `${prop}.request`, e.request, `${prop}.limit`, e.limit);
}

/** A container's `resources`, ephemeral storage included. */
export function containerResources(r: ResourceRequirements, storage: EphemeralStorage): { requests: Record<string, string>; limits: Record<string, string> } {
  return {
    requests: { ...r.requests, 'ephemeral-storage': storage.request },
    limits: { ...r.limits, 'ephemeral-storage': storage.limit },
  };
}
