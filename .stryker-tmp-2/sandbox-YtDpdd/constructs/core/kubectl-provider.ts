// @ts-nocheck
import { TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';

/**
 * The gavinbunney/kubectl release these hand-written bindings follow (its resource and provider
 * attributes), as a generated binding records its provider's version. The stacks pin the same
 * release (config/versions.json; a test keeps the two equal).
 */
export const KUBECTL_PROVIDER_VERSION = '1.19.0';

export interface KubectlProviderConfig {
  /** kubeconfig the provider reads. */
  readonly configPath: string;
  /**
   * Context of that kubeconfig.
   * @default its current context
   */
  readonly configContext?: string;
}

/**
 * The gavinbunney/kubectl provider, which CustomResource's `kubectl_manifest` needs in its stack
 * next to the kubernetes provider, pointed at the same cluster. No prebuilt cdktf binding exists.
 */
export class KubectlProvider extends TerraformProvider {
  constructor(
    scope: Construct,
    id: string,
    private readonly config: KubectlProviderConfig,
  ) {
    super(scope, id, {
      terraformResourceType: 'kubectl',
      terraformGeneratorMetadata: { providerName: 'kubectl', providerVersion: KUBECTL_PROVIDER_VERSION },
      terraformProviderSource: 'gavinbunney/kubectl',
    });
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {
      config_path: this.config.configPath,
      config_context: this.config.configContext,
      load_config_file: true,
    };
  }
}
