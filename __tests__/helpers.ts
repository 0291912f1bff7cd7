import { Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { appliedObject } from '../constructs/core/custom-resource';
import { valueAt as at } from '../constructs/core/object-path';
import { dev, prod, staging } from '../config/environments';
import { loadEnvironment } from '../config/load';
import type { EnvironmentConfig, EnvironmentInput } from '../config/schema';
import { addEnvironment } from '../stacks/environment';

export type Json = Record<string, unknown>;
export type Resource = Json & { readonly __type: string; readonly __name: string };

export const ENVIRONMENTS: Record<string, EnvironmentInput> = { dev, staging, prod };

/** A well-formed image digest, for references pinned by one. */
export const DIGEST = `sha256:${'a'.repeat(64)}`;

export interface Synthesized {
  readonly platform: Json;
  readonly app: Json;
}

/**
 * A fixture the tests of a file share: computed when a test (or its `beforeEach`) first asks, then
 * reused. Stryker credits the code a mutant touches to the test running at the time, and runs only
 * those tests against the mutant; output computed at load or in a `beforeAll` is credited to no
 * test, so the tests that read it would never be run against the mutants in it. In Stryker's
 * coverage run (its `__stryker__` global, no active mutant) every test therefore computes its own;
 * with a mutant active, once per mutant.
 */
export function fixture<T>(compute: () => T): () => T {
  let cached: { readonly value: T; readonly mutant: string | undefined } | undefined;
  return () => {
    const stryker = (globalThis as { __stryker__?: { activeMutant?: string } }).__stryker__;
    if (stryker !== undefined && stryker.activeMutant === undefined) return compute();
    if (cached === undefined || cached.mutant !== stryker?.activeMutant) cached = { value: compute(), mutant: stryker?.activeMutant };
    return cached.value;
  };
}

/** The first Deployment of a synthesized scope, its pod spec and that pod's first container. */
export function firstDeployment(out: Json): { readonly deployment: Resource; readonly pod: Json; readonly container: Json } {
  const deployment = resources(out, 'kubernetes_deployment_v1')[0];
  const pod = at(deployment, 'spec', 'template', 'spec') as Json;
  return { deployment, pod, container: at(pod, 'container', 0) as Json };
}

/** Synthesizes one environment's two stacks (with aspects, without metadata) as parsed JSON. */
export function synthesize(input: EnvironmentInput): Synthesized {
  const app = Testing.app();
  const stacks = addEnvironment(app, loadEnvironment(input, {}));
  return { platform: JSON.parse(Testing.synth(stacks.platform)), app: JSON.parse(Testing.synth(stacks.app)) };
}

/** Every resource of a stack, optionally of one Terraform type. */
export function resources(stack: Json, type?: string): Resource[] {
  const all = (stack.resource ?? {}) as Record<string, Record<string, Json>>;
  return Object.entries(all)
    .filter(([t]) => type === undefined || t === type)
    .flatMap(([t, byName]) => Object.entries(byName).map(([name, body]) => ({ ...body, __type: t, __name: name })));
}

/** The Kubernetes object of every custom resource (kubectl_manifest or kubernetes_manifest), optionally of one kind. */
export function manifests(stack: Json, kind?: string): Json[] {
  return resources(stack)
    .map((r) => appliedObject(r.__type, r))
    .filter((m): m is Json => m !== undefined)
    .filter((m) => kind === undefined || m.kind === kind);
}

/** The resource (kubectl_manifest or kubernetes_manifest) that applies the custom resource of a kind. */
export function customResource(stack: Json, kind: string): Resource | undefined {
  return resources(stack).find((r) => appliedObject(r.__type, r)?.kind === kind);
}

export { at };

export function metadataName(r: Json): string {
  return at(r, 'metadata', 'name') as string;
}

/** A copy of `input` with the value at a dotted path replaced (or removed, for undefined). */
export function withValue(input: EnvironmentInput, path: string, value: unknown): EnvironmentInput {
  const copy = structuredClone(input) as Json;
  const keys = path.split('.');
  let node: Json = copy;
  for (const key of keys.slice(0, -1)) {
    node[key] = { ...((node[key] as Json | undefined) ?? {}) };
    node = node[key] as Json;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy as EnvironmentInput;
}

/** The NetworkPolicies of a stack by name. */
export function networkPolicies(stack: Json): Map<string, Resource> {
  return new Map(resources(stack, 'kubernetes_network_policy_v1').map((p) => [metadataName(p), p]));
}

/** Synthesizes the constructs `build` adds to a scope, as parsed Terraform JSON. */
export function synthScope(build: (scope: Construct) => void): Json {
  return JSON.parse(Testing.synthScope(build));
}

/** The typed config of a shipped environment, for constructing pieces alone. */
export function config(name: keyof typeof ENVIRONMENTS = 'prod'): EnvironmentConfig {
  return loadEnvironment(ENVIRONMENTS[name], {});
}
