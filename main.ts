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
import { relative } from 'node:path';
import { App } from 'cdktf';
import { ConfigError, loadEnvironments } from './config/load';
import type { EnvironmentInput } from './config/schema';
import { CustomResourceError } from './constructs/core/custom-resource';
import { PropError } from './constructs/core/validation';
import { PolicyError, reviewEnvironment, writeReview } from './review/review';
import { skipTokenCreationStacks } from './runtime/creation-stacks';
import { runAspects } from './stacks/aspects';
import { addEnvironment } from './stacks/environment';
import { seedProviderLocks } from './stacks/provider-lock';

/** A syntax or evaluation error in a file users edit, as `file:line:column: message`. */
class SourceError extends Error {}

/**
 * config/environments.ts, loaded here rather than imported so that a syntax error in it (tsx's
 * esbuild transform fails) is reported as its location and message, not as tsx's minified source.
 */
function declaredEnvironments(): readonly EnvironmentInput[] {
  try {
    return (require('./config/environments') as typeof import('./config/environments')).environments;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    // An error while evaluating it (a misspelt identifier): its first frame in that file, not a trace.
    const frame = error.name === 'TransformError' ? null : /\(?([^\s(]*config[\\/]environments\.ts):(\d+):(\d+)\)?$/m.exec(error.stack ?? '');
    if (frame) throw new SourceError(`${relative(process.cwd(), frame[1])}:${frame[2]}:${frame[3]}: ${error.name}: ${error.message}`);
    if (error.name !== 'TransformError') throw error;
    // tsx keeps only esbuild's message: a header, then `file:line:column: ERROR: text` per error.
    const located = [...error.message.matchAll(/^(.+):(\d+):(\d+): ERROR: (.*)$/gm)];
    if (located.length === 0) throw error;
    // esbuild counts columns from 0, editors from 1.
    throw new SourceError(located.map(([, file, line, column, text]) => `${relative(process.cwd(), file)}:${line}:${Number(column) + 1}: ${text}`).join('\n'));
  }
}

skipTokenCreationStacks();
const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
// The App creates its output directory before anything can fail; a failed run must not leave it behind.
const freshOutdir = !existsSync(outdir);
try {
  const configs = loadEnvironments(declaredEnvironments());
  const app = new App({ outdir });
  const environments = configs.map((config) => ({ config, stacks: addEnvironment(app, config) }));
  runAspects(app);
  const reviews = environments.map(({ config, stacks }) => reviewEnvironment(config, stacks));
  if (reviews.some((r) => r.policy.errors.length > 0)) throw new PolicyError(reviews);
  app.synth();
  seedProviderLocks(app.outdir);
  for (const review of reviews) writeReview(app.outdir, review);
} catch (error) {
  if (freshOutdir) rmSync(outdir, { recursive: true, force: true });
  const expected = [ConfigError, PolicyError, CustomResourceError, PropError, SourceError].some((type) => error instanceof type);
  if (!expected || !(error instanceof Error)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
