/**
 * Synthesizes the selected environments (TOPOLOGY_ENVIRONMENTS, as main.ts reads it) into OUTDIR
 * with their migrations read from DIRECTORY instead of the configured one and the backend's
 * variable NAME=VALUE added: what a user's next release (a new migration, a changed backend)
 * synthesizes, without touching the repository's files.
 *
 *   node --require tsx/cjs e2e/lib/synth-migrations.ts OUTDIR DIRECTORY NAME=VALUE
 */
import '../../runtime/dependency-loading';
import { App } from 'cdktf';
import { loadEnvironments } from '../../config/load';
import { environments } from '../../config/environments';
import { addEnvironment } from '../../stacks/environment';
import { seedProviderLocks } from '../../stacks/provider-lock';

const [outdir, directory, variable] = process.argv.slice(2);
const [name, value] = variable?.split('=') ?? [];
if (outdir === undefined || directory === undefined || name === undefined || value === undefined) throw new Error('usage: synth-migrations.ts OUTDIR DIRECTORY NAME=VALUE');
const app = new App({ outdir });
const inputs = environments.map((e) => ({
  ...e,
  backend: { ...e.backend, env: { ...e.backend.env, [name]: value } },
  database: { ...e.database, migrations: { ...e.database.migrations, directory } },
}));
for (const config of loadEnvironments(inputs)) addEnvironment(app, config);
app.synth();
seedProviderLocks(app.outdir);
