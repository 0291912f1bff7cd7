import { join } from 'node:path';
import { PROJECT_ROOT } from './cdktf';
import { run } from './processes';

/** The Go module tools/build.sh builds the operators from (one version set for all of them). */
const TOOLS_MODULE = join(PROJECT_ROOT, 'tools', 'kube');

/**
 * The source tree of `module` at the version tools/kube pins, in Go's module cache: the operators'
 * own manifests and configuration, for the version that runs.
 */
export async function moduleSourceDir(module: string): Promise<string> {
  const r = await run('go', ['list', '-m', '-f', '{{.Dir}}', module], { cwd: TOOLS_MODULE, timeoutSeconds: 120 });
  if (r.code !== 0 || r.stdout.trim() === '') throw new Error(`go list -m ${module} in tools/kube: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}
