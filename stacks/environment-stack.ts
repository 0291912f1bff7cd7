import { Aspects, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import { ConstructDependencies } from '../constructs/core/construct-dependencies';
import { configureState } from './state-backend';

/** What every stack of an environment shares: its state backend and construct-level dependencies. */
export abstract class EnvironmentStack extends TerraformStack {
  constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    super(scope, id);
    configureState(this, id, env);
    Aspects.of(this).add(new ConstructDependencies());
  }
}
