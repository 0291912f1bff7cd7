/**
 * The smallest cdktf app: one stack with one output and no provider. `npm run bench:plan` times
 * `cdktf diff floor` of it next to `cdktf diff prod-app`, so that the table shows what the CLI
 * costs any project (start, version probes, synth, init, an empty plan) apart from this one's stack.
 */
import { App, TerraformOutput, TerraformStack } from 'cdktf';

const app = new App();
new TerraformOutput(new TerraformStack(app, 'floor'), 'floor', { value: 'floor' });
app.synth();
