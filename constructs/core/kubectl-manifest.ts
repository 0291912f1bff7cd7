import { TerraformResource, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { KUBECTL_PROVIDER_VERSION } from './kubectl-provider';

export interface KubectlManifestConfig extends TerraformMetaArguments {
  /**
   * The object as YAML. The provider treats it as sensitive; plans show it as `yaml_body_parsed`.
   */
  readonly yamlBody: string;
  /**
   * Apply server-side (field manager "kubectl"), as the API server merges it.
   * @default false
   */
  readonly serverSideApply?: boolean;
  /**
   * Take over fields another field manager set (the objects' earlier kubernetes_manifest owner).
   * @default false
   */
  readonly forceConflicts?: boolean;
  /**
   * Dotted paths whose live value is not compared (fields a defaulting webhook fills in).
   * @default none
   */
  readonly ignoreFields?: readonly string[];
}

/**
 * `kubectl_manifest` of the gavinbunney/kubectl provider (built from tools/terraform), with the
 * attributes this project sets; no prebuilt cdktf binding exists. It plans from the live object
 * alone, without the cluster's OpenAPI document that `kubernetes_manifest` converts on every plan
 * (README "Plan speed").
 */
export class KubectlManifest extends TerraformResource {
  static readonly tfResourceType = 'kubectl_manifest';

  constructor(
    scope: Construct,
    id: string,
    private config: KubectlManifestConfig,
  ) {
    super(scope, id, {
      terraformResourceType: KubectlManifest.tfResourceType,
      terraformGeneratorMetadata: { providerName: 'kubectl', providerVersion: KUBECTL_PROVIDER_VERSION },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach,
    });
  }

  /** Replaces the object (see {@link CustomResource.putSpec}). */
  putYamlBody(yamlBody: string): void {
    this.config = { ...this.config, yamlBody };
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      yaml_body: c.yamlBody,
      server_side_apply: c.serverSideApply,
      force_conflicts: c.forceConflicts,
      ignore_fields: c.ignoreFields === undefined ? undefined : [...c.ignoreFields],
    };
  }
}
