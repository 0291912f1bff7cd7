/**
 * The pinned toolchain for the checks under scripts/: tools/build.sh builds the groups asked for
 * (or finds them up to date) and says where they are. Bash builds; the checks judge.
 */
// @ts-nocheck

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

export interface Toolchain {
  /** The directory holding the built binaries. */
  readonly bin: string;
  /** The OpenTofu/Terraform CLI config that installs providers from the local mirror (group `validate`). */
  readonly cliConfig?: string;
}

/** Builds or reuses `groups` (tools/build.sh's names), echoing its report to stderr. */
export function buildTools(...groups: string[]): Toolchain {
  const build = spawnSync('bash', [join(ROOT, 'tools', 'build.sh'), ...groups], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stderr.write(build.stdout);
  const printed = (name: string) => new RegExp(`^${name}=(.+)$`, 'm').exec(build.stdout)?.[1];
  const bin = printed('TOOLS_BIN');
  if (build.status !== 0 || bin === undefined) throw new Error(`tools/build.sh ${groups.join(' ')} failed (exit ${build.status})`);
  const cliConfig = printed('TF_CLI_CONFIG_FILE');
  return cliConfig === undefined ? { bin } : { bin, cliConfig };
}
