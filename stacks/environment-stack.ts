import { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import { configureState } from './state-backend';

/** What every stack of an environment shares: its name and its state backend. */
export abstract class EnvironmentStack extends TerraformStack {
  constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    super(scope, id);
    configureState(this, id, env);
  }
}
