// @ts-nocheck
import { TerraformBackend, TerraformRemoteState, type DataTerraformRemoteStateConfig } from 'cdktf';
import type { Construct } from 'constructs';

export interface KubernetesBackendProps {
  /** The state Secret is `tfstate-default-<prefix>-<stack>`. */
  readonly secretSuffixPrefix: string;
  readonly stackName: string;
  readonly namespace: string;
  readonly configPath: string;
  readonly configContext?: string;
}

/** Terraform's `kubernetes` state backend, which cdktf has no class for: state in a Secret, locked by a Lease. */
export class KubernetesBackend extends TerraformBackend {
  constructor(
    scope: Construct,
    private readonly props: KubernetesBackendProps,
  ) {
    super(scope, 'backend', 'kubernetes');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return this.attributesFor(this.props.stackName);
  }

  getRemoteStateDataSource(scope: Construct, name: string, fromStack: string): TerraformRemoteState {
    return new KubernetesRemoteState(scope, name, this.attributesFor(fromStack));
  }

  private attributesFor(stackName: string): Record<string, string> {
    return {
      secret_suffix: `${this.props.secretSuffixPrefix}-${stackName}`,
      namespace: this.props.namespace,
      config_path: this.props.configPath,
      ...(this.props.configContext ? { config_context: this.props.configContext } : {}),
    };
  }
}

class KubernetesRemoteState extends TerraformRemoteState {
  constructor(scope: Construct, id: string, config: DataTerraformRemoteStateConfig & Record<string, string>) {
    super(scope, id, 'kubernetes', config);
  }
}
