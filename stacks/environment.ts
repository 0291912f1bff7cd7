import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import { AppStack } from './app-stack';
import { PlatformStack } from './platform-stack';
import { stackName } from './stack-names';

export interface EnvironmentStacks {
  readonly platform: PlatformStack;
  readonly app: AppStack;
}

/** The two stacks of one environment, `<env>-platform` then `<env>-app`. */
export function addEnvironment(scope: Construct, env: EnvironmentConfig): EnvironmentStacks {
  const platform = new PlatformStack(scope, stackName(env.name, 'platform'), env);
  const app = new AppStack(scope, stackName(env.name, 'app'), env);
  // The app's custom resources need the platform's CRDs and webhooks at apply (the Gateway, a
  // kubernetes_manifest, its CRD's schema at plan time too).
  app.addDependency(platform);
  return { platform, app };
}
