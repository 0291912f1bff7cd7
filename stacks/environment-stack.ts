import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TerraformStack, type TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import versions from '../config/versions.json';
import { labelComponents } from '../constructs/core/labels';
import { checkUniqueNamesAtSynth } from '../constructs/core/object-names';
import { providerSource } from './provider-lock';
import { configureState } from './state-backend';

/** The environment's cluster as the kubernetes, kubectl and helm providers take it. */
/** What every object of the app's components is part of (their `app.kubernetes.io/part-of` label). */
export const PART_OF = 'web-topology';

export interface ClusterConnection {
  readonly configPath: string;
  readonly configContext?: string;
}

/** What every stack of an environment shares: its name, its state backend and its cluster. */
export abstract class EnvironmentStack extends TerraformStack {
  protected readonly cluster: ClusterConnection;

  constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    super(scope, id);
    // Before any child: the labels of every component below come from it.
    labelComponents(this, { partOf: PART_OF });
    configureState(this, id, env);
    // Stacks without an AppNamespace (the platform's) are checked too.
    checkUniqueNamesAtSynth(this);
    this.cluster = { configPath: env.cluster.kubeconfigPath, ...(env.cluster.context ? { configContext: env.cluster.context } : {}) };
  }

  /** The kubernetes provider, pinned, pointed at the environment's cluster. */
  protected addKubernetesProvider(): void {
    this.pinProvider('kubernetes', new KubernetesProvider(this, 'kubernetes', this.cluster));
  }

  /**
   * Pins a provider to the version in config/versions.json: the release this project builds
   * and validates against (tools/build.sh), rather than the one the prebuilt bindings name; and
   * names the source its binding declares with the registry host of the binary that runs it
   * (see providerRegistry).
   */
  protected pinProvider(name: keyof typeof versions.providers, provider: TerraformProvider): void {
    this.addOverride(`terraform.required_providers.${name}.source`, providerSource(provider.terraformProviderSource ?? name));
    this.addOverride(`terraform.required_providers.${name}.version`, versions.providers[name]);
  }
}
