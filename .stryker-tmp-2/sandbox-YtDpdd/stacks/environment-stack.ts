// @ts-nocheck
import { TerraformStack, type TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import versions from '../config/versions.json';
import { providerSource } from './provider-lock';
import { configureState } from './state-backend';

/** What every stack of an environment shares: its name and its state backend. */
export abstract class EnvironmentStack extends TerraformStack {
  constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    super(scope, id);
    configureState(this, id, env);
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
