/**
 * The floor under `cdktf diff` of an app stack: one stack with prod-app's state backend and its two
 * providers, pinned, locked and configured as prod-app's are, and no object. `npm run bench:plan`
 * times `cdktf diff floor` of it next to `cdktf diff prod-app`, so that the table shows what any
 * stack on these providers costs before its first object: the CLI's start and version probes, its
 * reading of the lock file, synth, `init` and a plan that loads both providers' schemas.
 */
import '../../runtime/dependency-loading';
import { App } from 'cdktf';
import type { Construct } from 'constructs';
import { loadEnvironments } from '../../config/load';
import type { EnvironmentConfig } from '../../config/schema';
import { environments } from '../../config/environments';
import { KubectlProvider } from '../../constructs/core/kubectl-provider';
import { skipTokenCreationStacks } from '../../runtime/creation-stacks';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { seedProviderLocks } from '../../stacks/provider-lock';

class ProviderFloor extends EnvironmentStack {
  constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    super(scope, id, env);
    this.addKubernetesProvider();
    this.pinProvider('kubectl', new KubectlProvider(this, 'kubectl', this.cluster));
  }
}

skipTokenCreationStacks();
const [prod] = loadEnvironments(environments, { ...process.env, TOPOLOGY_ENVIRONMENTS: 'prod' }) as [EnvironmentConfig];
const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? 'cdktf.out' });
new ProviderFloor(app, 'floor', prod);
app.synth();
seedProviderLocks(app.outdir);
