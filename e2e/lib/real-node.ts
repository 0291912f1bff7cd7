import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './cdktf';

/**
 * What any real node left on this machine (`tools/real-node.sh check`: processes of the node's
 * binaries, network namespaces, links, cgroups, mounts, routes), one line each; empty when clean.
 */
export function realNodeLeftovers(): string[] {
  const r = spawnSync('bash', [join(PROJECT_ROOT, 'tools', 'real-node.sh'), 'check'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`tools/real-node.sh check: exit ${r.status}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}
