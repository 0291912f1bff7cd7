/**
 * Synthesizes the platform and app stacks of every environment (or of those named in
 * TOPOLOGY_ENVIRONMENTS, comma-separated). All configs are validated before the first construct
 * is created: a bad value exits non-zero with the reason and writes nothing.
 */
import { App } from 'cdktf';
import { environments } from './config/environments';
import { ConfigError, loadEnvironment } from './config/load';
import { addEnvironment } from './stacks/environment';

function selectedEnvironments(selection: string | undefined) {
  if (selection === undefined || selection.trim() === '') return environments;
  const known = environments.map((e) => e.name);
  return selection.split(',').map((raw) => {
    const name = raw.trim();
    const env = environments.find((e) => e.name === name);
    if (env === undefined) {
      throw new ConfigError(name, [{ path: 'TOPOLOGY_ENVIRONMENTS', value: selection, rule: `must name known environments (${known.join(', ')})` }]);
    }
    return env;
  });
}

try {
  const configs = selectedEnvironments(process.env.TOPOLOGY_ENVIRONMENTS).map((env) => loadEnvironment(env));
  const app = new App();
  for (const config of configs) addEnvironment(app, config);
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
