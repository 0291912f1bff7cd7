import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { at, manifests, resources, type Json } from '../../__tests__/helpers';
import type { KubeObject, Labels } from './kube';

/**
 * One synthesized stack (cdk.tf.json), read through the unit tests' helpers. Objects are located
 * by Kubernetes kind and name, never by Terraform address, so refactored constructs keep working.
 */
export class SynthesizedStack {
  readonly json: Json;

  constructor(
    readonly name: string,
    readonly dir: string,
  ) {
    this.json = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as Json;
  }

  static load(outDir: string, name: string): SynthesizedStack {
    return new SynthesizedStack(name, join(outDir, 'stacks', name));
  }

  /** metadata.name of every resource of a Terraform type (provider resources, not manifests). */
  names(type: string): string[] {
    return resources(this.json, type).map((r) => metadataOf(r).name as string);
  }

  /** The app namespace (the stack's one kubernetes_namespace_v1). */
  get namespace(): string {
    const [ns, ...more] = this.names('kubernetes_namespace_v1');
    if (ns === undefined || more.length > 0) throw new Error(`${this.name}: expected one namespace, found ${[ns, ...more].join(', ')}`);
    return ns;
  }

  /** Names of the stack's outputs. */
  outputNames(): string[] {
    return Object.keys((this.json.output ?? {}) as Json);
  }

  /** The Kubernetes objects of every custom resource, optionally of one kind. */
  customResources(kind?: string): KubeObject[] {
    return manifests(this.json, kind) as unknown as KubeObject[];
  }

  /** The helm_release of a chart release name (the platform stacks' operators). */
  helmRelease(releaseName: string): { readonly name: string; readonly values?: readonly string[] } {
    const release = resources(this.json, 'helm_release').find((r) => r.name === releaseName);
    if (release === undefined) throw new Error(`${this.name}: no helm_release named ${releaseName}`);
    return release as unknown as { name: string; values?: string[] };
  }

  /** The data of one of the stack's ConfigMaps. */
  configMapData(name: string): Record<string, string> {
    const map = resources(this.json, 'kubernetes_config_map_v1').find((r) => metadataOf(r).name === name);
    if (map === undefined) throw new Error(`${this.name}: no ConfigMap named ${name}`);
    return (map.data ?? {}) as Record<string, string>;
  }

  /** Selectors of the stack's PodMonitors (what Prometheus scrapes). */
  podMonitorSelectors(): { name: string; selector: Labels }[] {
    return this.customResources('PodMonitor').map((m) => ({
      name: m.metadata.name,
      selector: (at(m, 'spec', 'selector', 'matchLabels') ?? {}) as Labels,
    }));
  }
}

/** A provider resource's metadata block (one object, or a one-element list in older output). */
function metadataOf(r: Json): Json {
  const m = r.metadata;
  return (Array.isArray(m) ? m[0] : m) as Json;
}
