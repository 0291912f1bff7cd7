import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import { AppStack } from './app-stack';
import { PlatformStack } from './platform-stack';

export interface EnvironmentStacks {
  readonly platform: PlatformStack;
  readonly app: AppStack;
}

/** The two stacks of one environment, `<env>-platform` then `<env>-app`. */
export function addEnvironment(scope: Construct, env: EnvironmentConfig): EnvironmentStacks {
  const platform = new PlatformStack(scope, `${env.name}-platform`, env);
  const app = new AppStack(scope, `${env.name}-app`, env);
  // kubernetes_manifest resolves each custom resource's schema from the cluster's CRDs at plan time.
  app.addDependency(platform);
  return { platform, app };
}
