// @ts-nocheck
import { LocalBackend, S3Backend, type TerraformStack } from 'cdktf';
import type { EnvironmentConfig } from '../config/schema';
import { KubernetesBackend } from './kubernetes-backend';

/**
 * Where a stack keeps its state. The local default is relative to the stack's directory
 * (cdktf.out/stacks/<stack>), landing in the project root: synth output stays free of absolute
 * paths and `cdktf synth` does not wipe the state.
 */
export function configureState(stack: TerraformStack, stackName: string, env: EnvironmentConfig): void {
  const state = env.state;
  switch (state.backend) {
    case 'local':
      new LocalBackend(stack, { path: state.path ?? `../../../terraform.${stackName}.tfstate` });
      return;
    case 's3':
      new S3Backend(stack, {
        bucket: state.bucket,
        key: `${state.keyPrefix}/${stackName}.tfstate`,
        region: state.region,
        encrypt: state.encrypt,
      });
      // S3-native locking (Terraform ≥ 1.10, OpenTofu ≥ 1.10), which cdktf 0.21 has no property for.
      if (state.useLockfile) stack.addOverride('terraform.backend.s3.use_lockfile', true);
      return;
    case 'kubernetes':
      new KubernetesBackend(stack, {
        secretSuffixPrefix: state.secretSuffixPrefix,
        stackName,
        namespace: state.namespace,
        configPath: env.cluster.kubeconfigPath,
        configContext: env.cluster.context,
      });
      return;
  }
}
