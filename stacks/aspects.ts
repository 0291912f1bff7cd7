import { TerraformStack, type App } from 'cdktf';
import { invokeAspects } from 'cdktf/lib/synthesize/synthesizer';

/**
 * Runs the checks the constructs registered as aspects (unique object names, …) on every stack of
 * `app`, before anything is written or reviewed; app.synth runs them again, to the same effect.
 */
export function runAspects(app: App): void {
  for (const stack of app.node.findAll().filter(TerraformStack.isStack)) invokeAspects(stack);
}
