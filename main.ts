/**
 * Synthesizes the platform and app stacks of every environment (or of those named in
 * TOPOLOGY_ENVIRONMENTS, comma-separated), then writes each environment's review artifacts next
 * to them. All configs are validated before the first construct is created, and the workload
 * policy runs before anything is written: a bad value, a custom resource its CRD refuses or a
 * violation exits non-zero with the reason and writes nothing.
 */
// First: it must be in place before any dependency loads.
import './runtime/dependency-loading';
import { existsSync, rmSync } from 'node:fs';
import { App } from 'cdktf';
import { environments } from './config/environments';
import { ConfigError, loadEnvironment } from './config/load';
import { CustomResourceError } from './constructs/core/custom-resource';
import { PolicyError, reviewEnvironment, writeReview } from './review/review';
import { skipTokenCreationStacks } from './runtime/creation-stacks';
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

skipTokenCreationStacks();
const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
// The App creates its output directory before anything can fail; a failed run must not leave it behind.
const freshOutdir = !existsSync(outdir);
try {
  const configs = selectedEnvironments(process.env.TOPOLOGY_ENVIRONMENTS).map((env) => loadEnvironment(env));
  const app = new App({ outdir });
  const reviews = configs.map((config) => reviewEnvironment(config, addEnvironment(app, config)));
  if (reviews.some((r) => r.policy.errors.length > 0)) throw new PolicyError(reviews);
  app.synth();
  for (const review of reviews) writeReview(app.outdir, review);
} catch (error) {
  if (freshOutdir) rmSync(outdir, { recursive: true, force: true });
  if (!(error instanceof ConfigError || error instanceof PolicyError || error instanceof CustomResourceError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
